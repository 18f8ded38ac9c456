package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/konflux-ci/kite"
)

// Runs are applied once per scope (kite.Run). Two buckets remember them:
//
//   - run_ids holds every run id applied to a scope (scope prefix + id ->
//     when it was first seen). A run seen again is a no-op whether or not
//     its sender knows the completion time: the original bridge operator
//     re-sends every completed PipelineRun on restart with its runId and
//     no completedAt, and those re-sends must neither reopen nor count.
//     The set is pruned by age (PruneRuns), not by count, so a busy
//     pipeline with hundreds of retained runs is remembered whole.
//   - runs holds a scope's ledger: the completion time of the newest
//     success applied, so that a failure that completed before it is stale.
//
// A run without a completion time is ordered by when Kite first sees it.

// ledgerVersion is the encoding of a runs value: version(1), then the
// newest success's unix nanos (varint). Version 1 also listed the newest 32
// run ids; migrateRuns moves those into run_ids.
const ledgerVersion = 2

// admitRun decides whether a report or resolution carrying run may change
// the scope at key, and records the run as seen either way. ok false comes
// with the outcome that says why not.
func (t *txn) admitRun(key []byte, run *kite.Run, success bool) (ok bool, why kite.Outcome, err error) {
	idKey := append(bytes.Clone(key), run.ID...)
	if t.tx.Bucket(bucketRunIDs).Get(idKey) != nil {
		return false, kite.OutcomeDuplicate, nil
	}
	if err := t.put(bucketRunIDs, idKey, timeKey(t.now)); err != nil {
		return false, "", err
	}
	at := run.CompletedAt
	if at.IsZero() {
		at = t.now
	}
	lastSuccess, err := t.lastSuccess(key)
	if err != nil {
		return false, "", err
	}
	if !success {
		if !at.After(lastSuccess) {
			return false, kite.OutcomeStale, nil
		}
		return true, "", nil
	}
	if at.After(lastSuccess) {
		if err := t.put(bucketRuns, key, encodeLedger(at)); err != nil {
			return false, "", err
		}
	}
	return true, "", nil
}

// lastSuccess is the completion time of the newest success applied to the
// scope at key, zero when none was.
func (t *txn) lastSuccess(key []byte) (time.Time, error) {
	v := t.tx.Bucket(bucketRuns).Get(key)
	if v == nil {
		return time.Time{}, nil
	}
	at, err := decodeLedger(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("run ledger %q: %w", key, err)
	}
	return at, nil
}

func encodeLedger(lastSuccess time.Time) []byte {
	return binary.AppendVarint([]byte{ledgerVersion}, nanos(lastSuccess))
}

var errBadLedger = errors.New("malformed run ledger")

func decodeLedger(b []byte) (time.Time, error) {
	if len(b) == 0 || b[0] != ledgerVersion {
		return time.Time{}, errBadLedger
	}
	v, n := binary.Varint(b[1:])
	if n <= 0 || 1+n != len(b) {
		return time.Time{}, errBadLedger
	}
	return fromNanos(v), nil
}

// migrateRuns rewrites schema 1's ledgers (the newest success and the
// newest 32 runs of a scope) as run_ids entries and a version 2 ledger.
func migrateRuns(t *txn) error {
	type entry struct{ k, v []byte }
	var ids, ledgers []entry
	err := t.tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
		last, runs, err := decodeLedgerV1(v)
		if err != nil {
			return fmt.Errorf("run ledger %q: %w", k, err)
		}
		for _, r := range runs {
			ids = append(ids, entry{append(bytes.Clone(k), r.id...), timeKey(r.at)})
		}
		// A scope that never succeeded needs no ledger (nil: delete).
		var ledger []byte
		if !last.IsZero() {
			ledger = encodeLedger(last)
		}
		ledgers = append(ledgers, entry{bytes.Clone(k), ledger})
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range ids {
		if err := t.put(bucketRunIDs, e.k, e.v); err != nil {
			return err
		}
	}
	for _, e := range ledgers {
		if e.v == nil {
			err = t.del(bucketRuns, e.k)
		} else {
			err = t.put(bucketRuns, e.k, e.v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type ledgerRunV1 struct {
	id string
	at time.Time
}

// decodeLedgerV1 reads schema 1's ledger: version 1, lastSuccess (varint
// nanos, 0 for none), count (uvarint), then per run: nanos (varint), id
// length (uvarint), id.
func decodeLedgerV1(b []byte) (time.Time, []ledgerRunV1, error) {
	if len(b) == 0 || b[0] != 1 {
		return time.Time{}, nil, errBadLedger
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
		return time.Time{}, nil, errBadLedger
	}
	count, n := binary.Uvarint(b)
	if n <= 0 || count > 32 {
		return time.Time{}, nil, errBadLedger
	}
	b = b[n:]
	runs := make([]ledgerRunV1, 0, count)
	for range count {
		at, ok := next()
		if !ok {
			return time.Time{}, nil, errBadLedger
		}
		size, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < size {
			return time.Time{}, nil, errBadLedger
		}
		runs = append(runs, ledgerRunV1{id: string(b[n : n+int(size)]), at: fromNanos(at)})
		b = b[n+int(size):]
	}
	if len(b) != 0 {
		return time.Time{}, nil, errBadLedger
	}
	return fromNanos(last), runs, nil
}

// pruneRunsBatch bounds how many run ids one pruning transaction visits, so
// that pruning a large set never holds the writer for long. A variable for
// tests.
var pruneRunsBatch = 4096

// PruneRuns forgets the run ids first seen before cutoff, in small
// transactions, and returns how many it removed. A run re-sent after its id
// was forgotten counts as a new run, so the cutoff should lie beyond how
// long the cluster keeps completed runs.
func (s *Store) PruneRuns(ctx context.Context, cutoff time.Time) (int, error) {
	total := 0
	limit := uint64(nanos(cutoff))
	var from []byte
	for {
		start := from
		var next [][]byte
		err := s.update(ctx, func(t *txn) error {
			next, from = nil, nil
			c := t.tx.Bucket(bucketRunIDs).Cursor()
			k, v := c.Seek(start)
			for n := 0; k != nil && n < pruneRunsBatch; n++ {
				if be64(v) < limit {
					next = append(next, bytes.Clone(k))
				}
				k, v = c.Next()
			}
			for _, old := range next {
				if err := t.del(bucketRunIDs, old); err != nil {
					return err
				}
			}
			if k != nil {
				from = bytes.Clone(k)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(next)
		if from == nil {
			return total, nil
		}
	}
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
