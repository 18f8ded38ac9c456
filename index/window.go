package index

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/konflux-ci/kite"
)

// narrowWindow is the most distinct terms a range is looked up by in the
// index. Times and counts are one keyword term per value, so a wide time
// range (lastSeen:<1s at 100,000 issues) is as many terms as issues: as
// term lookups it cost a quarter of a CPU-second, and 400 of them in one
// query 76 seconds. A wider range is tested instead against each candidate
// the rest of the query finds, by the value sorting reads (doc values),
// which costs the same for one range or many.
const narrowWindow = 256

// window is a range term: lo <= value < hi (<= hi when hiIncl) on a
// sorted keyword field; an empty end is open. Negated, it admits what the
// range does not, including documents without the field.
type window struct {
	field   string
	lo, hi  string
	hiIncl  bool
	negated bool
}

// termWindow is t's window when t is a range over times, counts or
// severity ranks.
func termWindow(t kite.Term) (window, bool) {
	if t.Kind != kite.TermField {
		return window{}, false
	}
	w := window{negated: t.Negated}
	switch t.Field {
	case kite.FieldSeverity:
		lo, hi := t.SeverityRanks()
		w.field, w.lo, w.hi, w.hiIncl = fieldSevRank, strconv.Itoa(lo), strconv.Itoa(hi), true
		if lo > hi {
			w.lo, w.hi = "1", "0" // admits nothing
		}
	case kite.FieldOccurrences:
		w.field, w.lo, w.hiIncl = fieldOccurrences, countKey(t.Low), true
		if t.High >= 0 {
			w.hi = countKey(t.High)
		}
	case kite.FieldDetectedAt, kite.FieldLastSeen, kite.FieldFirstSeen, kite.FieldResolvedAt:
		w.field = dateFields[t.Field]
		if !t.Min.IsZero() {
			w.lo = timeKey(t.Min)
		}
		if !t.Max.IsZero() {
			w.hi = timeKey(t.Max)
		}
	default:
		return window{}, false
	}
	return w, true
}

func (w window) contains(v []byte) bool {
	if bytes.Compare(v, []byte(w.lo)) < 0 {
		return false
	}
	if w.hi == "" {
		return true
	}
	c := bytes.Compare(v, []byte(w.hi))
	return c < 0 || c == 0 && w.hiIncl
}

var errWide = errors.New("wide window")

// narrowTerms returns the window's terms, or ok false when it has more
// than narrowWindow.
func (w window) narrowTerms(r bindex.IndexReader) (terms []string, ok bool, err error) {
	var end []byte
	if w.hi != "" {
		end = append([]byte(w.hi), 0) // the dictionary's range end is exclusive
	}
	dict, err := r.FieldDictRange(w.field, []byte(w.lo), end)
	if err != nil {
		return nil, false, err
	}
	n := 0
	terms, err = collectTerms(dict, func(int) error {
		if n++; n > narrowWindow+1 { // one more: the exclusive end may be among them
			return errWide
		}
		return nil
	})
	switch {
	case errors.Is(err, errWide):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	terms = slices.DeleteFunc(terms, func(t string) bool { return !w.contains([]byte(t)) })
	return terms, len(terms) <= narrowWindow, nil
}

// conjunction is a whole translated query: every must query, no mustNot
// query, every window. It decides per search how each window is applied
// (by its terms, or by testing candidates), and it owns the search's
// expansion budget.
type conjunction struct {
	must, mustNot []query.Query
	windows       []window
	b             *budget
	// err is the first fault reading doc values, which a filter cannot
	// return; Search reports it.
	err error
}

func (c *conjunction) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	c.b.left, c.err = c.b.size, nil
	must, mustNot := slices.Clone(c.must), slices.Clone(c.mustNot)
	var wide []window
	for _, w := range c.windows {
		terms, narrow, err := w.narrowTerms(r)
		switch {
		case err != nil:
			return nil, err
		case !narrow:
			wide = append(wide, w)
		case len(terms) == 0 && !w.negated:
			return searcher.NewMatchNoneSearcher(r)
		case len(terms) == 0: // excludes nothing
		case w.negated:
			mustNot = append(mustNot, &termSet{field: w.field, terms: terms})
		default:
			must = append(must, &termSet{field: w.field, terms: terms})
		}
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(must...)
	bq.AddMustNot(mustNot...)
	s, err := bq.Searcher(ctx, r, m, o)
	if err != nil || len(wide) == 0 {
		return s, err
	}
	var fields []string
	for _, w := range wide {
		if !slices.Contains(fields, w.field) {
			fields = append(fields, w.field)
		}
	}
	dvr, err := r.DocValueReader(fields)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, s, c.filter(ctx, dvr, wide)), nil
}

// filter admits a candidate when its values satisfy every wide window. It
// stops admitting once ctx is done, so that a search whose client went
// away ends at the next check.
func (c *conjunction) filter(ctx context.Context, dvr bindex.DocValueReader, ws []window) searcher.FilterFunc {
	in := make([]bool, len(ws))
	seen := 0
	return func(_ *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
		if seen++; seen%1024 == 0 && ctx.Err() != nil {
			return false
		}
		clear(in)
		err := dvr.VisitDocValues(d.IndexInternalID, func(field string, term []byte) {
			for i, w := range ws {
				if w.field == field && w.contains(term) {
					in[i] = true
				}
			}
		})
		if err != nil {
			if c.err == nil {
				c.err = err
			}
			return false
		}
		for i, w := range ws {
			if in[i] == w.negated {
				return false
			}
		}
		return true
	}
}

// termSet ORs known terms of one field.
type termSet struct {
	field string
	terms []string
}

func (t *termSet) Searcher(ctx context.Context, r bindex.IndexReader, _ mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	return termsSearcher(ctx, r, t.terms, t.field, 1, o)
}
