package service

import (
	"cmp"
	"context"
	"slices"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// countableFields are the query fields the store's counters can decide.
var countableFields = map[string]bool{
	kite.FieldNamespace: true, kite.FieldState: true, kite.FieldSeverity: true, kite.FieldIssueType: true,
}

// counterFacets answers the facets of a query made only of namespace,
// state, severity and type conditions from the store's counters: exact,
// and without visiting the index's documents (a namespace-wide facet count
// is the common case, and the costliest one for the index). ok is false
// when the query has any other term.
func (s *Service) counterFacets(ctx context.Context, q *kite.Query, namespaces, facets []string) (map[string][]kite.FacetCount, bool, error) {
	for _, t := range q.Terms {
		if t.Kind != kite.TermField || !countableFields[t.Field] {
			return nil, false, nil
		}
	}
	for _, f := range facets {
		if !countableFields[f] {
			return nil, false, nil // the counters know nothing of assignees
		}
	}
	counts, err := s.Store.Counts(ctx, namespaces)
	if err != nil {
		return nil, false, err
	}
	sums := map[string]map[string]int{}
	for _, f := range facets {
		sums[f] = map[string]int{}
	}
	for _, c := range counts {
		if !tupleMatches(q, c) {
			continue
		}
		for f, m := range sums {
			m[facetValue(f, c)] += c.Count
		}
	}
	out := make(map[string][]kite.FacetCount, len(sums))
	for f, m := range sums {
		fc := []kite.FacetCount{}
		for v, n := range m {
			fc = append(fc, kite.FacetCount{Value: v, Count: n})
		}
		slices.SortFunc(fc, func(a, b kite.FacetCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return cmp.Compare(a.Value, b.Value)
		})
		out[f] = fc
	}
	return out, true, nil
}

func tupleMatches(q *kite.Query, c store.TupleCount) bool {
	return q.Matches(&kite.Issue{Namespace: c.Namespace, State: c.State, Severity: c.Severity, IssueType: c.IssueType})
}

func facetValue(field string, c store.TupleCount) string {
	switch field {
	case kite.FieldSeverity:
		return string(c.Severity)
	case kite.FieldIssueType:
		return string(c.IssueType)
	case kite.FieldState:
		return string(c.State)
	default:
		return c.Namespace
	}
}
