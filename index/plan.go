package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"

	"github.com/konflux-ci/kite"
)

// What the service's query planner asks of the index besides a search: how
// many issues match (cheaply, up to a bound), and which of the candidates
// it walks in the store's order match. Both run without scores, so a query
// of terms becomes intersections and unions of posting bitmaps.

// ctxCheckEvery is how many matches a count visits between looks at its
// context.
const ctxCheckEvery = 4096

// Count counts the matches of r's query in r's namespaces, without scoring,
// sorting or loading them, and stops at limit (0: no limit). all reports
// whether n is every match. r's Limit, Offset, Cursor and Facets are
// ignored.
func (x *Index) Count(ctx context.Context, r Request, limit int) (n int, all bool, err error) {
	q := x.prepare(r)
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
		sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
		for limit <= 0 || n < limit {
			if n%ctxCheckEvery == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			d, err := s.Next(sctx)
			if err != nil {
				return err
			}
			if d == nil {
				all = true
				return nil
			}
			n++
			sctx.DocumentMatchPool.Put(d)
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return n, all, nil
}

// Match reports which of ids (issue ids) match r's query in r's
// namespaces: the planner's test of the candidates it walks in the store's
// order, with exactly the index's meaning of every term.
func (x *Index) Match(ctx context.Context, r Request, ids []string) (map[string]bool, error) {
	if len(ids) == 0 {
		return map[string]bool{}, nil
	}
	q := x.prepare(r)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q), len(ids), 0, false)
	req.Score = "none"
	var res *bleve.SearchResult
	err := x.read(ctx, q, func(idx bleve.Index) (err error) {
		res, err = idx.SearchInContext(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(res.Hits))
	for _, h := range res.Hits {
		out[h.ID] = true
	}
	return out, nil
}

// prepare translates r's query with its expansion budget.
func (x *Index) prepare(r Request) *conjunction {
	q := toBleve(r.Query, r.Namespaces, r.Substring)
	if r.MaxExpansion > 0 {
		q.b.size = r.MaxExpansion
	}
	return q
}

// newestOrder is the default order: newest detection first, the larger id
// first among issues detected at the same instant.
var newestOrder = []string{"-" + fieldDetectedAt, "-" + fieldID}

// Newest reports whether q's results are ordered newest detection first:
// the store's own order, which the planner can walk.
func Newest(q *kite.Query) bool { return slices.Equal(sortOrder(q), newestOrder) }

// NewestCursor is the cursor of a page of the newest-first order whose last
// hit was detected at detectedAt with id: the same cursor the index gives
// such a page, so that either plan continues the other's pages.
func NewestCursor(detectedAt time.Time, id string) string {
	b, _ := json.Marshal(cursor{Sort: newestOrder, After: []string{timeKey(detectedAt), id}}) // strings only
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewestAfter reads a cursor of the newest-first order.
func NewestAfter(c string) (time.Time, string, error) {
	after, err := decodeCursor(c, newestOrder)
	if err != nil {
		return time.Time{}, "", err
	}
	t, err := time.Parse(timeKeyLayout, after[0])
	if err != nil {
		return time.Time{}, "", kite.Invalid("cursor", "Invalid cursor", "the cursor is not one this search returned; start again without it")
	}
	return t, after[1], nil
}
