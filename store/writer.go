package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// writeOp is one caller's write. fn runs inside a transaction shared with
// other callers' writes and must assign (not accumulate) its results, since
// it may run a second time alone if the shared transaction fails.
type writeOp struct {
	fn   func(*txn) error
	done chan error
}

// update queues fn for the writer and waits for its commit. The error is
// fn's own, or the commit's.
func (s *Store) update(ctx context.Context, fn func(*txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &writeOp{fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	s.ops <- op
	s.mu.RUnlock()
	// Once queued, the write may commit: wait for the verdict even if the
	// caller gives up, so an acknowledged write is never reported failed.
	return <-op.done
}

// runWriter is the only goroutine that writes. It takes whatever writes are
// queued (up to maxBatch), runs them in one transaction and commits once:
// under load a commit carries many writes, idle it carries one, and nobody
// waits on a timer.
func (s *Store) runWriter() {
	defer s.wg.Done()
	batch := make([]*writeOp, 0, s.maxBatch)
	for first := range s.ops {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < s.maxBatch {
			select {
			case op, ok := <-s.ops:
				if !ok {
					break drain
				}
				batch = append(batch, op)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// errOpFailed aborts a shared transaction in which one write failed after it
// had changed something; the others are then retried one by one.
var errOpFailed = errors.New("a write in the batch failed after modifying the transaction")

func (s *Store) commit(batch []*writeOp) {
	start := time.Now()
	results := make([]error, len(batch))
	var t *txn
	err := s.db.Update(func(tx *bolt.Tx) error {
		t = newTxn(tx, s.now())
		t.queries = &s.queries
		t.subscriptions = &s.subscriptions
		for i, op := range batch {
			t.dirty = false
			if err := op.fn(t); err != nil {
				if t.dirty {
					results[i] = err
					return errOpFailed
				}
				// The write failed before it changed anything (not found,
				// conflict, ...): fail it alone, keep the batch.
				results[i] = err
			}
		}
		return t.finish()
	})
	if err == nil {
		s.wrote()
		if t.edges || t.silenceWritten {
			select {
			case s.edges <- struct{}{}:
			default:
			}
		}
		if t.notify || t.subsWritten {
			select {
			case s.notifyEdges <- struct{}{}:
			default: // one is pending already
			}
		}
		s.metrics.notifyDropped.Add(float64(t.dropped))
		s.metrics.observeCommit(time.Since(start), len(batch))
		s.applyCounts(t.counts)
		if t.revSet && s.onCommit != nil {
			s.onCommit(t.rev)
		}
		for i, op := range batch {
			op.done <- results[i]
		}
		return
	}
	switch {
	case errors.Is(err, errOpFailed) && len(batch) == 1:
		batch[0].done <- results[0]
	case errors.Is(err, errOpFailed):
		// One write failed midway: the others may well commit alone.
		for _, op := range batch {
			s.commit([]*writeOp{op})
		}
	default:
		// The commit itself failed (I/O): it fails every write in it,
		// and retrying them one by one would only fail them again.
		s.metrics.commitErrors.Inc()
		if isNoSpace(err) {
			err = s.noSpace(err)
		} else {
			s.log.Error("commit failed", "err", err)
			err = fmt.Errorf("commit: %w", err)
		}
		for _, op := range batch {
			op.done <- err
		}
	}
}

// txn is the state of one write transaction: the bbolt tx, the clock, the
// revision counter and the counter deltas to publish after commit.
type txn struct {
	tx     *bolt.Tx
	now    time.Time
	rev    uint64
	revSet bool
	counts map[string]int64 // countKey -> delta, applied to gauges after commit
	dirty  bool
	// silences are the active silences, read at the first issue write;
	// queries is the store's cache of their parsed queries.
	silences       activeSilences
	queries        *silenceQueries
	silenceWritten bool
	// edges is set when the transaction changed when a snooze or a
	// silence starts or ends, which the service's waker waits for.
	edges bool
	// subscriptions is the store's cache of parsed subscriptions;
	// subsWritten is set once the transaction wrote one (notify.go).
	subscriptions *subscriptionCache
	subsWritten   bool
	// notify is set when the notifier has work from this transaction:
	// webhook notifications queued, an issue an Alertmanager subscription
	// follows changed, a subscription created or deleted; dropped counts
	// notifications a full outbox refused.
	notify  bool
	dropped int
}

// appendFill is the split threshold of buckets whose keys mostly arrive in
// order (time-ordered ids, revisions). bbolt splits at 50% by default, which
// leaves append-only pages half empty: twice the file, twice the resident
// mapping. Random-keyed indexes keep the default.
var appendFill = map[string]float64{
	string(bucketIssues):  0.95,
	string(bucketEvents):  0.9,
	string(bucketChanges): 1.0,
	// Each namespace's range grows at its end (a new lastSeen); the
	// keys a sighting leaves behind are deleted, and bbolt merges pages
	// that fall under a quarter full.
	string(bucketBySeen): 0.9,
}

func newTxn(tx *bolt.Tx, now time.Time) *txn {
	for name, fill := range appendFill {
		tx.Bucket([]byte(name)).FillPercent = fill
	}
	return &txn{
		tx:     tx,
		now:    now,
		rev:    be64(tx.Bucket(bucketMeta).Get(keyRev)),
		counts: map[string]int64{},
	}
}

// nextRev returns a new revision for a change in this transaction. Taking
// one changes the transaction: a write that fails after it must abort the
// batch, or the revision counter would skip a number the change log lacks.
func (t *txn) nextRev() uint64 {
	t.dirty = true
	t.rev++
	t.revSet = true
	return t.rev
}

// finish writes the revision counter once for the whole transaction.
func (t *txn) finish() error {
	if !t.revSet {
		return nil
	}
	return t.tx.Bucket(bucketMeta).Put(keyRev, u64(t.rev))
}

func (t *txn) put(bucket, k, v []byte) error {
	t.dirty = true
	if err := t.tx.Bucket(bucket).Put(k, v); err != nil {
		return fmt.Errorf("put %s: %w", bucket, err)
	}
	return nil
}

func (t *txn) del(bucket, k []byte) error {
	t.dirty = true
	if err := t.tx.Bucket(bucket).Delete(k); err != nil {
		return fmt.Errorf("delete %s: %w", bucket, err)
	}
	return nil
}

// Change log operations: the first byte of a change entry, followed by the
// 16-byte id of the issue the revision touched and, for a deletion, the
// issue's namespace (the record is gone; the event stream filters on it).
const (
	opPut    byte = 'p'
	opDelete byte = 'd'
)

func (t *txn) logChange(rev uint64, id []byte, op byte, ns string) error {
	v := append([]byte{op}, id...)
	if op == opDelete {
		v = append(v, ns...)
	}
	return t.put(bucketChanges, u64(rev), v)
}

func (t *txn) addEvent(id []byte, rev uint64, ev kite.Event) error {
	ev.Rev, ev.Time = rev, t.now
	v, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return t.put(bucketEvents, eventKey(id, rev), v)
}
