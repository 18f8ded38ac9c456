// Package storetest opens real stores for tests: a bbolt file in the test's
// temporary directory, closed and checked for consistency on cleanup, so any
// test that writes through a store also verifies the indexes it left.
package storetest

import (
	"testing"

	"github.com/konflux-ci/kite/store"
)

// Open returns a store in a fresh temporary directory. On cleanup it runs
// Check and fails the test on any inconsistency, then closes the store.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	return OpenWith(tb, store.Options{})
}

// OpenWith is Open with options; Dir defaults to a temporary directory.
func OpenWith(tb testing.TB, o store.Options) *store.Store {
	tb.Helper()
	if o.Dir == "" {
		o.Dir = tb.TempDir()
	}
	s, err := store.Open(o)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Check(); err != nil {
			tb.Errorf("store consistency: %v", err)
		}
		if err := s.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return s
}
