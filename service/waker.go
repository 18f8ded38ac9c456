package service

import (
	"context"
	"time"

	"github.com/konflux-ci/kite/store"
)

// wakerIdle bounds the waker's sleep when no snooze has a time, and its
// error backoff.
const wakerIdle = time.Minute

// runWaker ends timed snoozes when their time comes, and mutes and
// unmutes issues when silences start and end: it sleeps until the
// earliest of those (or a commit that changed one: Store.Edges), then
// does what is due.
func (s *Service) runWaker(ctx context.Context) {
	defer s.wg.Done()
	for {
		wait := wakerIdle
		for what, next := range map[string]func() (time.Time, error){"snooze end": s.Store.NextWake, "silence start or end": s.Store.NextSilenceEdge} {
			at, err := next()
			if err != nil {
				s.log.Error("reading the next "+what, "err", err)
			} else if !at.IsZero() {
				wait = min(wait, max(at.Sub(s.now()), 0))
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.Store.Edges():
			timer.Stop()
			continue
		case <-timer.C:
		}
		if _, err := s.Store.RefreshSilences(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("muting and unmuting for silences that started or ended", "err", err)
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
