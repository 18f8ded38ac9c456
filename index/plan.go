package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/konflux-ci/kite"
)

// What the service's query planner asks of the index besides a search: how
// many issues match (cheaply, up to a bound), and which of the candidates
// it walks in the store's order match. Both run without scores, so a query
// of terms becomes intersections and unions of posting bitmaps.

// ctxCheckEvery is how many matches a count visits between looks at its
// context.
const ctxCheckEvery = 4096

// CountMatch counts the matches of r's query in r's namespaces, without
// scoring, sorting or loading them, and stops at limit (0: no limit); all
// reports whether n is every match (r's Limit, Offset, Cursor and Facets
// are ignored). It also tests some candidates in the same pass (Match):
// the planner's first look at a query costs one translation and one walk
// of its posting bitmaps rather than two. The candidates are
// asked for (once) only when the count passes after, the number of
// matches below which the planner would not walk; matched is nil when they
// were not.
func (x *Index) CountMatch(ctx context.Context, r Request, limit, after int, candidates func() ([]string, error)) (n int, all bool, matched map[string]bool, err error) {
	q := x.prepare(r, false)
	err = x.read(ctx, q, func(idx bleve.Index) error {
		adv, err := idx.Advanced()
		if err != nil {
			return err
		}
		reader, err := adv.Reader()
		if err != nil {
			return err
		}
		defer func() { _ = reader.Close() }()
		s, err := q.Searcher(ctx, reader, idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
		if err != nil {
			return err
		}
		defer func() { _ = s.Close() }()
		m := &merge{sctx: &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}}
		for limit <= 0 || n < limit {
			if n%ctxCheckEvery == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			d, err := s.Next(m.sctx)
			if err != nil {
				return err
			}
			if d == nil {
				all = true
				break
			}
			n++
			switch {
			case m.cands != nil:
				if m.next < len(m.cands) {
					m.take(d.IndexInternalID)
				}
			case candidates == nil:
			case n <= after:
				m.seen = append(m.seen, slices.Clone(d.IndexInternalID))
			default:
				ids, err := candidates()
				if err != nil {
					return err
				}
				if err := m.start(reader, ids, d.IndexInternalID); err != nil {
					return err
				}
			}
			m.sctx.DocumentMatchPool.Put(d)
		}
		if m.cands == nil {
			return nil
		}
		if !all {
			// Counting stopped at its limit: the candidates past it
			// are looked up by advancing to each.
			if err := m.advance(s); err != nil {
				return err
			}
		}
		matched = make(map[string]bool, len(m.hits))
		for _, h := range m.hits {
			id, err := reader.ExternalID(h)
			if err != nil {
				return err
			}
			matched[id] = true
		}
		return nil
	})
	if err != nil {
		return 0, false, nil, err
	}
	return n, all, matched, nil
}

// merge tests candidates against a searcher's matches as it counts them:
// both sequences ascend, so a candidate below the current match is not one.
type merge struct {
	sctx *bsearch.SearchContext
	// seen are the matches before the candidates were asked for.
	seen  []bindex.IndexInternalID
	cands []bindex.IndexInternalID
	next  int
	hits  []bindex.IndexInternalID
}

// start takes the candidates when the count is at match cur: those up to
// it are among seen or cur.
func (m *merge) start(reader bindex.IndexReader, ids []string, cur bindex.IndexInternalID) error {
	cands, err := internalIDs(reader, ids)
	if err != nil {
		return err
	}
	m.cands = cands
	for m.next < len(m.cands) && m.cands[m.next].Compare(cur) < 0 {
		c := m.cands[m.next]
		if _, ok := slices.BinarySearchFunc(m.seen, c, bindex.IndexInternalID.Compare); ok {
			m.hits = append(m.hits, c)
		}
		m.next++
	}
	m.take(cur)
	return nil
}

// take moves past the candidates below match cur, and takes cur if it is
// one.
func (m *merge) take(cur bindex.IndexInternalID) {
	for m.next < len(m.cands) && m.cands[m.next].Compare(cur) < 0 {
		m.next++
	}
	if m.next < len(m.cands) && m.cands[m.next].Equals(cur) {
		m.hits = append(m.hits, m.cands[m.next])
		m.next++
	}
}

// advance tests the candidates past the count's last match.
func (m *merge) advance(s bsearch.Searcher) error {
	for ; m.next < len(m.cands); m.next++ {
		d, err := s.Advance(m.sctx, m.cands[m.next])
		if err != nil || d == nil {
			return err
		}
		if d.IndexInternalID.Equals(m.cands[m.next]) {
			m.hits = append(m.hits, m.cands[m.next])
		}
		m.sctx.DocumentMatchPool.Put(d)
	}
	return nil
}

// internalIDs are the index's ids of the documents ids names, ascending.
func internalIDs(reader bindex.IndexReader, ids []string) ([]bindex.IndexInternalID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	dr, err := reader.DocIDReaderOnly(ids)
	if err != nil {
		return nil, err
	}
	defer func() { _ = dr.Close() }()
	var out []bindex.IndexInternalID
	for {
		id, err := dr.Next()
		if err != nil || id == nil {
			return out, err
		}
		out = append(out, slices.Clone(id))
	}
}

// Match reports which of ids (issue ids) match r's query in r's
// namespaces: the planner's test of the candidates it walks in the store's
// order, with exactly the index's meaning of every term.
func (x *Index) Match(ctx context.Context, r Request, ids []string) (map[string]bool, error) {
	if len(ids) == 0 {
		return map[string]bool{}, nil
	}
	q := x.prepare(r, false)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q), len(ids), 0, false)
	req.Score = "none"
	res, err := x.search(ctx, q, req)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(res.Hits))
	for _, h := range res.Hits {
		out[h.ID] = true
	}
	return out, nil
}

// prepare translates r's query with its expansion budget, for a search
// that orders by relevance (scored) or not.
func (x *Index) prepare(r Request, scored bool) *conjunction {
	q := toBleve(r.Query, r.Namespaces, r.Substring, scored)
	q.b.contains = x.contains
	if r.MaxExpansion > 0 {
		q.b.size = r.MaxExpansion
	}
	return q
}

// Walkable orders: those the store keeps an index in, newest first (the
// larger id first among equal times).
var walkOrders = map[string][]string{
	kite.FieldDetectedAt: {"-" + fieldDetectedAt, "-" + fieldID},
	kite.FieldLastSeen:   {"-" + fieldLastSeen, "-" + fieldID},
}

// WalkOrder says which of the store's orders q's results are in:
// kite.FieldDetectedAt (the default order, or sort:-detected) or
// kite.FieldLastSeen (sort:-lastSeen); ok is false for any other.
func WalkOrder(q *kite.Query) (field string, ok bool) {
	order := sortOrder(q)
	for f, o := range walkOrders {
		if slices.Equal(order, o) {
			return f, true
		}
	}
	return "", false
}

// WalkCursor is the cursor of a page in a walkable order whose last hit
// has time at (in that order's field) and id: the same cursor the index
// gives such a page, so that either plan continues the other's pages.
func WalkCursor(field string, at time.Time, id string) string {
	b, _ := json.Marshal(cursor{Sort: walkOrders[field], After: []string{timeKey(at), id}}) // strings only
	return base64.RawURLEncoding.EncodeToString(b)
}

// WalkAfter reads a cursor of a walkable order.
func WalkAfter(field, c string) (time.Time, string, error) {
	after, err := decodeCursor(c, walkOrders[field])
	if err != nil {
		return time.Time{}, "", err
	}
	t, err := time.Parse(timeKeyLayout, after[0])
	if err != nil {
		return time.Time{}, "", kite.Invalid("cursor", "Invalid cursor", "the cursor is not one this search returned; start again without it")
	}
	return t, after[1], nil
}
