package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
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

func TestRunsRememberedBeyondManyRuns(t *testing.T) {
	s := storetest.Open(t)
	for i := range 200 {
		_, err := s.Report(ctx, runFailure(fmt.Sprintf("run-%d", i), 100+i))
		require.NoError(t, err)
	}
	// Every run is remembered, not only the newest few: the oldest one
	// re-sent is a duplicate, never counted again.
	for _, id := range []string{"run-0", "run-199"} {
		res, err := s.Report(ctx, runFailure(id, 100))
		require.NoError(t, err)
		assert.Equal(t, kite.OutcomeDuplicate, res.Outcome, id)
		assert.Equal(t, int64(200), res.Issue.Occurrences)
	}
}

// The original bridge operator sends a failure's runId (the run's UID) but
// never its completion time, and its success payload names no run at all;
// on every restart it re-sends every completed run, in any order.
func TestRunsWithoutCompletionTimeApplyOnce(t *testing.T) {
	fail := func(id string) kite.Report {
		r := failure("team-a", "build-ui")
		r.Run = &kite.Run{ID: id}
		return r
	}
	success := kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "build-ui"}
	replays := [][]string{{"A", "B", "C"}, {"C", "B", "A"}, {"B", "C", "A"}, {"A", "C", "B"}}
	for _, order := range replays {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			dir := t.TempDir()
			s, err := store.Open(store.Options{Dir: dir})
			require.NoError(t, err)
			created, err := s.Report(ctx, fail("A"))
			require.NoError(t, err)
			_, err = s.Report(ctx, fail("B"))
			require.NoError(t, err)
			n, err := s.ResolveScope(ctx, success)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.NoError(t, s.Close())

			// Kite restarts too: what it remembers is on disk.
			s = storetest.OpenWith(t, store.Options{Dir: dir})
			for _, run := range order {
				if run == "C" {
					_, err = s.ResolveScope(ctx, success)
					require.NoError(t, err)
					continue
				}
				res, err := s.Report(ctx, fail(run))
				require.NoError(t, err)
				assert.Equal(t, kite.OutcomeDuplicate, res.Outcome, run)
			}
			got, err := s.GetIssue(ctx, created.Issue.ID)
			require.NoError(t, err)
			assert.Equal(t, kite.StateResolved, got.State)
			assert.Equal(t, int64(2), got.Occurrences)
			assert.Zero(t, got.ReopenCount)
			list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a"})
			require.NoError(t, err)
			assert.Equal(t, 1, list.Total, "one issue")
		})
	}
}

func TestRunWithoutCompletionTimeAfterSuccessReopens(t *testing.T) {
	s := storetest.Open(t)
	_, err := s.Report(ctx, runFailure("old", 1))
	require.NoError(t, err)
	n, err := s.ResolveScope(ctx, runSuccess("ok", 2))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	// Seen for the first time after the success: a new failure.
	r := failure("team-a", "build-ui")
	r.Run = &kite.Run{ID: "new"}
	res, err := s.Report(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeReopened, res.Outcome)
}

func TestPruneRuns(t *testing.T) {
	now := runBase
	s := storetest.OpenWith(t, store.Options{Now: func() time.Time { return now }})
	for i := range 10 {
		_, err := s.Report(ctx, runFailure(fmt.Sprintf("early-%d", i), i))
		require.NoError(t, err)
	}
	now = runBase.Add(48 * time.Hour)
	_, err := s.Report(ctx, runFailure("late", 60*48))
	require.NoError(t, err)

	removed, err := s.PruneRuns(ctx, runBase.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 10, removed)
	removed, err = s.PruneRuns(ctx, runBase.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Zero(t, removed, "nothing left to prune")

	res, err := s.Report(ctx, runFailure("late", 60*48))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeDuplicate, res.Outcome, "a recent run is still remembered")
}

func TestRunValidation(t *testing.T) {
	s := storetest.Open(t)
	r := runFailure("", 1)
	_, err := s.Report(ctx, r)
	assert.Equal(t, "run.id", kite.ErrorField(err))
	r = runFailure("x", 1)
	r.Run.CompletedAt = time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = s.Report(ctx, r)
	assert.Equal(t, "run.completedAt", kite.ErrorField(err), "a time Kite cannot store")
}
