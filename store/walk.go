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

// Position is a place in the newest-first order of detection (ties: the
// larger id first): a walk continues after it.
type Position struct {
	DetectedAt time.Time
	ID         string
}

// Walk is one walk of namespaces' issues newest detection first, keys only:
// the query planner's way to visit candidates in a search's default order
// and stop at the page, whatever the number of matches.
type Walk struct {
	Namespaces []string
	// Admit says which (state, severity, type) tuples to visit; nil
	// visits all. Tuples not admitted cost nothing: each is its own
	// range of by_ns.
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

// NextNewest returns up to n candidates of the walk, newest first, and
// advances w.After past them; done reports that the walk has visited
// every issue. Each call is one read transaction.
func (s *Store) NextNewest(ctx context.Context, w *Walk, n int) (out []Candidate, done bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	var after []byte
	if w.After != nil {
		id, err := uuid.Parse(w.After.ID)
		if err != nil {
			return nil, false, kite.Invalid("cursor", "Invalid cursor", "the cursor is not one this search returned; start again without it")
		}
		after = append(timeKey(w.After.DetectedAt), id[:]...)
	}
	var tuples []tuple
	for _, tp := range allTuples() {
		if w.Admit == nil || w.Admit(tp.labels()) {
			tuples = append(tuples, tp)
		}
	}
	out = make([]Candidate, 0, n)
	done = true
	err = s.view(func(tx *bolt.Tx) error {
		walkNewest(tx, w.Namespaces, tuples, after, func(k []byte, tp tuple) bool {
			if len(out) == n {
				done = false
				return false
			}
			c := Candidate{Position: Position{DetectedAt: time.Unix(0, int64(be64(k[len(k)-idLen-8:len(k)-idLen]))).UTC(), ID: formatID(k[len(k)-idLen:])}}
			c.State, c.Severity, c.IssueType = tp.labels()
			out = append(out, c)
			return true
		})
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
			if rc := newRangeCursor(b, countKey(ns, tp), after); rc != nil {
				rc.tuple = tp
				heads = append(heads, rc)
			}
		}
	}
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
type rangeCursor struct {
	c      *bolt.Cursor
	prefix []byte
	key    []byte
	tuple  tuple
}

// newRangeCursor places a cursor on the last key under prefix that sorts
// below prefix+below (below nil: the last key under prefix); nil when
// there is none.
func newRangeCursor(b *bolt.Bucket, prefix, below []byte) *rangeCursor {
	rc := &rangeCursor{c: b.Cursor(), prefix: prefix}
	// Seek to the first key at or past the bound, then step back into
	// the range. Without a bound it is the first key past the range: the
	// prefix ends with a type code below 0xff, so incrementing its last
	// byte gives the range's upper bound.
	upper := bytes.Clone(prefix)
	if below != nil {
		upper = append(upper, below...)
	} else {
		upper[len(upper)-1]++
	}
	k, _ := rc.c.Seek(upper)
	if k == nil {
		k, _ = rc.c.Last()
	} else {
		k, _ = rc.c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil
	}
	rc.key = k
	return rc
}

func (rc *rangeCursor) suffix() []byte { return rc.key[len(rc.prefix):] }

func (rc *rangeCursor) prev() bool {
	k, _ := rc.c.Prev()
	if k == nil || !bytes.HasPrefix(k, rc.prefix) {
		return false
	}
	rc.key = k
	return true
}
