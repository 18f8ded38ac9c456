package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func TestUpdateIssueFieldsAndIndexes(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	id := res.Issue.ID

	got, err := s.UpdateIssue(ctx, id, kite.IssueUpdate{
		Title:    ptr("renamed"),
		Severity: ptr(kite.Severity("HIGH")),
		Links:    &[]kite.Link{{Title: "a", URL: "https://a"}, {URL: "https://b"}},
		Actor:    "alice",
	})
	require.NoError(t, err)
	assert.Equal(t, "renamed", got.Title)
	assert.Equal(t, kite.SeverityCritical, got.Severity, "aliases are normalised on update too")
	require.Len(t, got.Links, 2)
	assert.Equal(t, "https://b", got.Links[1].Title, "an untitled link is titled by its URL")
	assert.NotNil(t, got.RelatedFrom)

	crit, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Severity: kite.SeverityCritical})
	require.NoError(t, err)
	assert.Equal(t, 1, crit.Total, "the severity index follows the edit")
	major, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Severity: kite.SeverityMajor})
	require.NoError(t, err)
	assert.Equal(t, 0, major.Total)

	_, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{IssueType: ptr(kite.IssueType("nonsense"))})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	_, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{Title: ptr("  ")})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	_, err = s.UpdateIssue(ctx, "0198f3a0-0000-7000-8000-000000000000", kite.IssueUpdate{Title: ptr("x")})
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	_, err = s.UpdateIssue(ctx, "not-a-uuid", kite.IssueUpdate{Title: ptr("x")})
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))

	events, err := s.Timeline(ctx, id)
	require.NoError(t, err)
	last := events[len(events)-1]
	assert.Equal(t, kite.EventEdited, last.Kind)
	assert.Equal(t, "alice", last.Actor)
	assert.Contains(t, last.Message, "severity")
}

func TestUpdateStateTransitions(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	id := res.Issue.ID

	got, err := s.UpdateIssue(ctx, id, kite.IssueUpdate{State: ptr(kite.State("resolved")), Actor: "bob"})
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, got.State)
	require.NotNil(t, got.ResolvedAt)
	assert.Equal(t, "bob", got.ResolvedBy)

	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	got, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{ResolvedAt: &when, ResolvedAtSet: true})
	require.NoError(t, err)
	assert.True(t, when.Equal(*got.ResolvedAt))

	_, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{ResolvedAtSet: true})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err), "a resolved issue keeps a resolvedAt")

	got, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{State: ptr(kite.StateActive)})
	require.NoError(t, err)
	assert.Equal(t, kite.StateActive, got.State)
	assert.Nil(t, got.ResolvedAt, "reopening clears resolvedAt")
	assert.Equal(t, 1, got.ReopenCount)

	_, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{ResolvedAt: &when, ResolvedAtSet: true})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))

	events, err := s.Timeline(ctx, id)
	require.NoError(t, err)
	var kinds []kite.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []kite.EventKind{kite.EventOpened, kite.EventResolved, kite.EventEdited, kite.EventReopened}, kinds)
}

func TestUpdateScopeMovesFingerprint(t *testing.T) {
	s := storetest.Open(t)
	a, err := s.Report(ctx, failure("team-a", "one"))
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "two"))
	require.NoError(t, err)

	_, err = s.UpdateIssue(ctx, a.Issue.ID, kite.IssueUpdate{Scope: &kite.Scope{ResourceType: "pipelinerun", ResourceName: "two"}})
	assert.Equal(t, kite.ECONFLICT, kite.ErrorCode(err), "two issues for one scope are refused")

	moved, err := s.UpdateIssue(ctx, a.Issue.ID, kite.IssueUpdate{Scope: &kite.Scope{ResourceType: "pipelinerun", ResourceName: "three"}})
	require.NoError(t, err)
	assert.NotEqual(t, a.Issue.Fingerprint, moved.Fingerprint)
	assert.NotEqual(t, a.Issue.ScopeID, moved.ScopeID)

	// Reports for the new scope land on the moved issue; the old scope is free.
	again, err := s.Report(ctx, failure("team-a", "three"))
	require.NoError(t, err)
	assert.Equal(t, a.Issue.ID, again.Issue.ID)
	fresh, err := s.Report(ctx, failure("team-a", "one"))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeCreated, fresh.Outcome)

	byName, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", ResourceName: "three"})
	require.NoError(t, err)
	require.Equal(t, 1, byName.Total)
	assert.Equal(t, a.Issue.ID, byName.Issues[0].ID)
}

func TestResolveIssueIsIdempotent(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	first, err := s.ResolveIssue(ctx, res.Issue.ID, "carol")
	require.NoError(t, err)
	second, err := s.ResolveIssue(ctx, res.Issue.ID, "dave")
	require.NoError(t, err)
	assert.Equal(t, first.Rev, second.Rev, "resolving twice writes once")
	assert.Equal(t, "carol", second.ResolvedBy)
	_, err = s.ResolveIssue(ctx, "0198f3a0-0000-7000-8000-000000000000", "x")
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
}

func TestRelationsAndDeleteCascade(t *testing.T) {
	s := storetest.Open(t)
	a, err := s.Report(ctx, failure("team-a", "a"))
	require.NoError(t, err)
	b, err := s.Report(ctx, failure("team-a", "b"))
	require.NoError(t, err)
	c, err := s.Report(ctx, failure("team-a", "c"))
	require.NoError(t, err)
	idA, idB, idC := a.Issue.ID, b.Issue.ID, c.Issue.ID

	require.NoError(t, s.RelateIssues(ctx, idA, idB))
	require.NoError(t, s.RelateIssues(ctx, idC, idA))
	assert.Equal(t, kite.ECONFLICT, kite.ErrorCode(s.RelateIssues(ctx, idA, idB)))
	assert.Equal(t, kite.ECONFLICT, kite.ErrorCode(s.RelateIssues(ctx, idB, idA)), "either direction")
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(s.RelateIssues(ctx, idA, idA)))
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(s.RelateIssues(ctx, idA, "0198f3a0-0000-7000-8000-000000000000")))
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(s.RelateIssues(ctx, "bad", idA)))

	got, err := s.GetIssue(ctx, idA)
	require.NoError(t, err)
	require.Len(t, got.RelatedFrom, 1)
	require.Len(t, got.RelatedTo, 1)
	assert.Equal(t, idB, got.RelatedFrom[0].TargetID)
	assert.Equal(t, "Pipeline run failed: b", got.RelatedFrom[0].Target.Title)
	assert.Equal(t, idA, got.RelatedFrom[0].Source.ID)
	assert.Equal(t, idC, got.RelatedTo[0].SourceID)
	assert.Empty(t, got.RelatedTo[0].Source.RelatedFrom, "related issues carry no relations of their own")

	require.NoError(t, s.UnrelateIssues(ctx, idB, idA), "either direction")
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(s.UnrelateIssues(ctx, idA, idB)))

	require.NoError(t, s.RelateIssues(ctx, idA, idB))
	require.NoError(t, s.DeleteIssue(ctx, idA))
	_, err = s.GetIssue(ctx, idA)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	_, err = s.Timeline(ctx, idA)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	for _, id := range []string{idB, idC} {
		got, err := s.GetIssue(ctx, id)
		require.NoError(t, err)
		assert.Empty(t, got.RelatedFrom)
		assert.Empty(t, got.RelatedTo)
	}
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(s.DeleteIssue(ctx, idA)))

	// The deleted issue's scope is free again: a new report makes a new issue.
	again, err := s.Report(ctx, failure("team-a", "a"))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeCreated, again.Outcome)
	assert.NotEqual(t, idA, again.Issue.ID)
}
