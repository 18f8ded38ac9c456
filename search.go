package kite

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FacetFields are the fields a search may count.
var FacetFields = []string{FieldSeverity, FieldIssueType, FieldNamespace, FieldState, FieldAssignee}

// CheckFacets refuses facet names other than FacetFields.
func CheckFacets(facets []string) error {
	for _, f := range facets {
		if !slices.Contains(FacetFields, f) {
			return Invalid("facets", fmt.Sprintf("unknown facet %q", f), "facets must be among: "+strings.Join(FacetFields, ", "))
		}
	}
	return nil
}

// SearchRequest is one search in the query language.
type SearchRequest struct {
	// Query is the query language text (docs/search.md).
	Query string
	// Namespaces the caller may see. A search never returns an issue of
	// another namespace; ns: terms in Query narrow it further. Empty means
	// the namespaces the query names, and a query that names none is
	// refused.
	Namespaces []string
	Limit      int
	// Cursor continues a previous search where its page ended.
	Cursor string
	// Facets names the FacetFields to count over all matches.
	Facets []string
	// Highlight asks for matching fragments of the text fields.
	Highlight bool
	// Caller is who assignee:me means ("" when unknown).
	Caller string
}

// SearchResult is one page of matches, in the query's order.
type SearchResult struct {
	Hits []SearchHit
	// Total counts the matches; when TotalIsLowerBound it is only where
	// counting stopped ("10,000+"), and there are more.
	Total             int
	TotalIsLowerBound bool
	// Facets maps each requested facet field to its counts, largest first.
	Facets map[string][]FacetCount
	// NextCursor continues after the last hit; empty on the last page.
	NextCursor string
}

// SearchHit is one matching issue, read from the store (never from the
// index), with the fragments of its text that matched.
type SearchHit struct {
	Issue      *Issue              `json:"issue"`
	Score      float64             `json:"score,omitempty"`
	Highlights map[string][]string `json:"highlights,omitempty"`
}

// FormatTotal writes a total for people: "10000+" when counting stopped
// there.
func FormatTotal(total int, lowerBound bool) string {
	if lowerBound {
		return strconv.Itoa(total) + "+"
	}
	return strconv.Itoa(total)
}

// FacetCount is how many matches have one value of a facet field.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Searcher answers the query language.
type Searcher interface {
	Search(ctx context.Context, r SearchRequest) (*SearchResult, error)
}
