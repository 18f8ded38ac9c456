package watch_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

// TestRemoteWatcherThroughWebhooks is kite watch --server: the watcher
// reports to a Kite over HTTP, which fails its first requests; retries get
// every run through, each applied once.
func TestRemoteWatcherThroughWebhooks(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	h, err := api.New(api.Options{Service: svc, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	var calls, refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			refused.Add(1)
			http.Error(w, `{"error":"warming up"}`, http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := api.NewClient(api.ClientOptions{Server: srv.URL})
	require.NoError(t, err)

	const ns = "remote"
	createNamespace(t, ns)
	startWatcher(t, client, ns)
	mustComplete(t, run{ns: ns, name: "deploy-1", pipeline: "deploy", minute: 1})
	mustComplete(t, run{ns: ns, name: "deploy-2", pipeline: "deploy", minute: 2})
	is := oneIssue(t, svc, ns, "both failures through the webhook", func(is *kite.Issue) bool { return is.Occurrences == 2 })
	assert.Equal(t, "build-container", is.Failure.Task)
	assert.Equal(t, "build", is.Failure.Step)
	events, err := svc.Timeline(ctx, is.ID)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	assert.Equal(t, kite.ActorWebhook, events[0].Actor, "filed through the webhook")
	assert.Equal(t, int64(3), refused.Load(), "the first sends were refused and retried")

	mustComplete(t, run{ns: ns, name: "deploy-3", pipeline: "deploy", ok: true, minute: 3})
	oneIssue(t, svc, ns, "the resolution through the webhook", func(is *kite.Issue) bool { return is.State == kite.StateResolved })
}

// TestRemoteReleasesThroughTheAPI is kite watch --server watching
// Releases: their failures go through POST /api/v1/issues and their
// successes through the scope-success hook, each applied once by the
// Release's UID and completion time, as in process.
func TestRemoteReleasesThroughTheAPI(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	h, err := api.New(api.Options{Service: svc, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client, err := api.NewClient(api.ClientOptions{Server: srv.URL})
	require.NoError(t, err)

	const ns = "remote-releases"
	createNamespace(t, ns)
	_, _, stop := startWatcherOpts(t, watch.Options{Tracker: client, Namespaces: []string{ns}, Releases: true})
	mustCompleteRelease(t, release{ns: ns, name: "r-1", plan: "prod", stage: "managed", pipelineRun: ns + "/m-1", minute: 10})
	is := oneIssue(t, svc, ns, "the failed Release's issue", func(*kite.Issue) bool { return true })
	assert.Equal(t, watch.ReleaseScopeType, is.Scope.ResourceType)
	assert.Equal(t, kite.IssueTypeRelease, is.IssueType)
	require.NotNil(t, is.Failure)
	assert.Equal(t, "managed", is.Failure.Task)

	// A restart of the watcher sends the Release again: nothing changes.
	stop()
	_, _, stop = startWatcherOpts(t, watch.Options{Tracker: client, Namespaces: []string{ns}, Releases: true})
	mustCompleteRelease(t, release{ns: ns, name: "r-2", plan: "prod", ok: true, minute: 20})
	is = oneIssue(t, svc, ns, "the resolution through the hook", func(is *kite.Issue) bool { return is.State == kite.StateResolved })
	assert.Equal(t, int64(1), is.Occurrences, "the failure was applied once")
	stop()
}
