package kite

import "context"

// IssueService reads and edits issues. The store implements it in process;
// the HTTP client implements it against a remote Kite.
type IssueService interface {
	GetIssue(ctx context.Context, id string) (*Issue, error)
	ListIssues(ctx context.Context, f IssueFilter) (*IssueList, error)
	UpdateIssue(ctx context.Context, id string, u IssueUpdate) (*Issue, error)
	DeleteIssue(ctx context.Context, id string) error
	ResolveIssue(ctx context.Context, id string, actor string) (*Issue, error)
	RelateIssues(ctx context.Context, sourceID, targetID string) error
	UnrelateIssues(ctx context.Context, a, b string) error
	Timeline(ctx context.Context, id string) ([]Event, error)
}

// Tracker turns observations into issues: a failure report opens, updates
// or reopens the issue of its fingerprint; a success resolves the open
// issues of its scope. Webhooks, the v1 create endpoint and the cluster
// watchers all write through it.
type Tracker interface {
	Report(ctx context.Context, r Report) (*ReportResult, error)
	ResolveScope(ctx context.Context, r Resolution) (int, error)
}

// Service is everything a Kite server offers its clients.
type Service interface {
	IssueService
	Tracker
	Triage
	Searcher
	NamespaceLister
}
