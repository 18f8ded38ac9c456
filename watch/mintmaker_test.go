package watch_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

// TestMintMakerDependencyUpdates: a failed dependency update in
// MintMaker's namespace is the component's dependency issue in the
// component's namespace; the log analyzer's mintmaker-custom webhook goes
// on filing its own issues beside it; the next good update resolves only
// the watcher's.
func TestMintMakerDependencyUpdates(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	const mm, team = "mintmaker", "team-deps"
	createNamespace(t, mm)
	createNamespace(t, team)
	startWatcherOpts(t, watch.Options{Tracker: svc, Namespaces: []string{mm, team},
		Mapper: watch.Mapper{MintMakerNamespaces: []string{watch.DefaultMintMakerNamespace}}})
	labels := map[string]string{
		"mintmaker.appstudio.redhat.com/component":   "frontend",
		"mintmaker.appstudio.redhat.com/namespace":   team,
		"mintmaker.appstudio.redhat.com/application": "shop",
		"mintmaker.appstudio.redhat.com/repository":  "acme-frontend",
	}
	mustComplete(t, run{ns: mm, name: "renovate-a1", pipeline: "renovate-a1", minute: 1, labels: labels})
	is := oneIssue(t, svc, team, "the dependency issue", func(*kite.Issue) bool { return true })
	assert.Equal(t, kite.IssueTypeDependency, is.IssueType)
	assert.Equal(t, kite.Scope{ID: is.Scope.ID, ResourceType: watch.MintMakerScopeType, ResourceName: "frontend", ResourceNamespace: team}, is.Scope)
	assert.Equal(t, "Dependency update of frontend failed: task build-container, step build", is.Title)
	assert.Equal(t, "frontend", is.Labels["appstudio.openshift.io/component"])
	assert.Equal(t, "shop", is.Labels["appstudio.openshift.io/application"])
	assert.Empty(t, issues(t, svc, mm), "nothing in MintMaker's own namespace")

	// The log analyzer's webhook, unchanged.
	h, err := api.New(api.Options{Service: svc, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/api/v1/webhooks/mintmaker-custom", "application/json",
		strings.NewReader(`{"pipelineId":"github.com/acme/frontend@main","namespace":"`+team+`","type":"error","logs":["Dependency lookup failed"]}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Len(t, issues(t, svc, team), 2)

	// A second run of the same component succeeds.
	mustComplete(t, run{ns: mm, name: "renovate-b2", pipeline: "renovate-b2", ok: true, minute: 2, labels: labels})
	waitFor(t, "the resolution", func() error {
		for _, i := range issues(t, svc, team) {
			if i.Scope.ResourceType == watch.MintMakerScopeType && i.State != kite.StateResolved {
				return errNotYet
			}
		}
		return nil
	})
	for _, i := range issues(t, svc, team) {
		if i.Scope.ResourceType == "mintmaker-error" {
			assert.Equal(t, kite.StateActive, i.State, "the webhook's issue is the log analyzer's to resolve")
			assert.Equal(t, "Mintmaker error(1): github.com/acme/frontend@main", i.Title)
		}
	}
}
