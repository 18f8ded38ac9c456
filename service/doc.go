// Package service composes the store (the truth) and the search index
// (derived) into one kite.Service. Writes go to the store; after each
// commit an indexer goroutine replays the store's change log into the
// index, in batches, from the last revision the index applied — so a crash
// between a commit and its indexing loses nothing, and a missing, damaged
// or outdated index is rebuilt from the records while the server answers.
// Searches ask the index for ids and read the records from the store, so a
// lagging index never shows stale data.
package service
