package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/konflux-ci/kite"
)

// ledgerRuns is how many runs a scope's ledger remembers. A run older than
// all of them, once the ledger is full, is too old to tell apart from one
// already applied and is treated as stale: it could not change the scope's
// state anyway, since newer runs have been applied since.
const ledgerRuns = 32

// ledger is what the store remembers of a scope's runs (kite.Run): the
// newest success applied and the newest runs seen, so that each run is
// applied once and an old failure does not undo a newer success.
type ledger struct {
	lastSuccess time.Time
	runs        []ledgerRun // oldest first
}

type ledgerRun struct {
	id string
	at time.Time
}

// admitRun decides whether a report or resolution carrying run may change
// the scope at key, and records the run as seen either way. ok false comes
// with the outcome that says why not.
func (t *txn) admitRun(key []byte, run *kite.Run, success bool) (ok bool, why kite.Outcome, err error) {
	l, err := t.loadLedger(key)
	if err != nil {
		return false, "", err
	}
	if slices.ContainsFunc(l.runs, func(r ledgerRun) bool { return r.id == run.ID }) {
		return false, kite.OutcomeDuplicate, nil
	}
	if len(l.runs) == ledgerRuns && run.CompletedAt.Before(l.runs[0].at) {
		return false, kite.OutcomeStale, nil
	}
	i, _ := slices.BinarySearchFunc(l.runs, run.CompletedAt, func(r ledgerRun, at time.Time) int { return r.at.Compare(at) })
	l.runs = slices.Insert(l.runs, i, ledgerRun{id: run.ID, at: run.CompletedAt})
	if len(l.runs) > ledgerRuns {
		l.runs = l.runs[1:]
	}
	stale := !success && !run.CompletedAt.After(l.lastSuccess)
	if success && run.CompletedAt.After(l.lastSuccess) {
		l.lastSuccess = run.CompletedAt
	}
	if err := t.put(bucketRuns, key, l.encode()); err != nil {
		return false, "", err
	}
	if stale {
		return false, kite.OutcomeStale, nil
	}
	return true, "", nil
}

func (t *txn) loadLedger(key []byte) (*ledger, error) {
	v := t.tx.Bucket(bucketRuns).Get(key)
	if v == nil {
		return &ledger{}, nil
	}
	l, err := decodeLedger(v)
	if err != nil {
		return nil, fmt.Errorf("run ledger %q: %w", key, err)
	}
	return l, nil
}

// encode: version(1), lastSuccess unix nanos (varint, 0 for none), count
// (varint), then per run: unix nanos (varint), id length (varint), id.
func (l *ledger) encode() []byte {
	b := []byte{1}
	b = binary.AppendVarint(b, nanos(l.lastSuccess))
	b = binary.AppendUvarint(b, uint64(len(l.runs)))
	for _, r := range l.runs {
		b = binary.AppendVarint(b, nanos(r.at))
		b = binary.AppendUvarint(b, uint64(len(r.id)))
		b = append(b, r.id...)
	}
	return b
}

func decodeLedger(b []byte) (*ledger, error) {
	bad := errors.New("malformed run ledger")
	if len(b) == 0 || b[0] != 1 {
		return nil, bad
	}
	b = b[1:]
	next := func() (int64, bool) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	last, ok := next()
	if !ok {
		return nil, bad
	}
	count, n := binary.Uvarint(b)
	if n <= 0 || count > ledgerRuns {
		return nil, bad
	}
	b = b[n:]
	l := &ledger{lastSuccess: fromNanos(last), runs: make([]ledgerRun, 0, count)}
	for range count {
		at, ok := next()
		if !ok {
			return nil, bad
		}
		size, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < size {
			return nil, bad
		}
		l.runs = append(l.runs, ledgerRun{id: string(b[n : n+int(size)]), at: fromNanos(at)})
		b = b[n+int(size):]
	}
	if len(b) != 0 {
		return nil, bad
	}
	return l, nil
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
