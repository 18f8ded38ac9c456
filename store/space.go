package store

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/konflux-ci/kite"
)

// spaceReturned is the free space on the data volume at which a store that
// ran out of it reports writes as possible again without waiting for one
// to succeed: more than bbolt grows its file by at once (16 MiB).
const spaceReturned = 32 << 20

// fullState is when writes began to fail for lack of space, and why.
type fullState struct {
	since time.Time
	err   error
}

// isNoSpace reports whether err is the volume being full (or the user's
// quota on it spent): nothing was written, and writes may succeed again
// once space returns.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// noSpace records that a commit failed for lack of space and returns the
// writer's error: a 507 that says what to do.
func (s *Store) noSpace(err error) error {
	// Commits that need no new pages still succeed on a full volume and
	// clear the state, so it can flap: say so once a minute at most.
	if s.full.CompareAndSwap(nil, &fullState{since: s.now(), err: err}) && s.fullLogged.Swap(s.now().Unix()) < s.now().Unix()-60 {
		s.log.Error("the data volume is full: writes are refused until space returns; reads and search go on",
			"dir", s.dir, "available_bytes", s.available(), "err", err)
	}
	return &kite.Error{
		Code: kite.ENOSPACE, Message: "Storage full", Err: err,
		Details: fmt.Sprintf("the volume holding %s has no space left, so nothing was stored: free space on it or grow it; writes resume by themselves", s.dir),
	}
}

// wrote clears the full state after a successful commit.
func (s *Store) wrote() {
	if st := s.full.Swap(nil); st != nil && s.now().Sub(st.since) >= time.Second {
		s.log.Info("the data volume has space again: writes resumed", "full_for", s.now().Sub(st.since).Round(time.Second))
	}
}

// WriteFault says why writes fail now, nil when they do not: the volume
// filled up at the last failed commit and has not had room enough since
// (spaceReturned) nor a successful commit. Reads and search are unaffected.
func (s *Store) WriteFault() error {
	st := s.full.Load()
	if st == nil {
		return nil
	}
	if free := s.available(); free >= spaceReturned {
		if s.full.CompareAndSwap(st, nil) {
			s.log.Info("the data volume has space again: writes may resume", "available_bytes", free)
		}
		return nil
	}
	return &kite.Error{
		Code: kite.ENOSPACE, Message: "Storage full", Err: st.err,
		Details: fmt.Sprintf("writes fail since %s: the volume holding %s has %d bytes free", st.since.Format(time.RFC3339), s.dir, max(s.available(), 0)),
	}
}
