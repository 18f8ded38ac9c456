package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestCounterFacetsMatchTheIndex checks the counters' facets against the
// index's own facet counts for queries the counters can answer.
func TestCounterFacetsMatchTheIndex(t *testing.T) {
	s := servicetest.Open(t)
	for i := range 60 {
		res, err := s.Report(ctx, kite.Report{
			Namespace: fmt.Sprintf("ns-%d", i%3), Title: "t", Description: "d",
			Severity: kite.Severities[i%4], IssueType: kite.IssueTypes[i%5],
			Scope: kite.Scope{ResourceType: "component", ResourceName: fmt.Sprintf("c%d", i)},
		})
		require.NoError(t, err)
		if i%4 == 1 {
			_, err = s.ResolveIssue(ctx, res.Issue.ID, "t")
			require.NoError(t, err)
		}
	}
	servicetest.WaitIndexed(t, s)

	namespaces := []string{"ns-0", "ns-1", "ns-2"}
	for _, qs := range []string{"", "is:active", "severity:>=major -type:build", "ns:ns-1", "ns:ns-0 ns:ns-2 is:active", "-ns:ns-1", "-is:resolved severity:<critical", "type:test severity:info"} {
		t.Run(qs, func(t *testing.T) {
			q, err := kite.ParseQuery(qs, time.Now())
			require.NoError(t, err)
			got, ok, err := s.CounterFacets(ctx, q, namespaces)
			require.NoError(t, err)
			require.True(t, ok)
			want, err := s.IndexFacets(ctx, q, namespaces)
			require.NoError(t, err)
			for _, f := range service.CountedFacets {
				assert.ElementsMatch(t, want[f], got[f], f)
			}
		})
	}
	q, err := kite.ParseQuery("word is:active", time.Now())
	require.NoError(t, err)
	_, ok, err := s.CounterFacets(ctx, q, namespaces)
	require.NoError(t, err)
	assert.False(t, ok, "free text needs the index")
}

// TestBeforeTheIndexIsReady covers the time a rebuild takes: searches are
// refused with a 503-class error saying how far the rebuild is, and the v1
// list's search parameter falls back to the store's substring scan.
func TestBeforeTheIndexIsReady(t *testing.T) {
	s := servicetest.Open(t)
	res, err := s.Report(ctx, kite.Report{
		Namespace: "team-a", Title: "Build failed: comp-a", Description: "d", Severity: "major", IssueType: "build",
		Scope: kite.Scope{ResourceType: "component", ResourceName: "comp-a"},
	})
	require.NoError(t, err)
	// Let the indexer settle first, so nothing wakes it to mark the index
	// ready again while the test pretends it is not.
	servicetest.WaitIndexed(t, s)

	s.PretendRebuilding(service.Progress{Done: 3, Total: 10})
	_, err = s.Search(ctx, kite.SearchRequest{Query: "comp", Namespaces: []string{"team-a"}})
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	assert.Contains(t, kite.ErrorMessage(err), "3 of 10 issues")

	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "OMP-a"})
	require.NoError(t, err)
	require.Equal(t, 1, list.Total, "the store's case-insensitive substring scan answers")
	assert.Equal(t, res.Issue.ID, list.Issues[0].ID)
}
