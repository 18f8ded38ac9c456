package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store/storetest"
)

var ctx = context.Background()

func failure(ns, pipeline string) kite.Report {
	return kite.Report{
		Namespace:   ns,
		Title:       "Pipeline run failed: " + pipeline,
		Description: "The pipeline run " + pipeline + " failed with reason: ImagePullBackOff",
		Severity:    "major",
		IssueType:   kite.IssueTypePipeline,
		Scope:       kite.Scope{ResourceType: "pipelinerun", ResourceName: pipeline},
		Links:       []kite.Link{{Title: "Pipeline Run Logs", URL: "https://logs.example/" + pipeline}},
		Failure:     &kite.FailureContext{Reason: "ImagePullBackOff"},
		Actor:       kite.ActorWebhook,
	}
}

func TestReportCreatesThenDedupes(t *testing.T) {
	s := storetest.Open(t)
	first, err := s.Report(ctx, failure("team-a", "build-ui"))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeCreated, first.Outcome)
	is := first.Issue
	assert.Equal(t, kite.StateActive, is.State)
	assert.Equal(t, int64(1), is.Occurrences)
	assert.Equal(t, "team-a", is.Scope.ResourceNamespace, "resourceNamespace defaults to the namespace")
	assert.NotEmpty(t, is.ScopeID)
	assert.Equal(t, is.ScopeID, is.Scope.ID)
	require.Len(t, is.Links, 1)
	assert.Equal(t, is.ID, is.Links[0].IssueID)
	assert.NotEmpty(t, is.Links[0].ID)

	again := failure("team-a", "build-ui")
	again.Description = "The pipeline run build-ui failed with reason: OOMKilled"
	again.Links = []kite.Link{{Title: "Pipeline Run Logs", URL: "https://logs.example/run-2"}}
	second, err := s.Report(ctx, again)
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeUpdated, second.Outcome)
	assert.Equal(t, is.ID, second.Issue.ID)
	assert.Equal(t, int64(2), second.Issue.Occurrences)
	assert.Equal(t, again.Description, second.Issue.Description)
	assert.Equal(t, "https://logs.example/run-2", second.Issue.Links[0].URL)
	assert.Greater(t, second.Issue.Rev, is.Rev)
	assert.Equal(t, is.FirstSeen, second.Issue.FirstSeen)

	other, err := s.Report(ctx, failure("team-b", "build-ui"))
	require.NoError(t, err)
	assert.NotEqual(t, is.ID, other.Issue.ID, "another namespace is another problem")

	events, err := s.Timeline(ctx, is.ID)
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, kite.EventOpened, events[0].Kind)
	assert.Equal(t, kite.EventSeen, events[1].Kind)
	assert.Equal(t, kite.ActorWebhook, events[1].Actor)
	assert.Less(t, events[0].Rev, events[1].Rev)
}

func TestReportNormalisesAndValidates(t *testing.T) {
	s := storetest.Open(t)
	r := failure("team-a", "p")
	r.Severity = "medium"
	res, err := s.Report(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, kite.SeverityMajor, res.Issue.Severity)

	r.Severity = "catastrophic"
	_, err = s.Report(ctx, r)
	require.Error(t, err)
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Contains(t, kite.ErrorDetails(err), "info, minor, major, critical")

	_, err = s.Report(ctx, kite.Report{Namespace: "team-a"})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Contains(t, kite.ErrorDetails(err), "title")
	assert.Contains(t, kite.ErrorDetails(err), "scope.resourceName")
}

func TestFailureAfterResolveReopens(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	n, err := s.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "build", Actor: kite.ActorWebhook})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	resolved, err := s.GetIssue(ctx, res.Issue.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, resolved.State)
	require.NotNil(t, resolved.ResolvedAt)
	assert.Equal(t, kite.ActorWebhook, resolved.ResolvedBy)

	again, err := s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeReopened, again.Outcome)
	assert.Equal(t, res.Issue.ID, again.Issue.ID)
	assert.Equal(t, kite.StateActive, again.Issue.State)
	assert.Nil(t, again.Issue.ResolvedAt)
	assert.Empty(t, again.Issue.ResolvedBy)
	assert.Equal(t, 1, again.Issue.ReopenCount)
	assert.Equal(t, int64(2), again.Issue.Occurrences)

	events, err := s.Timeline(ctx, res.Issue.ID)
	require.NoError(t, err)
	kinds := []kite.EventKind{}
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []kite.EventKind{kite.EventOpened, kite.EventResolved, kite.EventReopened}, kinds)
}

func TestOutOfOrderObservations(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s := storetest.OpenWith(t, storeOptions(func() time.Time { return now }))
	r := failure("team-a", "build")
	r.At = now.Add(-time.Minute)
	res, err := s.Report(ctx, r)
	require.NoError(t, err)

	// A success that finished before the failure must not resolve it.
	n, err := s.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "build", At: now.Add(-2 * time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, 0, n)

	n, err = s.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "build", At: now})
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	// A failure from before that resolution, arriving late, is stale.
	late := failure("team-a", "build")
	late.At = now.Add(-30 * time.Second)
	stale, err := s.Report(ctx, late)
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeStale, stale.Outcome)
	got, err := s.GetIssue(ctx, res.Issue.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, got.State)
	assert.Equal(t, int64(1), got.Occurrences)
}

func TestConcurrentIdenticalReportsMakeOneIssue(t *testing.T) {
	s := storetest.Open(t)
	const n = 50
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			res, err := s.Report(ctx, failure("team-a", "flaky"))
			errs[i] = err
			if err == nil {
				ids[i] = res.Issue.ID
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i])
	}
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a"})
	require.NoError(t, err)
	require.Equal(t, 1, list.Total)
	assert.Equal(t, int64(n), list.Issues[0].Occurrences)
}

func TestCallerKeyOverridesScopeDedupe(t *testing.T) {
	s := storetest.Open(t)
	a := failure("team-a", "one")
	a.Key = "incident-42"
	b := failure("team-a", "two")
	b.Key = "incident-42"
	ra, err := s.Report(ctx, a)
	require.NoError(t, err)
	rb, err := s.Report(ctx, b)
	require.NoError(t, err)
	assert.Equal(t, ra.Issue.ID, rb.Issue.ID)
	assert.Equal(t, "two", rb.Issue.Scope.ResourceName)
}

func TestResolveScopeOnlyTouchesItsScope(t *testing.T) {
	s := storetest.Open(t)
	for i := range 3 {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("p%d", i)))
		require.NoError(t, err)
	}
	build := failure("team-a", "p0")
	build.IssueType = kite.IssueTypeBuild
	_, err := s.Report(ctx, build)
	require.NoError(t, err)
	n, err := s.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "p0"})
	require.NoError(t, err)
	assert.Equal(t, 2, n, "every issue type of the scope")
	n, err = s.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "p0"})
	require.NoError(t, err)
	assert.Equal(t, 0, n, "already resolved")
	active, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", State: kite.StateActive})
	require.NoError(t, err)
	assert.Equal(t, 2, active.Total)
	_, err = s.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun"})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
}
