package tui

import "github.com/konflux-ci/kite"

// Backend is what the console needs of Kite: reads and edits, search, and
// the change feed. api.Client implements it over HTTP; the service does in
// process.
type Backend interface {
	kite.IssueService
	kite.Triage
	kite.Searcher
	kite.Streamer
	kite.NamespaceLister
}
