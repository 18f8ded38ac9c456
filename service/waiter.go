package service

import (
	"context"
	"sync"
	"time"
)

// revWaiter lets searches wait until the index has applied a revision, so
// a search sees every write acknowledged before it started.
type revWaiter struct {
	mu      sync.Mutex
	applied uint64
	changed chan struct{} // closed and replaced whenever applied moves
}

func newRevWaiter(applied uint64) *revWaiter {
	return &revWaiter{applied: applied, changed: make(chan struct{})}
}

func (w *revWaiter) set(rev uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if rev <= w.applied {
		return
	}
	w.applied = rev
	close(w.changed)
	w.changed = make(chan struct{})
}

// wait returns once rev is applied, or false when timeout or ctx ends
// first (the caller then answers from the index as it is).
func (w *revWaiter) wait(ctx context.Context, rev uint64, timeout time.Duration) bool {
	var deadline <-chan time.Time
	for {
		w.mu.Lock()
		applied, changed := w.applied, w.changed
		w.mu.Unlock()
		if applied >= rev {
			return true
		}
		if deadline == nil {
			t := time.NewTimer(timeout)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-changed:
		case <-deadline:
			return false
		case <-ctx.Done():
			return false
		}
	}
}
