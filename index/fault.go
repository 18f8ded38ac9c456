package index

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/blevesearch/bleve/v2"

	"github.com/konflux-ci/kite"
)

// A failed batch can leave Bleve's in-memory state inconsistent with its
// files: after a segment failed to persist on a full volume, the next
// batch panicked in Bleve's segment cache and took the process down. So
// any failure of a batch, and any panic inside Bleve, marks the index
// faulted; a faulted index answers no search (503) until Recover reopens
// it from its files, which hold the last batch that persisted whole.

// errFaulted refuses searches of a faulted index.
var errFaulted = kite.Errorf(kite.EUNAVAILABLE, "the search index is recovering from a failed write; try again shortly")

// guard runs fn, turning a panic inside Bleve into an error. A panic, or
// an error that is a fault rather than an answer (faulty), marks the index
// faulted.
func (x *Index) guard(what string, faulty func(error) bool, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			x.log.Error("the search index faulted", "during", what, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("%s: search index fault: %v", what, r)
			x.faulted.Store(true)
		} else if err != nil && faulty(err) {
			x.faulted.Store(true)
		}
	}()
	return fn()
}

// use runs fn over the open index under the read lock (Rebuild and Recover
// swap it under the write lock) and the fault guard.
func (x *Index) use(what string, faulty func(error) bool, fn func(bleve.Index) error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.idx == nil {
		return errClosed
	}
	if x.faulted.Load() {
		return errFaulted
	}
	return x.guard(what, faulty, func() error { return fn(x.idx) })
}

// writeFault: every failed batch is a fault.
func writeFault(error) bool { return true }

// readFault: a search's own errors (a bad cursor, a query too broad, its
// context ending) are answers; anything else Bleve returns is a fault.
func readFault(err error) bool {
	return !errors.As(err, new(*kite.Error)) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// Faulted reports whether a write or a search failed inside Bleve since
// the index was last opened: Recover must reopen it before it is used.
func (x *Index) Faulted() bool { return x.faulted.Load() }

// Recover reopens a faulted index from its files. An error means they
// cannot be opened as Kite's index: the caller rebuilds it.
func (x *Index) Recover() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idx != nil {
		func() {
			defer func() { _ = recover() }() // its state is suspect; its files are what count
			_ = x.idx.Close()
		}()
		x.idx = nil
	}
	idx, err := bleve.Open(x.path)
	if err != nil {
		return fmt.Errorf("reopen search index %s: %w", x.path, err)
	}
	if v, err := idx.GetInternal(keyMapping); err != nil || string(v) != MappingVersion {
		_ = idx.Close()
		return fmt.Errorf("reopen search index %s: mapping %q, want %s", x.path, v, MappingVersion)
	}
	x.idx = idx
	x.faulted.Store(false)
	return nil
}
