package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store/storetest"
)

var runBase = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func runFailure(id string, minute int) kite.Report {
	r := failure("team-a", "build-ui")
	r.Run = &kite.Run{ID: id, CompletedAt: runBase.Add(time.Duration(minute) * time.Minute)}
	return r
}

func runSuccess(id string, minute int) kite.Resolution {
	return kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "build-ui",
		Run: &kite.Run{ID: id, CompletedAt: runBase.Add(time.Duration(minute) * time.Minute)}}
}

func TestRunsApplyOncePerRun(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, runFailure("run-1", 1))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeCreated, res.Outcome)
	assert.True(t, runBase.Add(time.Minute).Equal(res.Issue.DetectedAt), "the run's completion is the observation time")

	again, err := s.Report(ctx, runFailure("run-1", 1))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeDuplicate, again.Outcome)
	assert.Equal(t, int64(1), again.Issue.Occurrences, "a run seen again is not another occurrence")
	assert.Equal(t, res.Issue.Rev, again.Issue.Rev, "nothing was written")

	second, err := s.Report(ctx, runFailure("run-2", 2))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeUpdated, second.Outcome)
	assert.Equal(t, int64(2), second.Issue.Occurrences)

	n, err := s.ResolveScope(ctx, runSuccess("run-3", 3))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = s.ResolveScope(ctx, runSuccess("run-3", 3))
	require.NoError(t, err)
	assert.Zero(t, n, "a success seen again changes nothing")
	got, err := s.GetIssue(ctx, res.Issue.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, got.State)
	assert.True(t, runBase.Add(3*time.Minute).Equal(*got.ResolvedAt), "resolved when the success completed")
}

func TestRunsInCompletionOrder(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, runFailure("new-fail", 10))
	require.NoError(t, err)

	// A success that completed before the failure does not resolve it.
	n, err := s.ResolveScope(ctx, runSuccess("old-ok", 5))
	require.NoError(t, err)
	assert.Zero(t, n)

	// A newer success does; an older failure arriving late does not reopen.
	n, err = s.ResolveScope(ctx, runSuccess("new-ok", 20))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	late, err := s.Report(ctx, runFailure("late-fail", 15))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeStale, late.Outcome)
	assert.Equal(t, kite.StateResolved, late.Issue.State)

	// A failure after the success reopens it.
	next, err := s.Report(ctx, runFailure("next-fail", 30))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeReopened, next.Outcome)
	assert.Equal(t, res.Issue.ID, next.Issue.ID)
	assert.Equal(t, int64(2), next.Issue.Occurrences, "the stale failure was not counted")
}

func TestRunsOldFailureWithoutIssueOpensNothing(t *testing.T) {
	s := storetest.Open(t)
	n, err := s.ResolveScope(ctx, runSuccess("ok", 10))
	require.NoError(t, err)
	assert.Zero(t, n)
	res, err := s.Report(ctx, runFailure("old", 5))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeStale, res.Outcome)
	assert.Nil(t, res.Issue)
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a"})
	require.NoError(t, err)
	assert.Zero(t, list.Total)
}

func TestRunsLedgerIsBounded(t *testing.T) {
	s := storetest.Open(t)
	for i := range 40 {
		_, err := s.Report(ctx, runFailure(fmt.Sprintf("run-%d", i), 100+i))
		require.NoError(t, err)
	}
	// The ledger keeps the newest 32: older runs it forgot are stale,
	// never counted again.
	res, err := s.Report(ctx, runFailure("run-0", 100))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeStale, res.Outcome)
	assert.Equal(t, int64(40), res.Issue.Occurrences)
	res, err = s.Report(ctx, runFailure("run-39", 139))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeDuplicate, res.Outcome)
}

func TestRunValidation(t *testing.T) {
	s := storetest.Open(t)
	r := runFailure("", 1)
	_, err := s.Report(ctx, r)
	assert.Equal(t, "run.id", kite.ErrorField(err))
	r = runFailure("x", 1)
	r.Run.CompletedAt = time.Time{}
	_, err = s.Report(ctx, r)
	assert.Equal(t, "run.completedAt", kite.ErrorField(err))
}
