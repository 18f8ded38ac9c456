package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store/storetest"
)

// TestSilences: a silence mutes the existing and new issues of its
// namespaces that match its query, still recording them; editing,
// expiring, a later start and its end change the mutes, each with a
// timeline entry.
func TestSilences(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := storetest.OpenWith(t, storeOptions(clk.Now))
	report := func(ns, name, reason string) *kite.Issue {
		r := failure(ns, name)
		r.Failure = &kite.FailureContext{Reason: reason}
		res, err := s.Report(ctx, r)
		require.NoError(t, err)
		return res.Issue
	}
	flaky := report("team-a", "e2e", "TaskRunTimeout")
	other := report("team-a", "build", "OOMKilled")
	elsewhere := report("team-b", "e2e", "TaskRunTimeout")

	sl, err := s.CreateSilence(ctx, kite.SilenceRequest{
		Namespaces: []string{"team-a"}, Query: "reason:timeout", EndsAt: clk.Now().Add(2 * time.Hour), Comment: "the e2e cluster is flaky",
	}, "alice")
	require.NoError(t, err)
	assert.Equal(t, kite.SilenceActive, sl.State)
	assert.Equal(t, "alice", sl.CreatedBy)
	muted := func(id string) []string {
		is, err := s.GetIssue(ctx, id)
		require.NoError(t, err)
		return is.Muted
	}
	assert.Equal(t, []string{sl.ID}, muted(flaky.ID))
	assert.Empty(t, muted(other.ID))
	assert.Empty(t, muted(elsewhere.ID), "another namespace")

	// New reports that match are muted as they are recorded.
	again := report("team-a", "e2e", "TaskRunTimeout")
	assert.Equal(t, []string{sl.ID}, again.Muted)
	assert.Equal(t, int64(2), again.Occurrences, "still counted")
	fresh := report("team-a", "integration", "TaskRunTimeout")
	assert.Equal(t, []string{sl.ID}, fresh.Muted)
	tl0, err := s.Timeline(ctx, fresh.ID)
	require.NoError(t, err)
	assert.Equal(t, "TaskRunTimeout; muted by silence "+sl.ID, tl0[0].Message, "the write that muted it says so")

	// Edited to a narrower query: what no longer matches is unmuted.
	sl, err = s.UpdateSilence(ctx, sl.ID, kite.SilenceRequest{
		Namespaces: []string{"team-a"}, Query: "reason:timeout scope:integration", EndsAt: sl.EndsAt, Comment: sl.Comment,
	}, "bob")
	require.NoError(t, err)
	assert.Empty(t, muted(flaky.ID))
	assert.Equal(t, []string{sl.ID}, muted(fresh.ID))
	tl, err := s.Timeline(ctx, flaky.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.EventUnmuted, tl[len(tl)-1].Kind)
	assert.Equal(t, "bob", tl[len(tl)-1].Actor)

	// A silence that starts later mutes when the refresh at its start runs.
	start := clk.Now().Add(time.Hour)
	later, err := s.CreateSilence(ctx, kite.SilenceRequest{
		Namespaces: []string{"team-b"}, Query: "", StartsAt: &start, EndsAt: start.Add(time.Hour), Comment: "maintenance",
	}, "alice")
	require.NoError(t, err)
	assert.Equal(t, kite.SilencePending, later.State)
	assert.Empty(t, muted(elsewhere.ID))
	next, err := s.NextSilenceEdge()
	require.NoError(t, err)
	assert.Equal(t, start, next)
	clk.Add(time.Hour)
	n, err := s.RefreshSilences(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{later.ID}, muted(elsewhere.ID))
	tl, err = s.Timeline(ctx, elsewhere.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.EventMuted, tl[len(tl)-1].Kind)
	assert.Equal(t, "muted by silence "+later.ID, tl[len(tl)-1].Message)

	// Expired by hand, or by its end: unmuted.
	sl, err = s.ExpireSilence(ctx, sl.ID, "carol")
	require.NoError(t, err)
	assert.Equal(t, kite.SilenceExpired, sl.State)
	assert.Empty(t, muted(fresh.ID))
	_, err = s.UpdateSilence(ctx, sl.ID, kite.SilenceRequest{Namespaces: []string{"team-a"}, EndsAt: clk.Now().Add(time.Hour), Comment: "x"}, "carol")
	assert.Equal(t, kite.ECONFLICT, kite.ErrorCode(err))
	clk.Add(time.Hour)
	_, err = s.RefreshSilences(ctx)
	require.NoError(t, err)
	assert.Empty(t, muted(elsewhere.ID))

	list, err := s.Silences(ctx, kite.SilenceFilter{Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	require.Len(t, list, 1)
	list, err = s.Silences(ctx, kite.SilenceFilter{States: []kite.SilenceState{kite.SilenceActive}})
	require.NoError(t, err)
	assert.Empty(t, list)
	got, err := s.GetSilence(ctx, later.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.SilenceExpired, got.State)
	_, err = s.GetSilence(ctx, "01a22a3e-2f7e-7d6c-9e5d-03c3f65bad6f")
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
}

func TestSilenceRequestsAreChecked(t *testing.T) {
	s := storetest.Open(t)
	now := time.Now()
	past := now.Add(-time.Hour)
	for field, r := range map[string]kite.SilenceRequest{
		"namespaces": {Query: "", EndsAt: now.Add(time.Hour), Comment: "c"},
		"q":          {Namespaces: []string{"a"}, Query: "severity:urgent", EndsAt: now.Add(time.Hour), Comment: "c"},
		"comment":    {Namespaces: []string{"a"}, EndsAt: now.Add(time.Hour)},
		"endsAt":     {Namespaces: []string{"a"}, EndsAt: past, Comment: "c"},
	} {
		_, err := s.CreateSilence(ctx, r, "alice")
		assert.Equal(t, kite.EINVALID, kite.ErrorCode(err), field)
		assert.Equal(t, field, kite.ErrorField(err), field)
	}
	_, err := s.CreateSilence(ctx, kite.SilenceRequest{Namespaces: []string{"a"}, Query: "assignee:me", EndsAt: now.Add(time.Hour), Comment: "c"}, "alice")
	assert.Contains(t, kite.ErrorDetails(err), "assignee:me")
	_, err = s.CreateSilence(ctx, kite.SilenceRequest{Namespaces: []string{"a"}, EndsAt: now.Add(400 * 24 * time.Hour), Comment: "c"}, "alice")
	assert.Contains(t, kite.ErrorDetails(err), "at most a year")
}
