package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// Order is the order a walk visits issues in.
type Order int

const (
	// ByDetected is newest detection first (the by_ns index).
	ByDetected Order = iota
	// ByLastSeen is most recently seen first (the by_seen index).
	ByLastSeen
)

// Position is a place in a walk's order: the issue's time in that order
// (detection or last seen) and its id, the larger id first among equal
// times. A walk continues after it.
type Position struct {
	At time.Time
	ID string
}

// Walk is one walk of namespaces' issues in one of the store's orders,
// keys only: the query planner's way to visit candidates in a search's
// order and stop at the page, whatever the number of matches.
type Walk struct {
	Namespaces []string
	Order      Order
	// Admit says which (state, severity, type) tuples to visit; nil
	// visits all. In ByDetected tuples not admitted cost nothing: each
	// is its own range of by_ns.
	Admit func(kite.State, kite.Severity, kite.IssueType) bool
	// After continues after a position; nil starts from the newest.
	After *Position
}

// Candidate is one issue a walk visits.
type Candidate struct {
	Position
	// Tuple, as labels.
	State     kite.State
	Severity  kite.Severity
	IssueType kite.IssueType
}

// Next returns up to n candidates of the walk in its order and advances
// w.After past them; done reports that the walk has visited every issue.
// Each call is one read transaction.
func (s *Store) Next(ctx context.Context, w *Walk, n int) (out []Candidate, done bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	var after []byte
	if w.After != nil {
		id, err := uuid.Parse(w.After.ID)
		if err != nil {
			return nil, false, kite.Invalid("cursor", "Invalid cursor", "the cursor is not one this search returned; start again without it")
		}
		after = append(timeKey(w.After.At), id[:]...)
	}
	admitted := map[tuple]bool{}
	for _, tp := range allTuples() {
		if w.Admit == nil || w.Admit(tp.labels()) {
			admitted[tp] = true
		}
	}
	out = make([]Candidate, 0, n)
	done = true
	visit := func(k []byte, tp tuple) bool {
		if len(out) == n {
			done = false
			return false
		}
		c := Candidate{Position: Position{At: time.Unix(0, int64(be64(k[len(k)-idLen-8:len(k)-idLen]))).UTC(), ID: formatID(k[len(k)-idLen:])}}
		c.State, c.Severity, c.IssueType = tp.labels()
		out = append(out, c)
		return true
	}
	err = s.view(func(tx *bolt.Tx) error {
		if w.Order == ByLastSeen {
			walkSeen(tx, w.Namespaces, admitted, after, visit)
			return nil
		}
		tuples := make([]tuple, 0, len(admitted))
		for tp := range admitted {
			tuples = append(tuples, tp)
		}
		walkNewest(tx, w.Namespaces, tuples, after, visit)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("walk namespaces: %w", err)
	}
	if len(out) > 0 {
		w.After = &out[len(out)-1].Position
	}
	return out, done, nil
}

// allTuples lists every valid (state, severity, type) tuple.
func allTuples() []tuple { return matchingTuples(kite.IssueFilter{}) }

// walkNewest calls visit with the by_ns key and tuple of every issue of
// namespaces whose tuple is one of tuples, newest detectedAt first, from
// the first key below after (a detectedAt(8) id(16) suffix; nil: from the
// newest), until visit returns false. Keys within a tuple's range end with
// detectedAt(8) id(16), so comparing those suffixes orders the merge of
// the ranges.
func walkNewest(tx *bolt.Tx, namespaces []string, tuples []tuple, after []byte, visit func(key []byte, tp tuple) bool) {
	b := tx.Bucket(bucketByNS)
	var heads []*rangeCursor
	for _, ns := range namespaces {
		for _, tp := range tuples {
			if rc := newRangeCursor(b, countKey(ns, tp), after, nil); rc != nil {
				heads = append(heads, rc)
			}
		}
	}
	merge(heads, visit)
}

// walkSeen is walkNewest over by_seen: one range per namespace, whose
// values say each issue's tuple.
func walkSeen(tx *bolt.Tx, namespaces []string, admitted map[tuple]bool, after []byte, visit func(key []byte, tp tuple) bool) {
	b := tx.Bucket(bucketBySeen)
	var heads []*rangeCursor
	for _, ns := range namespaces {
		if rc := newRangeCursor(b, nsPrefix(ns), after, admitted); rc != nil {
			heads = append(heads, rc)
		}
	}
	merge(heads, visit)
}

// merge visits the keys of several ranges in descending order of their
// suffixes (time(8) id(16)).
func merge(heads []*rangeCursor, visit func(key []byte, tp tuple) bool) {
	for len(heads) > 0 {
		best := 0
		for i := 1; i < len(heads); i++ {
			if bytes.Compare(heads[i].suffix(), heads[best].suffix()) > 0 {
				best = i
			}
		}
		if !visit(heads[best].key, heads[best].tuple) {
			return
		}
		if !heads[best].prev() {
			heads = slices.Delete(heads, best, best+1)
		}
	}
}

// rangeCursor walks the keys under one prefix from the last to the first.
// In by_ns the tuple is the prefix's; in by_seen each key's value, and
// admitted (when not nil) skips the keys of other tuples.
type rangeCursor struct {
	c        *bolt.Cursor
	prefix   []byte
	key      []byte
	tuple    tuple
	admitted map[tuple]bool
}

// newRangeCursor places a cursor on the last admitted key under prefix
// that sorts below prefix+below (below nil: the last key under prefix);
// nil when there is none.
func newRangeCursor(b *bolt.Bucket, prefix, below []byte, admitted map[tuple]bool) *rangeCursor {
	rc := &rangeCursor{c: b.Cursor(), prefix: prefix, admitted: admitted}
	if admitted == nil { // a by_ns range: its prefix ends with the tuple
		copy(rc.tuple[:], prefix[len(prefix)-len(rc.tuple):])
	}
	// Seek to the first key at or past the bound, then step back into
	// the range. Without a bound it is the first key past the range: the
	// prefix ends with a byte below 0xff (a type code, or the namespace's
	// terminating 0), so incrementing it gives the range's upper bound.
	upper := bytes.Clone(prefix)
	if below != nil {
		upper = append(upper, below...)
	} else {
		upper[len(upper)-1]++
	}
	var k, v []byte
	if k, _ = rc.c.Seek(upper); k == nil {
		k, v = rc.c.Last()
	} else {
		k, v = rc.c.Prev()
	}
	if !rc.settle(k, v) {
		return nil
	}
	return rc
}

func (rc *rangeCursor) suffix() []byte { return rc.key[len(rc.prefix):] }

func (rc *rangeCursor) prev() bool {
	k, v := rc.c.Prev()
	return rc.settle(k, v)
}

// settle takes k as the cursor's key, or steps further back past keys of
// tuples not admitted; false at the start of the range.
func (rc *rangeCursor) settle(k, v []byte) bool {
	for ; k != nil && bytes.HasPrefix(k, rc.prefix); k, v = rc.c.Prev() {
		if rc.admitted == nil {
			rc.key = k
			return true
		}
		if len(v) == len(rc.tuple) {
			copy(rc.tuple[:], v)
			if rc.admitted[rc.tuple] {
				rc.key = k
				return true
			}
		}
	}
	return false
}

// migrateBySeen fills by_seen from the records (schema 3 -> 4). The keys
// are put in order: bbolt splits a transaction's nodes only at commit, so
// keys put at random places of one growing node cost a copy of it each
// (12 s for 100,000 issues, against well under one in order).
func migrateBySeen(t *txn) error {
	type entry struct{ k, v []byte }
	var es []entry
	err := t.tx.Bucket(bucketIssues).ForEach(func(k, v []byte) error {
		is, err := decodeRecord(k, v)
		if err != nil {
			return fmt.Errorf("issue %x: %w", k, err)
		}
		es = append(es, entry{bySeenKey(is, k), tupleValue(is)})
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
	for _, e := range es {
		if err := t.put(bucketBySeen, e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}
