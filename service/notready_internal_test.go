package service

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// TestBeforeTheIndexIsReady covers the time a rebuild takes: searches are
// refused with a 503-class error saying how far the rebuild is, and the v1
// list's search parameter falls back to the store's substring scan.
func TestBeforeTheIndexIsReady(t *testing.T) {
	ctx := context.Background()
	s, err := Open(Options{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	res, err := s.Report(ctx, kite.Report{
		Namespace: "team-a", Title: "Build failed: comp-a", Description: "d", Severity: "major", IssueType: "build",
		Scope: kite.Scope{ResourceType: "component", ResourceName: "comp-a"},
	})
	require.NoError(t, err)
	// Let the indexer settle first, so nothing wakes it to mark the index
	// ready again while the test pretends it is not.
	require.Eventually(t, func() bool {
		lag, err := s.IndexLag()
		return err == nil && lag == 0 && s.Ready()
	}, 10*time.Second, time.Millisecond)

	s.ready.Store(false)
	s.progress.Store(&Progress{Done: 3, Total: 10})
	_, err = s.Search(ctx, kite.SearchRequest{Query: "comp", Namespaces: []string{"team-a"}})
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	assert.Contains(t, kite.ErrorMessage(err), "3 of 10 issues")

	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "OMP-a"})
	require.NoError(t, err)
	require.Equal(t, 1, list.Total, "the store's case-insensitive substring scan answers")
	assert.Equal(t, res.Issue.ID, list.Issues[0].ID)
}
