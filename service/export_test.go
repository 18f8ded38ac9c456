package service

import (
	"context"
	"time"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
)

// Accessors for this package's external tests.

// CountedFacets are the facets the store's counters can answer.
var CountedFacets = []string{kite.FieldSeverity, kite.FieldIssueType, kite.FieldNamespace, kite.FieldState}

// CounterFacets exposes counterFacets for CountedFacets.
func (s *Service) CounterFacets(ctx context.Context, q *kite.Query, namespaces []string) (map[string][]kite.FacetCount, bool, error) {
	return s.counterFacets(ctx, q, namespaces, CountedFacets)
}

// IndexFacets counts the same facets with the index itself.
func (s *Service) IndexFacets(ctx context.Context, q *kite.Query, namespaces []string) (map[string][]kite.FacetCount, error) {
	res, err := s.idx.Search(ctx, index.Request{Query: q, Namespaces: namespaces, Limit: 1, Facets: kite.FacetFields})
	if err != nil {
		return nil, err
	}
	return res.Facets, nil
}

// PretendRebuilding puts the service in the state of a running rebuild.
func (s *Service) PretendRebuilding(p Progress) {
	s.ready.Store(false)
	s.progress.Store(&p)
}

// LimitSearches sets the search time limit and each search's budget of
// index terms.
func (s *Service) LimitSearches(timeout time.Duration, maxExpansion int) {
	s.searchTimeout, s.maxExpansion = timeout, maxExpansion
}

// ForcePlan makes the planner walk ("walk") or search the index ("index")
// wherever it may choose, and stop counting at bound (0: the default).
func (s *Service) ForcePlan(plan string, bound int) {
	s.forcePlan, s.countBound = plan, bound
	if bound == 0 {
		s.countBound = countBound
	}
}

// BackupNow writes one scheduled backup at once.
func (s *Service) BackupNow(ctx context.Context) (string, error) { return s.backupNow(ctx) }

// ApplyRetention runs one pass of the retention at once.
func (s *Service) ApplyRetention(ctx context.Context) (map[string]int, error) {
	return s.applyRetention(ctx)
}
