package service

import (
	"context"
	"math"
	"slices"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
	"github.com/konflux-ci/kite/store"
)

// The query planner. A search ordered newest detection first (the default)
// or most recently seen first (sort:-lastSeen) can be answered two ways:
//
//   - by the index: every match is found, read for its detection time and
//     sorted; the cost grows with the number of matches.
//   - by a walk: the store's by_ns index already holds each namespace's
//     issues newest first, per (state, severity, type), and by_seen by
//     last sighting with each one's tuple. The walk visits only the tuples
//     the query admits, in the order, asks the index which
//     of each batch of candidates match the rest of the query (exactly the
//     index's meaning of every term), and stops when the page is full: the
//     cost grows with the page divided by the share of candidates that
//     match.
//
// A query of namespace, state, severity and type terms needs no test at
// all: every candidate matches and the counters give the total. Otherwise
// the index counts the matches, without scores, up to countBound; with
// the count and the number of candidates the planner prices both plans and
// takes the cheaper. Other orders (relevance, severity, oldest first, ...)
// are the index's.

// countBound is where a search stops counting: a total past it is
// reported as countBound with SearchResult.TotalIsLowerBound, the way
// large trackers say "10,000+". Counting without scores costs about
// 0.15 µs a match (BenchmarkPlanPrices), so the bound costs 1.5 ms.
const countBound = 10_000

// The planner's prices, in nanoseconds (docs/benchmarks.md, "Planned
// search"; index.BenchmarkPlanPrices at 100,000 issues): the index reads
// and sorts a match of a field-ordered search for 0.9-1.2 µs; testing a
// walk's candidates costs a fixed part per batch (the query's posting
// bitmaps) and a part per candidate (its id looked up in every segment):
// 10-13 µs a candidate in a batch of 64 for a word, 2.5 µs in a batch of
// 1,024, and the first batch is tested in the counting pass for nothing.
// 4 µs is about what the batches a walk pays for cost.
const (
	priceSortedMatch  = 1500
	priceTestedWalker = 4000
)

// Walk batches grow from walkFirstBatch to walkMaxBatch candidates.
const (
	walkFirstBatch = 64
	walkMaxBatch   = 1024
)

// walkOrders maps the walkable orders (index.WalkOrder) to the store's.
var walkOrders = map[string]store.Order{kite.FieldDetectedAt: store.ByDetected, kite.FieldLastSeen: store.ByLastSeen}

// Service.forcePlan's values.
const (
	forceWalk  = "walk"
	forceIndex = "index"
)

// planned is a page found by a plan.
type planned struct {
	ids        []string
	total      int
	lowerBound bool
	next       string
}

// tupleOnly reports whether every term of q is decided by an issue's
// namespace, state, severity and type: the counters' terms.
func tupleOnly(q *kite.Query) bool {
	return !slices.ContainsFunc(q.Terms, func(t kite.Term) bool {
		return t.Kind != kite.TermField || !countableFields[t.Field]
	})
}

// walkNamespaces are the namespaces a search of q over namespaces covers:
// narrowed to the positive ns: terms, less the negated ones.
func walkNamespaces(q *kite.Query, namespaces []string) []string {
	named := q.Namespaces()
	out := make([]string, 0, len(namespaces))
	for _, ns := range namespaces {
		if len(named) > 0 && !slices.Contains(named, ns) {
			continue
		}
		if slices.ContainsFunc(q.Terms, func(t kite.Term) bool {
			return t.Negated && t.Kind == kite.TermField && t.Field == kite.FieldNamespace && t.Text == ns
		}) {
			continue
		}
		out = append(out, ns)
	}
	return out
}

// admitter is the part of q the by_ns tuples decide: its state, severity
// and type terms (namespaces are the walk's own).
func admitter(q *kite.Query) func(kite.State, kite.Severity, kite.IssueType) bool {
	tq := &kite.Query{}
	for _, t := range q.Terms {
		if t.Kind == kite.TermField && countableFields[t.Field] && t.Field != kite.FieldNamespace {
			tq.Terms = append(tq.Terms, t)
		}
	}
	return func(st kite.State, sev kite.Severity, typ kite.IssueType) bool {
		return tq.Matches(&kite.Issue{State: st, Severity: sev, IssueType: typ})
	}
}

// plan answers a request in the walkable order field (index.WalkOrder), by
// the walk when it is cheaper than the index; ok is false when the index
// should answer it. exact asks for an exact total (the v1 list's).
func (s *Service) plan(ctx context.Context, r index.Request, field string, exact bool) (p *planned, ok bool, err error) {
	if s.forcePlan == forceIndex {
		return nil, false, nil
	}
	namespaces := walkNamespaces(r.Query, r.Namespaces)
	admit := admitter(r.Query)
	counts, err := s.Store.Counts(ctx, namespaces)
	if err != nil {
		return nil, false, err
	}
	candidates := 0
	for _, c := range counts {
		if admit(c.State, c.Severity, c.IssueType) {
			candidates += c.Count
		}
	}
	w := &store.Walk{Namespaces: namespaces, Admit: admit, Order: walkOrders[field]}
	if r.Cursor != "" {
		at, id, err := index.WalkAfter(field, r.Cursor)
		if err != nil {
			return nil, false, err
		}
		w.After = &store.Position{At: at, ID: id}
	}
	if tupleOnly(r.Query) {
		p, err := s.walk(ctx, w, field, r, nil, nil, candidates)
		if err == nil {
			p.total = candidates
		}
		return p, true, err
	}
	limit := s.countBound
	if exact {
		limit = 0
	}
	// The walk costs about (offset+page)/share candidates to fill its
	// page, where share is matches/candidates; the index at least every
	// match. The two meet at breakEven matches: below it the index
	// answers, and the count need not look at the walk's candidates.
	need := r.Offset + r.Limit + 1
	breakEven := int(math.Sqrt(float64(need) * float64(max(candidates, 1)) * priceTestedWalker / priceSortedMatch))
	if s.forcePlan == forceWalk {
		breakEven = 0
	}
	// Past it, the count asks for the walk's first batch and tests it in
	// the same pass: most walks need no other batch.
	var first *walkBatch
	fetch := func() ([]string, error) {
		first = &walkBatch{}
		var err error
		first.cands, first.done, err = s.Store.Next(ctx, w, walkFirstBatch)
		return first.ids(), err
	}
	matches, all, match, err := s.idx.CountMatch(ctx, r, limit, breakEven, fetch)
	if err != nil || matches == 0 {
		return &planned{ids: []string{}}, err == nil, err
	}
	if matches <= breakEven && s.forcePlan != forceWalk {
		return nil, false, nil
	}
	if first != nil {
		first.match = match
	}
	// Matches may cluster among old issues, where the estimate assumed
	// them spread out: past four times the expected candidates the walk
	// gives the search back to the index.
	budget := 4*need*max(candidates, 1)/matches + walkMaxBatch
	if s.forcePlan == forceWalk {
		budget = candidates + 1
	}
	test := func(ids []string) (map[string]bool, error) { return s.idx.Match(ctx, r, ids) }
	p, err = s.walk(ctx, w, field, r, first, test, budget)
	if err != nil || p == nil {
		return nil, false, err
	}
	p.total, p.lowerBound = matches, !all
	return p, true, nil
}

// walkBatch is one batch of a walk's candidates, with which of them match
// (nil: all).
type walkBatch struct {
	cands []store.Candidate
	done  bool
	match map[string]bool
}

func (b *walkBatch) ids() []string {
	ids := make([]string, len(b.cands))
	for i, c := range b.cands {
		ids[i] = c.ID
	}
	return ids
}

// walk collects the request's page from the walk: candidates in batches
// (the first one given, when it is not nil), each tested by test (nil:
// every candidate matches), until the page and one more match are found
// (so that it knows whether a next page exists), the walk ends, or budget
// candidates were visited without filling it (nil result: the caller asks
// the index instead).
func (s *Service) walk(ctx context.Context, w *store.Walk, field string, r index.Request, first *walkBatch, test func([]string) (map[string]bool, error), budget int) (*planned, error) {
	p := &planned{ids: make([]string, 0, r.Limit)}
	skip, size, visited := r.Offset, walkFirstBatch, 0
	var last store.Position
	for {
		b := first
		first = nil
		if b == nil {
			b = &walkBatch{}
			n := size
			if test == nil {
				n = skip + r.Limit + 1 - len(p.ids)
			}
			var err error
			if b.cands, b.done, err = s.Store.Next(ctx, w, n); err != nil {
				return nil, err
			}
			if test != nil {
				if b.match, err = test(b.ids()); err != nil {
					return nil, err
				}
			}
			size = min(2*size, walkMaxBatch)
		}
		visited += len(b.cands)
		for _, c := range b.cands {
			if b.match != nil && !b.match[c.ID] {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(p.ids) == r.Limit {
				p.next = index.WalkCursor(field, last.At, last.ID)
				return p, nil
			}
			p.ids = append(p.ids, c.ID)
			last = c.Position
		}
		if b.done {
			return p, nil
		}
		if visited >= budget {
			return nil, nil
		}
	}
}
