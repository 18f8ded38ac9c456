package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"

	"github.com/konflux-ci/kite"
)

// Request is one search of the index.
type Request struct {
	Query *kite.Query
	// Namespaces restricts the search; it must not be empty.
	Namespaces []string
	Limit      int
	// Offset skips hits (the v1 list's paging); Cursor continues after a
	// previous page (the search endpoint's). Not both.
	Offset int
	Cursor string
	Facets []string
	// MaxExpansion overrides the budget of index terms the search's word
	// starts and parts may expand into (default MaxExpansion).
	MaxExpansion int
	// Substring also matches each free word anywhere inside an identifier
	// token (the v1 list's substring search). It scans the term
	// dictionary, so only the v1 list uses it.
	Substring bool
}

// Hit is one matching issue id with its score.
type Hit struct {
	ID    string
	Score float64
}

// Result is a page of hits in order, the total number of matches, facet
// counts over all matches and the cursor of the next page.
type Result struct {
	Hits       []Hit
	Total      int
	Facets     map[string][]kite.FacetCount
	NextCursor string
}

// facetFields maps facet names to index fields and how many values each
// may report.
var facetFields = map[string]struct {
	field string
	size  int
}{
	kite.FieldSeverity:  {fieldSeverity, len(kite.Severities)},
	kite.FieldIssueType: {fieldIssueType, len(kite.IssueTypes)},
	kite.FieldState:     {fieldState, len(kite.States)},
	kite.FieldNamespace: {fieldNamespace, 50},
	kite.FieldAssignee:  {fieldAssignee, 50},
}

// sortFields maps query-language sort keys to index fields.
var sortFields = map[string]string{
	kite.FieldDetectedAt:  fieldDetectedAt,
	kite.FieldLastSeen:    fieldLastSeen,
	kite.FieldFirstSeen:   fieldFirstSeen,
	kite.FieldResolvedAt:  fieldResolvedAt,
	kite.FieldSeverity:    fieldSevRank,
	kite.FieldOccurrences: fieldOccurrences,
	kite.FieldRelevance:   "_score",
}

// Search runs a request. Bad cursors and facet names are EINVALID.
func (x *Index) Search(ctx context.Context, r Request) (*Result, error) {
	if len(r.Namespaces) == 0 {
		return nil, kite.Invalid("namespace", "Missing namespace", "a search must name at least one namespace")
	}
	order := sortOrder(r.Query)
	scored := slices.Contains(order, "-_score") || slices.Contains(order, "_score")
	q := x.prepare(r, scored)
	req := bleve.NewSearchRequestOptions(q, r.Limit, r.Offset, false)
	req.SortBy(order)
	if !scored {
		// Ordered by fields: scores would be wasted work, and without
		// them Bleve intersects posting bitmaps instead of scoring.
		req.Score = "none"
	}
	if r.Cursor != "" {
		after, err := decodeCursor(r.Cursor, order)
		if err != nil {
			return nil, err
		}
		req.From = 0
		req.SearchAfter = after
	}
	if err := kite.CheckFacets(r.Facets); err != nil {
		return nil, err
	}
	for _, name := range r.Facets {
		f := facetFields[name]
		req.AddFacet(name, bleve.NewFacetRequest(f.field, f.size))
	}
	start := time.Now()
	res, err := x.search(ctx, q, req)
	if err != nil {
		return nil, err
	}
	x.metrics.searchSeconds.Observe(time.Since(start).Seconds())

	out := &Result{Total: int(res.Total), Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, Hit{ID: h.ID, Score: h.Score})
	}
	if n := len(res.Hits); n > 0 && n == r.Limit && (r.Cursor != "" || r.Offset+n < out.Total) {
		out.NextCursor = encodeCursor(order, res.Hits[n-1])
	}
	if len(r.Facets) > 0 {
		out.Facets = map[string][]kite.FacetCount{}
		for name, fr := range res.Facets {
			counts := []kite.FacetCount{}
			if fr.Terms != nil {
				for _, t := range fr.Terms.Terms() {
					counts = append(counts, kite.FacetCount{Value: t.Term, Count: t.Count})
				}
			}
			out.Facets[name] = counts
		}
	}
	return out, nil
}

// read runs fn over the open index under the read lock and the fault
// guard. q's own error (a word too broad, a doc value unreadable) and a
// context that ended are the answer even when Bleve returned without one:
// a search whose context ended may stop early without an error (its range
// filter stops admitting candidates).
func (x *Index) read(ctx context.Context, q *conjunction, fn func(bleve.Index) error) error {
	err := x.use("search", readFault, fn)
	if err != nil && readFault(err) {
		err = errors.Join(errFaulted, err) // the index reopens before the next search
	}
	switch {
	case err == nil && q.err != nil:
		err = q.err
	case err == nil:
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// search runs one Bleve search of q (read).
func (x *Index) search(ctx context.Context, q *conjunction, req *bleve.SearchRequest) (res *bleve.SearchResult, err error) {
	err = x.read(ctx, q, func(idx bleve.Index) error {
		res, err = idx.SearchInContext(ctx, req)
		return err
	})
	return res, err
}

// sortOrder is the query's sort: its sort: keys, else newest detection
// first (with free text too: sort:relevance asks for relevance); issue id
// breaks ties (one group commit gives a whole batch of issues one
// detection time) so that cursors are stable.
func sortOrder(q *kite.Query) []string {
	var order []string
	for _, k := range q.Sort {
		f := sortFields[k.Field]
		if k.Desc {
			f = "-" + f
		}
		order = append(order, f)
	}
	if len(order) == 0 {
		order = append(order, "-"+fieldDetectedAt)
	}
	return append(order, "-"+fieldID)
}

// cursor is what a page's cursor carries: the sort it belongs to and the
// sort values of the page's last hit.
type cursor struct {
	Sort  []string `json:"s"`
	After []string `json:"a"`
}

// encodeCursor records the last hit's sort values. Field values are the
// raw sort terms Bleve compares (7-bit prefix codes for numbers and dates);
// the score is its number, which Bleve parses back.
func encodeCursor(order []string, last *bsearch.DocumentMatch) string {
	after := slices.Clone(last.Sort)
	for i, o := range order {
		if strings.TrimPrefix(o, "-") == "_score" {
			after[i] = strconv.FormatFloat(last.Score, 'g', -1, 64)
		}
	}
	b, _ := json.Marshal(cursor{Sort: order, After: after}) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, order []string) ([]string, error) {
	bad := kite.Invalid("cursor", "Invalid cursor", "the cursor is not one this search returned; start again without it")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || !slices.Equal(c.Sort, order) || len(c.After) != len(order) {
		return nil, bad
	}
	return c.After, nil
}
