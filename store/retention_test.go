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

// TestPruneResolved: resolved issues older than their namespace's retention
// go with their timelines; newer ones, active ones and those of a
// namespace kept for ever stay, and the store checks clean.
func TestPruneResolved(t *testing.T) {
	s := storetest.Open(t)
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	resolve := func(ns, name string, at time.Time) string {
		t.Helper()
		r := failure(ns, name)
		r.At = at.Add(-time.Hour)
		res, err := s.Report(ctx, r)
		require.NoError(t, err)
		_, err = s.ResolveScope(ctx, kite.Resolution{Namespace: ns, ResourceType: "pipelinerun", ResourceName: name, At: at})
		require.NoError(t, err)
		return res.Issue.ID
	}
	var old, recent []string
	for i := range 250 { // more than one transaction's worth
		old = append(old, resolve("team-a", fmt.Sprintf("old-%d", i), now.AddDate(0, 0, -100)))
	}
	recent = append(recent, resolve("team-a", "recent", now.AddDate(0, 0, -10)))
	kept := resolve("audit", "old", now.AddDate(0, 0, -400))
	active, err := s.Report(ctx, failure("team-a", "active"))
	require.NoError(t, err)

	r, err := kite.ParseRetention("90d", []string{"audit=0"})
	require.NoError(t, err)
	expired, err := s.ExpiredResolved(ctx, r, now)
	require.NoError(t, err)
	assert.Len(t, expired["team-a"], 250, "what a dry run would say")
	assert.Empty(t, expired["audit"])

	gone, err := s.PruneResolved(ctx, r, now)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"team-a": 250}, gone)
	for _, id := range old[:3] {
		_, err := s.GetIssue(ctx, id)
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	}
	for _, id := range append(recent, kept, active.Issue.ID) {
		_, err := s.GetIssue(ctx, id)
		require.NoError(t, err)
	}
	require.NoError(t, s.Check())

	gone, err = s.PruneResolved(ctx, r, now)
	require.NoError(t, err)
	assert.Empty(t, gone, "nothing more to remove")
}
