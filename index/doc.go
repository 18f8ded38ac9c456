// Package index owns Kite's full-text index: a Bleve (scorch) index beside
// the bbolt file. It holds the mapping (analysers for prose, sub-words and
// identifiers; keyword, numeric and date fields for filters and sorting),
// turns a parsed kite.Query into a Bleve query, and answers searches with
// issue ids, highlighted fragments, facet counts and a cursor.
//
// The index is derived data. It records the last store revision it applied
// and its mapping version; whoever feeds it (the service package) replays
// the store's change log from that revision, or rebuilds the index from the
// records when it is missing, unreadable or of another mapping version.
// Search results carry ids only: records are always read from the store.
package index
