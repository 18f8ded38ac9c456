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
