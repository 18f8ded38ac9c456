package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func TestSignAndVerify(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	now := time.Unix(1_800_000_000, 0)
	h := Sign("0123456789abcdef", body, now)
	require.NoError(t, Verify("0123456789abcdef", h, body, now.Add(time.Minute), 5*time.Minute))
	for name, err := range map[string]error{
		"another secret": Verify("fedcba9876543210", h, body, now, time.Minute),
		"another body":   Verify("0123456789abcdef", h, []byte(`{"id":"y"}`), now, time.Minute),
		"too old":        Verify("0123456789abcdef", h, body, now.Add(time.Hour), 5*time.Minute),
		"malformed":      Verify("0123456789abcdef", "v1=abc", body, now, time.Minute),
	} {
		assert.ErrorIs(t, err, ErrBadSignature, name)
	}
}

func TestCloudEventShape(t *testing.T) {
	is := &kite.Issue{ID: "i-1", Title: "Build failed", Namespace: "team-a", State: kite.StateActive,
		Links: []kite.Link{{Title: "Pipeline Run Logs", URL: "https://logs.example/1"}}, RelatedFrom: []kite.Relation{{ID: "r"}}}
	b, err := CloudEvent("cluster-1", Notification{ID: "s/7", Event: kite.EventOpened, Time: time.Unix(0, 0), Issue: is,
		IssueURL: "https://console.example/i-1", Subscription: kite.Subscription{ID: "s", Name: "chat"}})
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(b, &ev))
	assert.Equal(t, "1.0", ev["specversion"])
	assert.Equal(t, "s/7", ev["id"])
	assert.Equal(t, "cluster-1", ev["source"])
	assert.Equal(t, "dev.konflux-ci.kite.issue.opened", ev["type"])
	assert.Equal(t, "i-1", ev["subject"])
	data := ev["data"].(map[string]any)
	assert.Equal(t, "https://logs.example/1", data["logsUrl"])
	assert.Equal(t, "chat", data["subscription"].(map[string]any)["name"])
	assert.Nil(t, data["issue"].(map[string]any)["relatedFrom"], "relations are not sent")
	assert.NotNil(t, is.RelatedFrom, "the caller's issue is left as it was")
}

// TestClientRefusesAddresses: loopback is refused unless allowed, link-local
// always, and redirects are not followed.
func TestClientRefusesAddresses(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	n := Notification{ID: "x", Event: kite.EventOpened, Issue: &kite.Issue{ID: "i"}, Subscription: kite.Subscription{URL: srv.URL}}

	_, err := NewClient(false).SendWebhook(ctx, "kite", "", n)
	assert.True(t, errors.Is(err, ErrAddressRefused), "%v", err)
	assert.Zero(t, hits)
	code, err := NewClient(true).SendWebhook(ctx, "kite", "", n)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)

	n.Subscription.URL = srv.URL + "/redirect"
	code, err = NewClient(true).SendWebhook(ctx, "kite", "", n)
	assert.Error(t, err, "a redirect is an answer outside 2xx")
	assert.Equal(t, http.StatusFound, code)
	assert.Equal(t, 2, hits, "the redirect was not followed")

	_, err = NewClient(true).PostAlerts(ctx, "http://169.254.169.254:9093", nil)
	assert.True(t, errors.Is(err, ErrAddressRefused), "%v", err)
}

func TestAlertLabels(t *testing.T) {
	is := &kite.Issue{ID: "i-1", Namespace: "team-a", Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild,
		Scope:  kite.Scope{ResourceType: "component", ResourceName: "api"},
		Labels: map[string]string{"appstudio.openshift.io/application": "shop", "appstudio.openshift.io/component": "api"}}
	a := FiringAlert(is, kite.Subscription{Name: "oncall"}, "https://console.example/i-1", time.Unix(100, 0))
	assert.Equal(t, map[string]string{"alertname": "KiteIssue", "issue_id": "i-1", "namespace": "team-a", "severity": "major", "type": "build",
		"scope": "component/api", "subscription": "oncall", "application": "shop", "component": "api"}, a.Labels)
	assert.Equal(t, "https://console.example/i-1", a.Annotations["issue_url"])
	r := ResolvedAlert(a.Labels, time.Unix(50, 0))
	assert.Equal(t, r.StartsAt, r.EndsAt)
}
