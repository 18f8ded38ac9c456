package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
)

// errIndexNotReady refuses searches while the index is first being built.
func (s *Service) errIndexNotReady() error {
	msg := "the search index is being built; try again shortly"
	if p := s.progress.Load(); p != nil && p.Total > 0 {
		msg = fmt.Sprintf("the search index is being built (%d of %d issues); try again shortly", p.Done, p.Total)
	}
	return kite.Errorf(kite.EUNAVAILABLE, "%s", msg)
}

// Search answers the query language: ids from the index, records from the
// store.
func (s *Service) Search(ctx context.Context, r kite.SearchRequest) (*kite.SearchResult, error) {
	q, err := kite.ParseQuery(r.Query, s.now())
	if err != nil {
		return nil, err
	}
	if err := q.BindCaller(r.Caller); err != nil {
		return nil, err
	}
	namespaces := r.Namespaces
	if len(namespaces) == 0 {
		namespaces = q.Namespaces()
	}
	if len(namespaces) == 0 {
		return nil, kite.Invalid("namespace", "Missing namespace", "name the namespaces to search with namespace= or ns: in the query")
	}
	for _, ns := range namespaces {
		if err := kite.CheckName("namespace", ns); err != nil {
			return nil, err
		}
	}
	// Missing: the index's files were deleted under it; the indexer
	// rebuilds it, and searching what is left of it could fault.
	if !s.ready.Load() || s.idx.Missing() {
		return nil, s.errIndexNotReady()
	}
	s.awaitIndex(ctx)
	if err := kite.CheckFacets(r.Facets); err != nil {
		return nil, err
	}
	req := index.Request{Query: q, Namespaces: namespaces, Limit: kite.IssueFilter{Limit: r.Limit}.Normalize().Limit, Cursor: r.Cursor}
	var facets map[string][]kite.FacetCount
	counted := false
	if len(r.Facets) > 0 {
		if facets, counted, err = s.counterFacets(ctx, q, namespaces, r.Facets); err != nil {
			return nil, err
		}
		if !counted {
			req.Facets = r.Facets
		}
	}
	res, lowerBound, err := s.find(ctx, req, false)
	if err != nil {
		return nil, err
	}
	if counted {
		res.Facets = facets
	}
	issues, err := s.records(ctx, res.Hits)
	if err != nil {
		return nil, err
	}
	out := &kite.SearchResult{
		Total: res.Total, TotalIsLowerBound: lowerBound, Facets: res.Facets, NextCursor: res.NextCursor,
		Hits: make([]kite.SearchHit, 0, len(issues)),
	}
	for i, is := range issues {
		if is == nil {
			continue // deleted since the index saw it
		}
		hit := kite.SearchHit{Issue: is, Score: res.Hits[i].Score}
		if r.Highlight {
			hit.Highlights = index.Highlight(q, is)
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// find answers an index request with the plan the planner picks (plan.go):
// a walk of the store's newest-first order, or a search of the index. It
// runs within the search time limit, and says why a search stopped early.
// lowerBound reports that the total is countBound, not every match; exact
// asks for an exact total.
func (s *Service) find(ctx context.Context, r index.Request, exact bool) (res *index.Result, lowerBound bool, err error) {
	sctx, cancel := context.WithTimeout(ctx, s.searchTimeout)
	defer cancel()
	r.MaxExpansion = s.maxExpansion
	walked := false
	if field, ok := index.WalkOrder(r.Query); ok && len(r.Facets) == 0 {
		var p *planned
		if p, walked, err = s.plan(sctx, r, field, exact); walked && err == nil {
			res = &index.Result{Total: p.total, NextCursor: p.next, Hits: make([]index.Hit, len(p.ids))}
			for i, id := range p.ids {
				res.Hits[i] = index.Hit{ID: id}
			}
			lowerBound = p.lowerBound
		}
	}
	if err == nil && !walked {
		res, err = s.idx.Search(sctx, r)
	}
	return res, lowerBound, s.stopped(ctx, err)
}

// stopped classifies a search's error: it counts why a search stopped
// early, and a search past its time limit becomes a 503 naming it.
func (s *Service) stopped(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, index.ErrTooBroad):
		s.metrics.stopped.WithLabelValues(stopTooBroad).Inc()
	case ctx.Err() != nil:
		s.metrics.stopped.WithLabelValues(stopCancelled).Inc()
	case errors.Is(err, context.DeadlineExceeded):
		s.metrics.stopped.WithLabelValues(stopTimeout).Inc()
		return &kite.Error{
			Code: kite.EUNAVAILABLE, Message: "Search stopped", Field: "q", Err: err,
			Details: fmt.Sprintf("it ran past the %s a search may take: narrow it (fewer or longer words, a time window, fewer namespaces)", s.searchTimeout),
		}
	}
	return err
}

// indexWait bounds how long a search waits for the index to apply what was
// committed before it; past it, the search answers from the index as is.
const indexWait = 2 * time.Second

// awaitIndex waits until the index holds every write committed before the
// call, so a client that wrote and then searches finds its write.
func (s *Service) awaitIndex(ctx context.Context) {
	if s.indexFailing.Load() {
		s.metrics.staleSearches.Inc()
		return
	}
	if !s.applied.wait(ctx, s.storeRev.Load(), indexWait) {
		s.metrics.staleSearches.Inc()
	}
}

// records reads the hits' issues from the store, aligned with hits (nil
// where an issue no longer exists).
func (s *Service) records(ctx context.Context, hits []index.Hit) ([]*kite.Issue, error) {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	found, err := s.Store.GetIssues(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*kite.Issue, len(found))
	for _, is := range found {
		byID[is.ID] = is
	}
	out := make([]*kite.Issue, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// ListIssues is the v1 list. Its search parameter goes to the index (every
// word must match: as a word, a word's start or part, or an identifier).
// The store's substring scan of the namespace answers instead when a word
// is shorter than the index matches inside other words (the original
// Kite's LIKE found "13" in "code 137" and "or" in "error"), and until the
// index is first ready. Lists without search are the store's.
func (s *Service) ListIssues(ctx context.Context, f kite.IssueFilter) (*kite.IssueList, error) {
	if strings.TrimSpace(f.Search) == "" || !s.ready.Load() || hasShortWord(f.Search) || s.idx.Missing() {
		return s.Store.ListIssues(ctx, f)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	f = f.Normalize()
	s.awaitIndex(ctx)
	res, _, err := s.find(ctx, index.Request{
		Query: listQuery(f), Namespaces: []string{f.Namespace}, Limit: f.Limit, Offset: f.Offset, Substring: true,
	}, true)
	if errors.Is(err, index.ErrTooBroad) {
		// A word part common enough to expand past the index's budget
		// is cheaper to find by the store's scan of the namespace,
		// which stops at the page.
		return s.Store.ListIssues(ctx, f)
	}
	var ke *kite.Error
	if errors.As(err, &ke) && ke.Field == "q" {
		ke.Field = "search" // the v1 list's name for its words
	}
	if err != nil {
		return nil, err
	}
	issues, err := s.records(ctx, res.Hits)
	if err != nil {
		return nil, err
	}
	out := &kite.IssueList{Total: res.Total, Issues: make([]*kite.Issue, 0, len(issues))}
	for _, is := range issues {
		if is != nil {
			out.Issues = append(out.Issues, is)
		}
	}
	return out, nil
}

// hasShortWord reports whether a v1 search has a word the index would
// match only whole.
func hasShortWord(search string) bool {
	return slices.ContainsFunc(strings.Fields(search), func(w string) bool {
		return utf8.RuneCountInString(w) < index.MinPartLen
	})
}

// listQuery expresses a v1 list filter in the query language's terms,
// ordered as the v1 list is: newest detection first.
func listQuery(f kite.IssueFilter) *kite.Query {
	q := &kite.Query{Sort: []kite.SortKey{{Field: kite.FieldDetectedAt, Desc: true}}}
	field := func(name, v string) {
		if v != "" {
			q.Terms = append(q.Terms, kite.Term{Kind: kite.TermField, Field: name, Op: kite.OpEq, Text: v})
		}
	}
	field(kite.FieldState, string(f.State))
	field(kite.FieldIssueType, string(f.IssueType))
	field(kite.FieldScopeType, f.ResourceType)
	field(kite.FieldScope, f.ResourceName)
	if f.Severity != "" {
		q.Terms = append(q.Terms, kite.Term{Kind: kite.TermField, Field: kite.FieldSeverity, Op: kite.OpEq, Severity: f.Severity})
	}
	for _, w := range strings.Fields(f.Search) {
		q.Terms = append(q.Terms, kite.Term{Kind: kite.TermWord, Text: w})
	}
	return q
}
