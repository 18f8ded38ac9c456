package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
)

// newClientServer runs the API over HTTP for a Client; it records the last
// Authorization header.
func newClientServer(t *testing.T, token string) (*Client, *testServer, *atomic.Value) {
	t.Helper()
	ts := newTestServer(t)
	var auth atomic.Value
	auth.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		ts.h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientOptions{Server: srv.URL + "/", Token: token})
	require.NoError(t, err)
	return c, ts, &auth
}

func TestClientIsTheServiceOverHTTP(t *testing.T) {
	c, ts, auth := newClientServer(t, "s3cret")
	ctx := context.Background()

	created, err := c.Report(ctx, kite.Report{
		Namespace: "team-a", Title: "Release 1.2 failed", Description: "The release failed in phase: Processing",
		Severity: kite.SeverityCritical, IssueType: kite.IssueTypeRelease,
		Scope: kite.Scope{ResourceType: "application", ResourceName: "shop"}, Labels: map[string]string{"team": "payments"},
	})
	require.NoError(t, err)
	assert.Equal(t, "Bearer s3cret", auth.Load())
	id := created.Issue.ID
	require.NotEmpty(t, id)

	pipeline, err := c.Report(ctx, kite.Report{
		Namespace: "team-a", Title: "Pipeline frontend-on-push failed", Description: "d", Severity: kite.SeverityMajor,
		IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: "frontend-on-push"},
		Failure: &kite.FailureContext{Reason: "OOMKilled", Task: "build"}, Run: &kite.Run{ID: "uid-1", CompletedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)},
	})
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeCreated, pipeline.Outcome)

	got, err := c.GetIssue(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "Release 1.2 failed", got.Title)
	assert.Equal(t, map[string]string{"team": "payments"}, got.Labels)

	list, err := c.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", IssueType: kite.IssueTypeRelease})
	require.NoError(t, err)
	require.Equal(t, 1, list.Total)
	assert.Equal(t, id, list.Issues[0].ID)

	title := "Release 1.2 failed in Processing"
	updated, err := c.UpdateIssue(ctx, id, kite.IssueUpdate{Title: &title, Actor: "alice"})
	require.NoError(t, err)
	assert.Equal(t, title, updated.Title)

	require.NoError(t, c.RelateIssues(ctx, id, pipeline.Issue.ID))
	require.NoError(t, c.UnrelateIssues(ctx, id, pipeline.Issue.ID))

	resolved, err := c.ResolveIssue(ctx, id, "bob")
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, resolved.State)
	assert.Equal(t, "bob", resolved.ResolvedBy, "the actor travels in X-Kite-User")

	events, err := c.Timeline(ctx, id)
	require.NoError(t, err)
	var kinds []kite.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []kite.EventKind{kite.EventOpened, kite.EventEdited, kite.EventRelated, kite.EventUnrelated, kite.EventResolved}, kinds)
	assert.Equal(t, "alice", events[1].Actor)

	servicetest.WaitIndexed(t, ts.store)
	res, err := c.Search(ctx, kite.SearchRequest{Query: "oomkilled", Namespaces: []string{"team-a"}, Facets: []string{kite.FieldSeverity}, Highlight: true})
	require.NoError(t, err)
	require.Equal(t, 1, res.Total)
	assert.Equal(t, pipeline.Issue.ID, res.Hits[0].Issue.ID)
	assert.NotEmpty(t, res.Facets[kite.FieldSeverity])

	n, err := c.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "frontend-on-push",
		Run: &kite.Run{ID: "uid-2", CompletedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}})
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	require.NoError(t, c.DeleteIssue(ctx, id))
	_, err = c.GetIssue(ctx, id)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	assert.Equal(t, "Issue not found", kite.ErrorMessage(err))
}

func TestClientErrors(t *testing.T) {
	c, _, _ := newClientServer(t, "")
	ctx := context.Background()
	_, err := c.Report(ctx, kite.Report{Namespace: "team-a", Title: "t", Description: "d", Severity: "urgent", IssueType: kite.IssueTypeBuild,
		Scope: kite.Scope{ResourceType: "component", ResourceName: "x"}})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Equal(t, "severity", kite.ErrorField(err), "the field comes back from the body")

	_, err = c.Search(ctx, kite.SearchRequest{Query: "severity:>=", Namespaces: []string{"team-a"}})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))

	_, err = NewClient(ClientOptions{Server: "kite.example"})
	assert.Equal(t, "server", kite.ErrorField(err))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.GetIssue(cancelled, "00000000-0000-0000-0000-000000000000")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(slow.Close)
	sc, err := NewClient(ClientOptions{Server: slow.URL, Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	_, err = sc.GetIssue(ctx, "x")
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err), "a timeout is the server not answering")
}
