package kite

// Limits of the list endpoint. A limit at or below zero means the default;
// one above MaxLimit is cut to MaxLimit.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// IssueFilter selects issues of one namespace. Empty fields match anything.
type IssueFilter struct {
	Namespace    string
	Severity     Severity
	IssueType    IssueType
	State        State
	ResourceType string
	ResourceName string
	// Search matches case-insensitively in title and description.
	Search string
	Limit  int
	Offset int
}

// MaxOffset bounds how deep a list may page: past it a request is refused
// (Validate) rather than costing a walk (or, through the index, a heap) of
// that size.
const MaxOffset = 1_000_000

// Normalize applies the limit rules and returns the filter.
func (f IssueFilter) Normalize() IssueFilter {
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit > MaxLimit {
		f.Limit = MaxLimit
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	return f
}

// IssueList is one page of a list: the issues, newest detectedAt first, and
// how many issues match in all.
type IssueList struct {
	Issues []*Issue
	Total  int
}
