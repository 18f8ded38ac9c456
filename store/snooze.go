package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// wakeKey orders timed snoozes by their end: the waker reads from the
// start of the bucket up to now.
func wakeKey(until time.Time, id []byte) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(until.UnixNano())) //nolint:gosec // stored times are after 1970
	return append(k, id...)
}

// Snooze implements kite.Snoozer: a new snooze replaces the one before.
func (s *Store) Snooze(ctx context.Context, id string, r kite.SnoozeRequest, actor string) (*kite.Issue, error) {
	actor, err := actorName(actor)
	if err != nil {
		return nil, err
	}
	return s.triage(ctx, id, func(t *txn, _ []byte, is *kite.Issue) (*kite.Event, error) {
		if err := r.Check(t.now); err != nil {
			return nil, err
		}
		if is.State == kite.StateResolved {
			return nil, kite.Errorf(kite.ECONFLICT, "a resolved issue cannot be snoozed")
		}
		z := &kite.Snooze{Escalating: r.Escalating, Severity: is.Severity, By: actor, At: t.now}
		if r.Until != nil {
			until := r.Until.UTC()
			z.Until = &until
		}
		if r.Occurrences > 0 {
			z.UntilOccurrences = is.Occurrences + r.Occurrences
		}
		is.Snooze = z
		return &kite.Event{Kind: kite.EventSnoozed, Actor: actor, Message: z.String()}, nil
	})
}

// Unsnooze implements kite.Snoozer.
func (s *Store) Unsnooze(ctx context.Context, id, actor string) (*kite.Issue, error) {
	actor, err := actorName(actor)
	if err != nil {
		return nil, err
	}
	return s.triage(ctx, id, func(_ *txn, _ []byte, is *kite.Issue) (*kite.Event, error) {
		if is.Snooze == nil {
			return nil, nil
		}
		is.Snooze = nil
		return &kite.Event{Kind: kite.EventUnsnoozed, Actor: actor}, nil
	})
}

// wake ends the snooze of is (just saved) when one of its conditions has
// come, as a change of its own; it returns the woken issue, or nil.
//
// reported is the severity a report gave, which may differ from the issue's
// when a person pinned it.
func (t *txn) wake(id []byte, is *kite.Issue, reported kite.Severity) (*kite.Issue, error) {
	if is.Snooze == nil {
		return nil, nil
	}
	why := is.Snooze.Wakes(is, reported, t.now)
	if why == "" {
		return nil, nil
	}
	woken := cloneIssue(is)
	woken.Snooze = nil
	return woken, t.saveIssue(id, is, woken, kite.Event{Kind: kite.EventWoke, Actor: kite.ActorKite, Message: "snooze ended: " + why})
}

// MaxWakes bounds the issues one WakeDue transaction wakes, so that a
// backlog never makes one long write.
const MaxWakes = 500

// WakeDue wakes the issues whose snooze time has come by now, up to
// MaxWakes; it returns how many it woke (call again while it is MaxWakes).
func (s *Store) WakeDue(ctx context.Context) (int, error) {
	n := 0
	err := s.update(ctx, func(t *txn) error {
		n = 0
		end := wakeKey(t.now, nil)
		c := t.tx.Bucket(bucketWakes).Cursor()
		var due [][]byte
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) <= 0 && len(due) < MaxWakes; k, _ = c.Next() {
			due = append(due, bytes.Clone(k[8:]))
		}
		for _, id := range due {
			is, err := t.mustLoad(id)
			if err != nil {
				return err
			}
			woken, err := t.wake(id, is, is.Severity)
			if err != nil {
				return err
			}
			if woken != nil {
				n++
			}
		}
		return nil
	})
	return n, err
}

// NextWake is when the earliest timed snooze ends, zero when none is set.
func (s *Store) NextWake() (time.Time, error) {
	var next time.Time
	err := s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketWakes).Cursor().First(); len(k) >= 8 {
			next = time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC() //nolint:gosec // written from UnixNano
		}
		return nil
	})
	return next, err
}
