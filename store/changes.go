package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// Change is an entry of the change log with the issue's current record:
// nil when the issue no longer exists.
type Change struct {
	Rev   uint64
	ID    string
	Issue *kite.Issue
}

// ErrChangesPruned says the change log no longer reaches back to the
// revision asked for: a reader that far behind must start over from the
// records.
var ErrChangesPruned = errors.New("the change log was pruned past the requested revision")

// keyPruned in meta is the highest revision pruned from the change log.
var keyPruned = []byte("pruned")

// logEntry is one change log entry: what was done (opPut, opDelete) to
// which issue, and for a deletion the issue's namespace.
type logEntry struct {
	rev uint64
	op  byte
	id  []byte
	ns  string
}

// readLog reads the change log after revision after, at most max entries,
// in one read transaction, calling fn with each; it returns the revision
// of the last entry read (after itself when there is nothing new).
func (s *Store) readLog(ctx context.Context, after uint64, max int, fn func(tx *bolt.Tx, e logEntry) error) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return after, err
	}
	last := after
	err := s.view(func(tx *bolt.Tx) error {
		if be64(tx.Bucket(bucketMeta).Get(keyPruned)) > after {
			return ErrChangesPruned
		}
		c := tx.Bucket(bucketChanges).Cursor()
		n := 0
		for k, v := c.Seek(u64(after + 1)); k != nil && n < max; k, v = c.Next() {
			n++
			last = be64(k)
			if len(v) < 1+idLen {
				continue
			}
			if err := fn(tx, logEntry{rev: last, op: v[0], id: v[1 : 1+idLen], ns: string(v[1+idLen:])}); err != nil {
				return err
			}
		}
		return nil
	})
	return last, err
}

// Changes returns the issues changed after revision after, up to max log
// entries, each issue once with its current record, and the revision of
// the last entry read (after itself when there is nothing new).
func (s *Store) Changes(ctx context.Context, after uint64, max int) ([]Change, uint64, error) {
	var out []Change
	seen := map[string]bool{}
	last, err := s.readLog(ctx, after, max, func(tx *bolt.Tx, e logEntry) error {
		if seen[string(e.id)] {
			return nil
		}
		seen[string(e.id)] = true
		is, err := loadIssue(tx, e.id)
		if err != nil {
			return err
		}
		out = append(out, Change{Rev: e.rev, ID: formatID(e.id), Issue: is})
		return nil
	})
	return out, last, err
}

// Log returns the change log after revision after, up to max entries, in
// order: each entry with what it did (from the issue's timeline event of
// that revision) and the issue's current record. An entry whose issue was
// deleted since is left out: its deletion follows. last is the revision of
// the last entry read (after itself when there is nothing new).
func (s *Store) Log(ctx context.Context, after uint64, max int) (changes []kite.IssueChange, last uint64, err error) {
	last, err = s.readLog(ctx, after, max, func(tx *bolt.Tx, e logEntry) error {
		ch := kite.IssueChange{Rev: e.rev, ID: formatID(e.id)}
		if e.op == opDelete {
			ch.Kind, ch.Namespace = kite.ChangeDeleted, e.ns
			changes = append(changes, ch)
			return nil
		}
		is, err := loadIssue(tx, e.id)
		if err != nil || is == nil {
			return err
		}
		ch.Kind, ch.Namespace, ch.Issue = kite.ChangeUpdated, is.Namespace, is
		if raw := tx.Bucket(bucketEvents).Get(eventKey(e.id, e.rev)); raw != nil {
			var ev kite.Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				return fmt.Errorf("decode event: %w", err)
			}
			ch.Kind = kite.ChangeOf(ev.Kind)
		}
		changes = append(changes, ch)
		return nil
	})
	return changes, last, err
}

// PruneChanges deletes the change log up to and including revision upTo.
func (s *Store) PruneChanges(ctx context.Context, upTo uint64) error {
	return s.update(ctx, func(t *txn) error {
		meta := t.tx.Bucket(bucketMeta)
		if be64(meta.Get(keyPruned)) >= upTo {
			return nil
		}
		var keys [][]byte
		c := t.tx.Bucket(bucketChanges).Cursor()
		for k, _ := c.First(); k != nil && be64(k) <= upTo; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := t.del(bucketChanges, k); err != nil {
				return err
			}
		}
		return t.put(bucketMeta, keyPruned, u64(upTo))
	})
}

// ScanIssues calls fn with every issue, in id order, batch issues at a
// time. Each batch is read in its own transaction so that a long scan never
// holds one open (which would stall writers that need the file to grow);
// an issue changed during the scan may appear in its older or newer form.
func (s *Store) ScanIssues(ctx context.Context, batch int, fn func([]*kite.Issue) error) error {
	var from []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var page []*kite.Issue
		err := s.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketIssues).Cursor()
			k, v := c.First()
			if from != nil {
				if k, v = c.Seek(from); k != nil && bytes.Equal(k, from) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(page) < batch; k, v = c.Next() {
				is, err := decodeRecord(k, v)
				if err != nil {
					return err
				}
				page = append(page, is)
				from = bytes.Clone(k)
			}
			return nil
		})
		if err != nil || len(page) == 0 {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
	}
}

// Count returns how many issues the store holds, from the counters.
func (s *Store) Count() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCounts).ForEach(func(_, v []byte) error {
			n += int(be64(v))
			return nil
		})
	})
	return n, err
}

// GetIssues returns the issues with the given ids, with their relations,
// in the order asked; ids that do not exist (any more) are left out.
func (s *Store) GetIssues(ctx context.Context, ids []string) ([]*kite.Issue, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]*kite.Issue, 0, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		for _, id := range ids {
			key, err := parseID(id)
			if err != nil {
				continue
			}
			is, err := loadIssue(tx, key)
			if err != nil {
				return err
			}
			if is == nil {
				continue
			}
			if err := joinRelations(tx, key, is); err != nil {
				return err
			}
			out = append(out, is)
		}
		return nil
	})
	return out, err
}

// TupleCount is how many issues of a namespace have one state, severity
// and issue type.
type TupleCount struct {
	Namespace string
	State     kite.State
	Severity  kite.Severity
	IssueType kite.IssueType
	Count     int
}

// Counts returns the issue counters of the given namespaces: exact counts
// by state, severity and type, read without touching any record.
func (s *Store) Counts(ctx context.Context, namespaces []string) ([]TupleCount, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []TupleCount
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCounts).Cursor()
		for _, ns := range namespaces {
			prefix := nsPrefix(ns)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				_, tp, ok := splitCountKey(k)
				if !ok {
					continue
				}
				st, sv, ty := tp.labels()
				out = append(out, TupleCount{Namespace: ns, State: st, Severity: sv, IssueType: ty, Count: int(be64(v))})
			}
		}
		return nil
	})
	return out, err
}

// Namespaces implements kite.NamespaceLister from the counters, in name
// order.
func (s *Store) Namespaces(ctx context.Context) ([]kite.NamespaceCount, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []kite.NamespaceCount{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			ns, tp, ok := splitCountKey(k)
			if !ok || be64(v) == 0 {
				return nil
			}
			if len(out) == 0 || out[len(out)-1].Namespace != ns {
				out = append(out, kite.NamespaceCount{Namespace: ns})
			}
			n := int(be64(v)) //nolint:gosec // a count of issues
			out[len(out)-1].Issues += n
			if st, _, _ := tp.labels(); st == kite.StateActive {
				out[len(out)-1].Active += n
			}
			return nil
		})
	})
	return out, err
}
