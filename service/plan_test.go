package service_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// plannerCorpus fills three namespaces with issues whose words, states,
// severities and triage vary at several frequencies.
func plannerCorpus(t *testing.T) *service.Service {
	t.Helper()
	s := servicetest.Open(t)
	var wg sync.WaitGroup
	errs := make(chan error, 450)
	for i := range 450 {
		wg.Go(func() {
			ns := fmt.Sprintf("team-%c", 'a'+i%3)
			reason := fmt.Sprintf("common failure rare%d", i%50)
			if i%2 == 0 {
				reason += " halfword OOMKilled"
			}
			r := failure(ns, fmt.Sprintf("nightly-build-%d", i), reason)
			r.Severity = kite.Severities[i%4]
			if i%5 == 0 {
				r.Labels = map[string]string{"team": "x"}
			}
			_, err := s.Report(ctx, r)
			errs <- err
		})
		if i%16 == 15 {
			wg.Wait() // several group commits, so detection times differ
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for i := 0; i < 450; i += 7 {
		_, err := s.ResolveScope(ctx, kite.Resolution{Namespace: fmt.Sprintf("team-%c", 'a'+i%3), ResourceType: "pipelinerun", ResourceName: fmt.Sprintf("nightly-build-%d", i)})
		require.NoError(t, err)
	}
	for i := 0; i < 450; i += 11 { // seen again: lastSeen moves, detection does not
		r := failure(fmt.Sprintf("team-%c", 'a'+i%3), fmt.Sprintf("nightly-build-%d", i), "common again")
		r.Severity = kite.Severities[i%4]
		_, err := s.Report(ctx, r)
		require.NoError(t, err)
	}
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-b", Limit: 30})
	require.NoError(t, err)
	for _, is := range list.Issues[:10] {
		_, err := s.Assign(ctx, is.ID, "alice", "bob")
		require.NoError(t, err)
	}
	servicetest.WaitIndexed(t, s)
	return s
}

// allPages pages through a search with a cursor and returns every id in
// order, with the first page's total.
func allPages(t *testing.T, s *service.Service, q string, limit int) ([]string, int, bool) {
	t.Helper()
	var ids []string
	req := kite.SearchRequest{Query: q, Namespaces: []string{"team-a", "team-b", "team-c"}, Limit: limit}
	first, total, lower := true, 0, false
	for range 1000 {
		res, err := s.Search(ctx, req)
		require.NoError(t, err, q)
		if first {
			total, lower, first = res.Total, res.TotalIsLowerBound, false
		}
		for _, h := range res.Hits {
			ids = append(ids, h.Issue.ID)
		}
		if res.NextCursor == "" {
			return ids, total, lower
		}
		req.Cursor = res.NextCursor
	}
	t.Fatalf("%q: more than 1000 pages", q)
	return nil, 0, false
}

// TestPlannerAgreesWithTheIndex: whichever plan answers, a search finds the
// same issues in the same order, page after page, with the same total:
// the walk of the store's order tests candidates with the index's own
// meaning of every term.
func TestPlannerAgreesWithTheIndex(t *testing.T) {
	s := plannerCorpus(t)
	queries := []string{
		"", "is:active", "severity:>=major", "-is:resolved severity:<major", "ns:team-b", "-ns:team-a is:resolved",
		"common", "halfword", "rare7", "-halfword", "pipeline is:active severity:>=major", "nightly-build-12",
		`"failure rare3"`, "label:team=x", "has:assignee", "assignee:alice halfword", "ns:team-c halfword",
		"reason:oomkilled", "occurrences:1", "is:regressed", "oomkill", "sort:-detected common", "nothing-like-this",
		"sort:-lastSeen", "is:active sort:-lastSeen", "halfword sort:-lastSeen", "ns:team-a severity:major sort:-lastSeen",
		"again sort:-lastSeen", "-is:active sort:-lastSeen",
		// Several ns: terms mean any of them, in every plan.
		"ns:team-a ns:team-c", "ns:team-a ns:team-b halfword", "ns:team-b ns:team-c is:active sort:-lastSeen",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			s.ForcePlan("index", 0)
			want, wantTotal, _ := allPages(t, s, q, 7)
			for _, plan := range []string{"walk", ""} { // "": the planner's choice
				s.ForcePlan(plan, 0)
				got, total, lower := allPages(t, s, q, 7)
				assert.Equal(t, want, got, plan)
				assert.Equal(t, wantTotal, total, plan)
				assert.False(t, lower, plan)
			}
			assert.Len(t, want, wantTotal, "the total counts every page's hits")
		})
	}
	s.ForcePlan("", 0)
}

// TestPlannerBoundsTotals: past the counting bound a walked search says its
// total is a lower bound; the v1 list's total stays exact.
func TestPlannerBoundsTotals(t *testing.T) {
	s := plannerCorpus(t)
	defer s.ForcePlan("", 0)
	s.ForcePlan("walk", 40)
	res, err := s.Search(ctx, kite.SearchRequest{Query: "halfword", Namespaces: []string{"team-a", "team-b", "team-c"}, Limit: 5})
	require.NoError(t, err)
	assert.Equal(t, 40, res.Total)
	assert.True(t, res.TotalIsLowerBound)
	assert.Len(t, res.Hits, 5)
	// The candidates past where counting stopped are tested too: the
	// page is the newest five, as the index orders them.
	s.ForcePlan("index", 0)
	want, err := s.Search(ctx, kite.SearchRequest{Query: "halfword", Namespaces: []string{"team-a", "team-b", "team-c"}, Limit: 5})
	require.NoError(t, err)
	assert.Equal(t, hitIDs(want), hitIDs(res))
	s.ForcePlan("walk", 40)

	res, err = s.Search(ctx, kite.SearchRequest{Query: "rare7", Namespaces: []string{"team-a", "team-b", "team-c"}, Limit: 5})
	require.NoError(t, err)
	assert.False(t, res.TotalIsLowerBound, "under the bound the total is exact")
	s.ForcePlan("index", 40)
	exact, err := s.Search(ctx, kite.SearchRequest{Query: "rare7", Namespaces: []string{"team-a", "team-b", "team-c"}, Limit: 5})
	require.NoError(t, err)
	assert.Equal(t, exact.Total, res.Total)
	assert.Positive(t, res.Total)
	s.ForcePlan("walk", 40)

	// Filters the counters decide are exact however many match.
	res, err = s.Search(ctx, kite.SearchRequest{Query: "is:active", Namespaces: []string{"team-a", "team-b", "team-c"}, Limit: 5})
	require.NoError(t, err)
	assert.False(t, res.TotalIsLowerBound)
	assert.Greater(t, res.Total, 40)

	var totals []int
	for _, plan := range []string{"walk", "index"} {
		s.ForcePlan(plan, 40)
		list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "halfword", Offset: 20, Limit: 10})
		require.NoError(t, err)
		assert.Len(t, list.Issues, 10, plan)
		totals = append(totals, list.Total)
	}
	assert.Equal(t, totals[1], totals[0], "the v1 total is exact past the bound")
	assert.Greater(t, totals[0], 40)
}

func hitIDs(res *kite.SearchResult) []string {
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.Issue.ID
	}
	return ids
}

// TestPlannerCursorsCross: a page found by one plan is continued by the
// other from its cursor, as if one plan had found both.
func TestPlannerCursorsCross(t *testing.T) {
	s := plannerCorpus(t)
	defer s.ForcePlan("", 0)
	for _, q := range []string{"halfword", "is:active", "common sort:-lastSeen"} {
		s.ForcePlan("index", 0)
		want, _, _ := allPages(t, s, q, 10)
		for _, plans := range [][2]string{{"walk", "index"}, {"index", "walk"}} {
			s.ForcePlan(plans[0], 0)
			req := kite.SearchRequest{Query: q, Namespaces: []string{"team-a", "team-b", "team-c"}, Limit: 10}
			first, err := s.Search(ctx, req)
			require.NoError(t, err)
			require.NotEmpty(t, first.NextCursor)
			s.ForcePlan(plans[1], 0)
			req.Cursor = first.NextCursor
			second, err := s.Search(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, want[:20], append(hitIDs(first), hitIDs(second)...), "%s then %s: %q", plans[0], plans[1], q)
		}
	}
}

// TestPlannerAgreesOnRandomQueries: random queries over the query language
// (words, phrases, fields, negations, the walkable orders), each answered
// by every plan, page after page: the same issues in the same order with
// the same total.
func TestPlannerAgreesOnRandomQueries(t *testing.T) {
	s := plannerCorpus(t)
	defer s.ForcePlan("", 0)
	terms := []string{
		"common", "halfword", "rare3", "rare17", "again", "pipeline", "failure", "oomkill", "nightly-build-1",
		`"failure rare4"`, "is:active", "is:resolved", "severity:>=major", "severity:<major", "severity:minor",
		"ns:team-a", "ns:team-b", "label:team=x", "label:team", "has:assignee", "assignee:alice", "occurrences:1",
		"occurrences:>1", "is:regressed", "reason:oomkilled", "title:pipeline", "type:pipeline", "scope:nightly-build-7",
		"scopeType:pipelinerun", "detected:<1h", "lastSeen:>1h",
	}
	sorts := []string{"", "", "sort:-detected", "sort:-lastSeen"}
	rng := rand.New(rand.NewPCG(13, 17))
	for range 120 {
		var parts []string
		for range 1 + rng.IntN(3) {
			term := terms[rng.IntN(len(terms))]
			if rng.IntN(10) < 3 {
				term = "-" + term
			}
			parts = append(parts, term)
		}
		if sort := sorts[rng.IntN(len(sorts))]; sort != "" {
			parts = append(parts, sort)
		}
		q := strings.Join(parts, " ")
		s.ForcePlan("index", 0)
		want, wantTotal, _ := allPages(t, s, q, 50)
		for _, plan := range []string{"walk", ""} {
			s.ForcePlan(plan, 0)
			got, total, lower := allPages(t, s, q, 50)
			require.Equal(t, want, got, "%q by %q", q, plan)
			require.Equal(t, wantTotal, total, "%q by %q", q, plan)
			require.False(t, lower)
		}
	}
}
