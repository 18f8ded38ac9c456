package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

func TestChangesFeedEveryCommit(t *testing.T) {
	var notified atomic.Uint64
	s := storetest.OpenWith(t, store.Options{OnCommit: func(rev uint64) { notified.Store(rev) }})
	a, err := s.Report(ctx, failure("team-a", "a"))
	require.NoError(t, err)
	b, err := s.Report(ctx, failure("team-a", "b"))
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "a"))
	require.NoError(t, err)
	require.NoError(t, s.DeleteIssue(ctx, b.Issue.ID))
	rev, err := s.Rev()
	require.NoError(t, err)
	assert.Equal(t, rev, notified.Load(), "OnCommit reports the committed revision")

	changes, last, err := s.Changes(ctx, 0, 100)
	require.NoError(t, err)
	assert.Equal(t, rev, last)
	require.Len(t, changes, 2, "each issue once")
	assert.Equal(t, a.Issue.ID, changes[0].ID)
	require.NotNil(t, changes[0].Issue)
	assert.Equal(t, int64(2), changes[0].Issue.Occurrences, "with its current record")
	assert.Equal(t, b.Issue.ID, changes[1].ID)
	assert.Nil(t, changes[1].Issue, "a deleted issue comes with no record")

	// Paging by entries: after the first entry only later ones come.
	page, last1, err := s.Changes(ctx, 0, 1)
	require.NoError(t, err)
	assert.Len(t, page, 1)
	rest, _, err := s.Changes(ctx, last1, 100)
	require.NoError(t, err)
	assert.Len(t, rest, 2)

	none, lastNone, err := s.Changes(ctx, rev, 100)
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.Equal(t, rev, lastNone)

	require.NoError(t, s.PruneChanges(ctx, 2))
	_, _, err = s.Changes(ctx, 1, 100)
	assert.ErrorIs(t, err, store.ErrChangesPruned)
	after, _, err := s.Changes(ctx, 2, 100)
	require.NoError(t, err)
	assert.NotEmpty(t, after)
	before, err := s.Rev()
	require.NoError(t, err)
	require.NoError(t, s.PruneChanges(ctx, 1), "pruning less than already pruned is a no-op")
	again, err := s.Rev()
	require.NoError(t, err)
	assert.Equal(t, before, again, "pruning takes no revision")
}

func TestScanCountAndGetIssues(t *testing.T) {
	s := storetest.Open(t)
	var ids []string
	for i := range 25 {
		res, err := s.Report(ctx, failure(fmt.Sprintf("ns-%d", i%3), fmt.Sprintf("p%d", i)))
		require.NoError(t, err)
		ids = append(ids, res.Issue.ID)
	}
	n, err := s.Count()
	require.NoError(t, err)
	assert.Equal(t, 25, n)

	var scanned []string
	batches := 0
	require.NoError(t, s.ScanIssues(ctx, 10, func(page []*kite.Issue) error {
		batches++
		for _, is := range page {
			scanned = append(scanned, is.ID)
		}
		return nil
	}))
	assert.Equal(t, 3, batches)
	assert.Equal(t, ids, scanned, "id order is creation order (UUIDv7)")

	got, err := s.GetIssues(ctx, []string{ids[3], "not-an-id", ids[1], "0198f3a0-0000-7000-8000-000000000000"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, ids[3], got[0].ID)
	assert.Equal(t, ids[1], got[1].ID)
	assert.NotNil(t, got[0].RelatedFrom)
}

func TestLogSaysWhatEachRevisionDid(t *testing.T) {
	s := storetest.Open(t)
	start, err := s.Rev()
	require.NoError(t, err)
	created, err := s.Report(ctx, failure("team-a", "build-ui"))
	require.NoError(t, err)
	id := created.Issue.ID
	_, err = s.Report(ctx, failure("team-a", "build-ui"))
	require.NoError(t, err)
	_, err = s.ResolveIssue(ctx, id, "alice")
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "build-ui"))
	require.NoError(t, err)
	other, err := s.Report(ctx, failure("team-b", "deploy"))
	require.NoError(t, err)
	require.NoError(t, s.DeleteIssue(ctx, other.Issue.ID))

	changes, last, err := s.Log(ctx, start, 100)
	require.NoError(t, err)
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%s %s", c.Kind, c.Namespace))
		assert.Greater(t, c.Rev, start)
		if c.Kind == kite.ChangeDeleted {
			assert.Nil(t, c.Issue)
		} else {
			require.NotNil(t, c.Issue)
			assert.Equal(t, c.ID, c.Issue.ID)
		}
	}
	// team-b's issue was deleted: its creation is left out, its deletion
	// still names its namespace.
	assert.Equal(t, []string{"created team-a", "updated team-a", "resolved team-a", "reopened team-a", "deleted team-b"}, got)
	assert.Equal(t, changes[len(changes)-1].Rev, last)

	page, mid, err := s.Log(ctx, start, 2)
	require.NoError(t, err)
	assert.Len(t, page, 2)
	rest, end, err := s.Log(ctx, mid, 100)
	require.NoError(t, err)
	assert.Len(t, rest, 3, "paging continues where the last page ended")
	assert.Equal(t, last, end)
}
