// Package servicetest opens real services for tests: a store and a Bleve
// index in the test's temporary directory, with the search index up to
// date before the test starts, and a consistency check of the store on
// cleanup.
package servicetest

import (
	"log/slog"
	"testing"
	"time"

	"github.com/konflux-ci/kite/service"
)

// Open returns a service over a fresh temporary data directory.
func Open(tb testing.TB) *service.Service {
	tb.Helper()
	return OpenWith(tb, service.Options{})
}

// OpenWith is Open with options; Dir defaults to a temporary directory.
func OpenWith(tb testing.TB, o service.Options) *service.Service {
	tb.Helper()
	if o.Dir == "" {
		o.Dir = tb.TempDir()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := service.Open(o)
	if err != nil {
		tb.Fatalf("open service: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Check(); err != nil {
			tb.Errorf("store consistency: %v", err)
		}
		if err := s.Close(); err != nil {
			tb.Errorf("close service: %v", err)
		}
	})
	WaitReady(tb, s)
	return s
}

// WaitReady waits until the service's index has caught up once.
func WaitReady(tb testing.TB, s *service.Service) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !s.Ready() {
		if time.Now().After(deadline) {
			tb.Fatal("search index not ready after 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitIndexed waits until the index has applied every committed revision,
// so a test can search for what it just wrote.
func WaitIndexed(tb testing.TB, s *service.Service) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		lag, err := s.IndexLag()
		if err != nil {
			tb.Fatalf("index lag: %v", err)
		}
		if lag == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("search index still %d revisions behind after 30s", lag)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
