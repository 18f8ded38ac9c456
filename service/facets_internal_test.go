package service

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
)

// TestCounterFacetsMatchTheIndex checks the counters' facets against the
// index's own facet counts for queries the counters can answer.
func TestCounterFacetsMatchTheIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(Options{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
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
	deadline := time.Now().Add(10 * time.Second)
	for lag, _ := s.IndexLag(); lag > 0 || !s.Ready(); lag, _ = s.IndexLag() {
		require.True(t, time.Now().Before(deadline), "index did not catch up")
		time.Sleep(5 * time.Millisecond)
	}

	namespaces := []string{"ns-0", "ns-1", "ns-2"}
	for _, qs := range []string{"", "is:active", "severity:>=major -type:build", "ns:ns-1", "-is:resolved severity:<critical", "type:test severity:info"} {
		t.Run(qs, func(t *testing.T) {
			q, err := kite.ParseQuery(qs, time.Now())
			require.NoError(t, err)
			got, ok, err := s.counterFacets(ctx, q, namespaces, kite.FacetFields)
			require.NoError(t, err)
			require.True(t, ok)
			want, err := s.idx.Search(ctx, index.Request{Query: q, Namespaces: namespaces, Limit: 1, Facets: kite.FacetFields})
			require.NoError(t, err)
			for _, f := range kite.FacetFields {
				assert.ElementsMatch(t, want.Facets[f], got[f], f)
			}
		})
	}
	q, err := kite.ParseQuery("word is:active", time.Now())
	require.NoError(t, err)
	_, ok, err := s.counterFacets(ctx, q, namespaces, kite.FacetFields)
	require.NoError(t, err)
	assert.False(t, ok, "free text needs the index")
}
