package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	res, err := s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	rev, err := s.Rev()
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")

	_, err = s.Report(ctx, failure("team-a", "build"))
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err), "a closed store refuses writes")
	_, err = s.GetIssue(ctx, res.Issue.ID)
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	assert.Error(t, s.Ping(ctx))

	s2 := storetest.OpenWith(t, store.Options{Dir: dir})
	got, err := s2.GetIssue(ctx, res.Issue.ID)
	require.NoError(t, err)
	assert.Equal(t, res.Issue.Title, got.Title)
	rev2, err := s2.Rev()
	require.NoError(t, err)
	assert.Equal(t, rev, rev2)
	require.NoError(t, s2.Ping(ctx))
}

func TestSecondOpenFailsFast(t *testing.T) {
	dir := t.TempDir()
	storetest.OpenWith(t, store.Options{Dir: dir})
	start := time.Now()
	_, err := store.Open(store.Options{Dir: dir, LockTimeout: 100 * time.Millisecond})
	require.Error(t, err)
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	assert.Contains(t, err.Error(), "in use by another Kite process")
	assert.Less(t, time.Since(start), 10*time.Second, "the lock wait is bounded, not a hang")
}

func TestCanceledContextIsNotQueued(t *testing.T) {
	s := storetest.Open(t)
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Report(c, failure("team-a", "x"))
	assert.ErrorIs(t, err, context.Canceled)
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a"})
	require.NoError(t, err)
	assert.Equal(t, 0, list.Total)
}

func TestIssueGaugesFollowWrites(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewPedanticRegistry()
	s, err := store.Open(store.Options{Dir: dir, Registerer: reg})
	require.NoError(t, err)
	a, err := s.Report(ctx, failure("team-a", "a"))
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "b"))
	require.NoError(t, err)
	_, err = s.ResolveIssue(ctx, a.Issue.ID, "x")
	require.NoError(t, err)
	want := `
# HELP kite_issues Issues in the store by namespace, state, severity and type.
# TYPE kite_issues gauge
kite_issues{namespace="team-a",severity="major",state="ACTIVE",type="pipeline"} 1
kite_issues{namespace="team-a",severity="major",state="RESOLVED",type="pipeline"} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "kite_issues"))
	count, err := testutil.GatherAndCount(reg, "kite_store_commit_batch_size")
	require.NoError(t, err)
	assert.Equal(t, 1, count)
	require.NoError(t, s.Close())

	// A fresh process loads the gauges from the counters.
	reg2 := prometheus.NewPedanticRegistry()
	storetest.OpenWith(t, store.Options{Dir: dir, Registerer: reg2})
	require.NoError(t, testutil.GatherAndCompare(reg2, strings.NewReader(want), "kite_issues"))
}
