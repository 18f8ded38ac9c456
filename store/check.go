package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxProblems bounds the report of a badly damaged file.
const maxProblems = 20

// Check verifies the file's derived data against its records: every index
// key, fingerprint and counter is recomputed from the issues and compared
// both ways; timeline events and relations must point at existing issues;
// the revision counter must cover every record and change. It also runs
// bbolt's own page consistency check. It returns nil or an error listing
// the first problems found.
//
// It runs in the writer's turn, like a write that changes nothing: bbolt's
// page check reads the freelist, which a concurrent commit may be changing.
func (s *Store) Check() error {
	return s.update(context.Background(), func(t *txn) error {
		c := &checker{tx: t.tx}
		c.run()
		if len(c.problems) == 0 {
			return nil
		}
		return fmt.Errorf("store check found %d problem(s): %w", c.count, errors.Join(c.problems...))
	})
}

type checker struct {
	tx       *bolt.Tx
	problems []error
	count    int
}

func (c *checker) fail(format string, args ...any) {
	c.count++
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Errorf(format, args...))
	}
}

func (c *checker) run() {
	for err := range c.tx.Check() {
		c.fail("bbolt: %v", err)
	}
	expected := map[string]map[string][]byte{}
	for _, b := range [][]byte{bucketByNS, bucketBySeen, bucketByScope, bucketFP, bucketCounts, bucketWakes} {
		expected[string(b)] = map[string][]byte{}
	}
	rev := be64(c.tx.Bucket(bucketMeta).Get(keyRev))
	comments := map[string]int{} // issue key -> the count its record holds
	_ = c.tx.Bucket(bucketIssues).ForEach(func(k, v []byte) error {
		is, err := decodeRecord(k, v)
		if err != nil {
			c.fail("issue %x: %v", k, err)
			return nil
		}
		if len(k) != idLen {
			c.fail("issue key %x is not an id", k)
		}
		if is.Rev > rev {
			c.fail("issue %s has rev %d beyond the store's %d", is.ID, is.Rev, rev)
		}
		if !tupleOf(is).valid() {
			c.fail("issue %s has invalid state/severity/type %s/%s/%s", is.ID, is.State, is.Severity, is.IssueType)
			return nil
		}
		for _, e := range indexEntries(is, k) {
			m := expected[string(e.bucket)]
			if _, dup := m[string(e.key)]; dup {
				c.fail("issue %s: %s key %q is claimed by two issues", is.ID, e.bucket, e.key)
			}
			m[string(e.key)] = e.value
		}
		ck := string(countKey(is.Namespace, tupleOf(is)))
		expected[string(bucketCounts)][ck] = u64(be64(expected[string(bucketCounts)][ck]) + 1)
		comments[string(k)] = is.Comments
		for _, sid := range is.Muted {
			if key, err := parseID(sid); err != nil || c.tx.Bucket(bucketSilence).Get(key) == nil {
				c.fail("issue %s is muted by silence %s, which does not exist", is.ID, sid)
			}
		}
		return nil
	})
	c.checkComments(comments)
	for name, want := range expected {
		c.compareBucket([]byte(name), want)
	}
	c.checkOwned(bucketEvents, "timeline event")
	c.checkOwned(bucketNotified, "notification record")
	c.checkRelations()
	c.checkSubscriptions()
	_ = c.tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
		if _, err := decodeLedger(v); err != nil {
			c.fail("scope %q: %v", k, err)
		}
		return nil
	})
	_ = c.tx.Bucket(bucketRunIDs).ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			c.fail("run id %q: first-seen time has %d bytes", k, len(v))
		}
		return nil
	})
	if k, _ := c.tx.Bucket(bucketChanges).Cursor().Last(); k != nil && be64(k) != rev {
		c.fail("change log ends at rev %d but the store is at %d", be64(k), rev)
	}
}

// compareBucket reports keys missing from, extra in, or different in bucket.
func (c *checker) compareBucket(name []byte, want map[string][]byte) {
	seen := 0
	_ = c.tx.Bucket(name).ForEach(func(k, v []byte) error {
		w, ok := want[string(k)]
		switch {
		case !ok:
			c.fail("%s has stray key %q", name, k)
		case !bytes.Equal(w, v):
			c.fail("%s key %q holds %x, records say %x", name, k, v, w)
		default:
			seen++
		}
		return nil
	})
	if seen != len(want) {
		c.fail("%s lacks %d key(s) the records need", name, len(want)-seen)
	}
}

// checkComments compares each issue's comment count with its comments and
// reports comments of no issue and comments that do not decode.
func (c *checker) checkComments(want map[string]int) {
	have := map[string]int{}
	_ = c.tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
		if _, err := decodeComment(k, v); err != nil {
			c.fail("%v", err)
			return nil
		}
		if _, ok := want[string(k[:idLen])]; !ok {
			c.fail("comment %x belongs to no issue", k)
			return nil
		}
		have[string(k[:idLen])]++
		return nil
	})
	for k, n := range want {
		if have[k] != n {
			c.fail("issue %s counts %d comment(s) and has %d", formatID([]byte(k)), n, have[k])
		}
	}
}

// checkOwned reports entries whose leading issue id has no record.
func (c *checker) checkOwned(name []byte, what string) {
	issues := c.tx.Bucket(bucketIssues)
	_ = c.tx.Bucket(name).ForEach(func(k, _ []byte) error {
		if len(k) < idLen || issues.Get(k[:idLen]) == nil {
			c.fail("%s %x belongs to no issue", what, k)
		}
		return nil
	})
}

func (c *checker) checkRelations() {
	issues := c.tx.Bucket(bucketIssues)
	rel, rev := c.tx.Bucket(bucketRel), c.tx.Bucket(bucketRelRev)
	_ = rel.ForEach(func(k, _ []byte) error {
		if len(k) != 2*idLen || issues.Get(k[:idLen]) == nil || issues.Get(k[idLen:]) == nil {
			c.fail("relation %x joins a missing issue", k)
			return nil
		}
		if rev.Get(pairKey(k[idLen:], k[:idLen])) == nil {
			c.fail("relation %x has no reverse entry", k)
		}
		return nil
	})
	_ = rev.ForEach(func(k, _ []byte) error {
		if len(k) != 2*idLen || rel.Get(pairKey(k[idLen:], k[:idLen])) == nil {
			c.fail("reverse relation %x has no forward entry", k)
		}
		return nil
	})
}

// checkSubscriptions reports subscriptions that do not decode, outbox,
// delivery and alert entries of no subscription, and outbox counts that
// differ from the entries.
func (c *checker) checkSubscriptions() {
	subs := c.tx.Bucket(bucketSubs)
	_ = subs.ForEach(func(k, v []byte) error {
		var rec subscriptionRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			c.fail("subscription %x: %v", k, err)
		}
		return nil
	})
	waiting := map[string]uint64{}
	for _, b := range []struct {
		name []byte
		what string
	}{{bucketOutbox, "outbox entry"}, {bucketDeliveries, "delivery"}, {bucketFiring, "alert"}, {bucketOutboxN, "outbox count"}} {
		_ = c.tx.Bucket(b.name).ForEach(func(k, _ []byte) error {
			if len(k) < idLen || subs.Get(k[:idLen]) == nil {
				c.fail("%s %x belongs to no subscription", b.what, k)
			} else if b.what == "outbox entry" {
				waiting[string(k[:idLen])]++
			}
			return nil
		})
	}
	_ = subs.ForEach(func(k, _ []byte) error {
		if n := be64(c.tx.Bucket(bucketOutboxN).Get(k)); n != waiting[string(k)] {
			c.fail("subscription %s counts %d waiting notification(s) and has %d", formatID(k), n, waiting[string(k)])
		}
		return nil
	})
}
