package index

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/konflux-ci/kite"
)

// MaxExpansion bounds how many index terms one search may expand its word
// starts and substrings into. Each expanded term costs a posting-list
// lookup and a scorer (about 25 µs, measured), so before this bound one
// identifier prefix that matched every issue (bench-run- at 100,000
// issues) cost 2.5 CPU-seconds, and a query of twenty of them tens of
// seconds; at the bound a search spends at most about 0.2 s expanding.
const MaxExpansion = 8192

// ErrTooBroad is in the chain of the error of a search whose words expand
// past MaxExpansion terms, so that callers with another way to answer (the
// v1 list's store scan) can take it.
var ErrTooBroad = errors.New("query too broad")

// budget is what is left of one search's MaxExpansion, and the index's
// memory of substring expansions (contains.go). Bleve builds a search's
// searchers one after the other in the calling goroutine, so it needs no
// lock.
type budget struct {
	size, left int
	contains   *containsCache
}

// take charges n terms for the word, or fails naming it and the limit.
func (b *budget) take(word string, n int) error {
	if b.left -= n; b.left >= 0 {
		return nil
	}
	return &kite.Error{
		Code: kite.EINVALID, Field: "q", Message: "Query too broad", Err: ErrTooBroad,
		Details: fmt.Sprintf("with %q, the query's word starts and parts match more than %d index terms (the limit of one search): use longer or fewer words", word, b.size),
	}
}

// expansionKind says how an expansion enumerates its terms.
type expansionKind int

const (
	expandPrefix   expansionKind = iota // terms that start with text
	expandContains                      // terms that hold text anywhere
)

// expansion is a prefix or regexp query that charges the terms it expands
// into to its search's budget as it enumerates them, and stops at the
// budget's end rather than after building a scorer for every term.
type expansion struct {
	kind  expansionKind
	field string
	text  string
	// word is what the person typed, for the error.
	word  string
	boost float64
	b     *budget
}

func (e *expansion) SetBoost(b float64) { e.boost = b }

func (e *expansion) Boost() float64 { return e.boost }

// Searcher enumerates the expansion's terms from the field's dictionary
// and ORs them, as Bleve's prefix and regexp searchers do.
func (e *expansion) Searcher(ctx context.Context, r bindex.IndexReader, _ mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	charge := func(n int) error { return e.b.take(e.word, n) }
	var terms []string
	if e.kind == expandContains && e.b.contains != nil {
		var err error
		if terms, err = e.b.contains.containsTerms(ctx, r, e.field, e.text, charge); err != nil {
			return nil, err
		}
		return termsSearcher(ctx, r, terms, e.field, e.boost, o)
	}
	var dict bindex.FieldDict
	var err error
	switch e.kind {
	case expandPrefix:
		dict, err = r.FieldDictPrefix(e.field, []byte(e.text))
	default: // a substring without the cache: tests' indexes
		rr, ok := r.(bindex.IndexReaderRegexp)
		if !ok {
			return nil, fmt.Errorf("index reader %T cannot match regular expressions", r)
		}
		dict, _, err = rr.FieldDictRegexpAutomaton(e.field, ".*"+regexp.QuoteMeta(e.text)+".*")
	}
	if err != nil {
		return nil, err
	}
	if terms, err = collectTerms(dict, charge); err != nil {
		return nil, err
	}
	return termsSearcher(ctx, r, terms, e.field, e.boost, o)
}

// collectTerms reads a dictionary iterator to its end, charging each term
// with charge (which stops the read by failing) and closing it.
func collectTerms(dict bindex.FieldDict, charge func(n int) error) (terms []string, err error) {
	defer func() {
		if cerr := dict.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	for {
		e, err := dict.Next()
		if err != nil || e == nil {
			return terms, err
		}
		if err := charge(1); err != nil {
			return nil, err
		}
		terms = append(terms, e.Term)
	}
}

// termsSearcher ORs the terms; none matches nothing.
func termsSearcher(ctx context.Context, r bindex.IndexReader, terms []string, field string, boost float64, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	if len(terms) == 0 {
		// A term searcher that finds nothing, not Bleve's match-none
		// searcher: the conjunctions and disjunctions around it are
		// merged into posting bitmaps only if every part is a term
		// searcher.
		return searcher.NewTermSearcher(ctx, r, noTerm, field, boost, o)
	}
	// limit=false: the budget bounded the terms already, and Bleve's own
	// clause limit is process-wide.
	return searcher.NewMultiTermSearcher(ctx, r, terms, field, boost, o, false)
}
