package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/auth"
	"github.com/konflux-ci/kite/service/servicetest"
)

// sse is one Server-Sent Event of a stream.
type sse struct {
	name string
	data []byte
}

// follow opens the event stream of ns with token and returns its events as
// they arrive; the channel closes when the stream ends.
func follow(t *testing.T, base, token, ns string) <-chan sse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/v1/events?namespace="+ns, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	return stream(t, req)
}

// stream sends req, which must open an event stream, and returns the
// stream's events as they arrive.
func stream(t *testing.T, req *http.Request) <-chan sse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req) //nolint:bodyclose // the reading goroutine closes it
	require.NoError(t, err)
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		t.Fatalf("the stream did not open: %s", resp.Status)
	}
	events := make(chan sse, 16)
	go func() {
		defer close(events)
		defer func() { _ = resp.Body.Close() }()
		_ = api.ReadEvents(resp.Body, func(name string, data []byte) bool {
			events <- sse{name: name, data: bytes.Clone(data)}
			return true
		})
	}()
	return events
}

// nextEvent is the stream's next event; ok false when it ended.
func nextEvent(t *testing.T, events <-chan sse) (sse, bool) {
	t.Helper()
	select {
	case e, ok := <-events:
		return e, ok
	case <-time.After(30 * time.Second):
		t.Fatal("the stream neither sent an event nor ended")
		return sse{}, false
	}
}

// TestStreamStopsWhenTheGrantIsRevoked: a stream opened by a viewer stops
// delivering once the viewer's RoleBinding is deleted and the allowed
// decision has expired from Kite's cache, and ends with an error event
// saying so, over the cluster's real RBAC.
func TestStreamStopsWhenTheGrantIsRevoked(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	// Short cache times, so that the revocation takes effect within the
	// test; the token's review may stay cached (the token is not revoked).
	k, err := auth.New(auth.Options{Config: cluster.cfg, AllowTTL: time.Second, DenyTTL: time.Second, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	h, err := api.New(api.Options{Service: svc, Authenticator: k, Authorizer: k})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	const ns = "team-stream"
	token := serviceAccount(t, ns, "follower")
	ctx := context.Background()
	_, err = cluster.cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "follower"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "kite-issues-view"},
		Subjects:   []rbacv1.Subject{serviceAccountSubject(ns, "follower")},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	report := func(name string) {
		_, err := svc.Report(ctx, kite.Report{Namespace: ns, Title: name, Description: "d", Severity: kite.SeverityMajor,
			IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: name}})
		require.NoError(t, err)
	}
	// canWatch asks Kite the question each streamed event asks, so it
	// reads the same cached decision.
	canWatch := func() bool {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/auth/can-i?verb=watch&namespace="+ns, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		var body struct {
			Allowed bool `json:"allowed"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return body.Allowed
	}

	events := follow(t, srv.URL, token, ns)
	report("before")
	e, ok := nextEvent(t, events)
	require.True(t, ok)
	require.Equal(t, "created", e.name)
	assert.Contains(t, string(e.data), `"title":"before"`)

	require.NoError(t, cluster.cs.RbacV1().RoleBindings(ns).Delete(ctx, "follower", metav1.DeleteOptions{}))
	require.Eventually(t, func() bool { return !canWatch() }, 30*time.Second, 100*time.Millisecond,
		"the cluster denies the viewer once its binding is gone and Kite's allowed decision expired")
	report("after")
	e, ok = nextEvent(t, events)
	require.True(t, ok, "the stream says why it ends")
	assert.Equal(t, "error", e.name, "the change made after the revocation is not delivered: %s", e.data)
	var body struct {
		Error   string `json:"error"`
		Details string `json:"details"`
		Status  int    `json:"status"`
	}
	require.NoError(t, json.Unmarshal(e.data, &body))
	assert.Equal(t, http.StatusForbidden, body.Status)
	assert.Equal(t, "Access to the stream's namespaces was revoked", body.Error)
	assert.Contains(t, body.Details, "system:serviceaccount:"+ns+":follower may no longer watch")
	_, ok = nextEvent(t, events)
	assert.False(t, ok, "and ends")
}
