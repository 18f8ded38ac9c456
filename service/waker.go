package service

import (
	"context"
	"time"

	"github.com/konflux-ci/kite/store"
)

// wakerIdle bounds the waker's sleep when no snooze has a time, and its
// error backoff.
const wakerIdle = time.Minute

// runWaker ends timed snoozes when their time comes: it sleeps until the
// earliest one (or a commit, which may have set an earlier one), then
// wakes what is due.
func (s *Service) runWaker(ctx context.Context) {
	defer s.wg.Done()
	for {
		wait := wakerIdle
		if next, err := s.Store.NextWake(); err != nil {
			s.log.Error("reading the next snooze end", "err", err)
		} else if !next.IsZero() {
			wait = min(max(next.Sub(s.now()), 0), wakerIdle)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.snoozed:
			timer.Stop()
			continue
		case <-timer.C:
		}
		for {
			n, err := s.Store.WakeDue(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("waking snoozed issues", "err", err)
				}
				break
			}
			if n < store.MaxWakes {
				break
			}
		}
	}
}
