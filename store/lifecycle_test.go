package store_test

import (
	"context"
	"fmt"
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
# HELP kite_issues Issues in the store by namespace, state, severity and type. Namespaces beyond the largest ones (kite serve --metrics-namespaces) are summed as namespace="other".
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

// TestIssueGaugesAreBounded: the namespaces with the most issues get
// series of their own, the rest are summed as "other", and a count that
// falls to zero has no series.
func TestIssueGaugesAreBounded(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	s := storetest.OpenWith(t, store.Options{Registerer: reg, MetricsNamespaces: 3})
	var gone []string
	for ns, n := range map[string]int{"big": 3, "mid": 2, "small-1": 1, "small-2": 1} {
		for i := range n {
			res, err := s.Report(ctx, failure(ns, fmt.Sprintf("p%d", i)))
			require.NoError(t, err)
			if ns == "small-2" {
				gone = append(gone, res.Issue.ID)
			}
		}
	}
	want := func(lines ...string) string {
		return `# HELP kite_issues Issues in the store by namespace, state, severity and type. Namespaces beyond the largest ones (kite serve --metrics-namespaces) are summed as namespace="other".
# TYPE kite_issues gauge
` + strings.Join(lines, "\n") + "\n"
	}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want(
		`kite_issues{namespace="big",severity="major",state="ACTIVE",type="pipeline"} 3`,
		`kite_issues{namespace="mid",severity="major",state="ACTIVE",type="pipeline"} 2`,
		`kite_issues{namespace="other",severity="major",state="ACTIVE",type="pipeline"} 1`,
		`kite_issues{namespace="small-1",severity="major",state="ACTIVE",type="pipeline"} 1`,
	)), "kite_issues"), "ties go by name: small-2 is the fourth")

	for _, id := range gone {
		require.NoError(t, s.DeleteIssue(ctx, id))
	}
	_, err := s.ResolveIssue(ctx, mustFirst(t, s, "mid"), "x")
	require.NoError(t, err)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want(
		`kite_issues{namespace="big",severity="major",state="ACTIVE",type="pipeline"} 3`,
		`kite_issues{namespace="mid",severity="major",state="ACTIVE",type="pipeline"} 1`,
		`kite_issues{namespace="mid",severity="major",state="RESOLVED",type="pipeline"} 1`,
		`kite_issues{namespace="small-1",severity="major",state="ACTIVE",type="pipeline"} 1`,
	)), "kite_issues"), "an emptied namespace and an emptied tuple leave no zero series")
}

func mustFirst(t *testing.T, s *store.Store, ns string) string {
	t.Helper()
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: ns, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, list.Issues)
	return list.Issues[0].ID
}
