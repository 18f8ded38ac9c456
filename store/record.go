package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// loadIssue reads one record; nil when absent.
func loadIssue(tx *bolt.Tx, id []byte) (*kite.Issue, error) {
	v := tx.Bucket(bucketIssues).Get(id)
	if v == nil {
		return nil, nil
	}
	return decodeRecord(id, v)
}

func (t *txn) mustLoad(id []byte) (*kite.Issue, error) {
	is, err := loadIssue(t.tx, id)
	if err != nil {
		return nil, err
	}
	if is == nil {
		return nil, errIssueNotFound
	}
	return is, nil
}

// indexEntry is one key an issue owns in a secondary bucket.
type indexEntry struct {
	bucket []byte
	key    []byte
	value  []byte
}

// indexEntries lists every secondary key of an issue. Every write path goes
// through saveIssue/deleteIssue, which diff these lists, and Check
// recomputes them, so the indexes cannot drift from the records.
func indexEntries(is *kite.Issue, id []byte) []indexEntry {
	es := []indexEntry{
		{bucketByNS, byNSKey(is, id), nil},
		{bucketBySeen, bySeenKey(is, id), tupleValue(is)},
		{bucketByScope, byScopeKey(is, id), nil},
		{bucketFP, []byte(is.Fingerprint), id},
	}
	if z := is.Snooze; z != nil && z.Until != nil {
		es = append(es, indexEntry{bucketWakes, wakeKey(*z.Until, id), nil})
	}
	return es
}

// saveIssue writes a new version of an issue (old is nil for a create):
// bumps its revision, updates the record, its index keys and counters, logs
// the change and appends the timeline event that explains it.
func (t *txn) saveIssue(id []byte, old, is *kite.Issue, ev kite.Event) error {
	if err := t.muteOf(is); err != nil {
		return err
	}
	var before []string
	if old != nil {
		before = old.Muted
	}
	if !slices.Equal(before, is.Muted) && ev.Kind != kite.EventMuted && ev.Kind != kite.EventUnmuted {
		// The write changed what mutes the issue: its entry says so.
		ev.Message = strings.TrimPrefix(ev.Message+"; "+muteEvent(before, is.Muted, ev.Actor).Message, "; ")
	}
	rev := t.nextRev()
	is.Rev = rev
	is.UpdatedAt = t.now
	v, err := encodeRecord(is)
	if err != nil {
		return fmt.Errorf("encode issue %s: %w", is.ID, err)
	}
	newEntries := indexEntries(is, id)
	if wakeOf(old) != wakeOf(is) {
		t.edges = true
	}
	if old != nil {
		for _, e := range indexEntries(old, id) {
			if !containsKey(newEntries, e) {
				if err := t.del(e.bucket, e.key); err != nil {
					return err
				}
			}
		}
		if err := t.count(old, -1); err != nil {
			return err
		}
	}
	for _, e := range newEntries {
		if err := t.put(e.bucket, e.key, e.value); err != nil {
			return err
		}
	}
	if err := t.count(is, +1); err != nil {
		return err
	}
	if err := t.put(bucketIssues, id, v); err != nil {
		return err
	}
	if err := t.addEvent(id, rev, ev); err != nil {
		return err
	}
	if err := t.enqueueNotifications(old, is, ev, rev); err != nil {
		return err
	}
	return t.logChange(rev, id, opPut, "")
}

// deleteIssue removes an issue with everything that hangs off it.
func (t *txn) deleteIssue(id []byte, is *kite.Issue) error {
	for _, e := range indexEntries(is, id) {
		if err := t.del(e.bucket, e.key); err != nil {
			return err
		}
	}
	if err := t.count(is, -1); err != nil {
		return err
	}
	if err := t.delPrefix(bucketEvents, id); err != nil {
		return err
	}
	if err := t.delPrefix(bucketNotes, id); err != nil {
		return err
	}
	if err := t.delPrefix(bucketNotified, id); err != nil {
		return err
	}
	// An Alertmanager holding the issue's alert learns of it at the next
	// sync, which resolves what no longer matches.
	t.notify = t.notify || t.tx.Bucket(bucketSubs).Sequence() > 0
	if err := t.deleteRelations(id); err != nil {
		return err
	}
	if err := t.del(bucketIssues, id); err != nil {
		return err
	}
	return t.logChange(t.nextRev(), id, opDelete, is.Namespace)
}

// tupleValue is an issue's tuple as a by_seen value.
func tupleValue(is *kite.Issue) []byte {
	tp := tupleOf(is)
	return tp[:]
}

// wakeOf is when is's snooze ends by time, zero for none.
func wakeOf(is *kite.Issue) time.Time {
	if is == nil || is.Snooze == nil || is.Snooze.Until == nil {
		return time.Time{}
	}
	return *is.Snooze.Until
}

func containsKey(es []indexEntry, e indexEntry) bool {
	for _, x := range es {
		if bytes.Equal(x.bucket, e.bucket) && bytes.Equal(x.key, e.key) && bytes.Equal(x.value, e.value) {
			return true
		}
	}
	return false
}

// delPrefix deletes every key of bucket that starts with prefix.
func (t *txn) delPrefix(bucket, prefix []byte) error {
	var keys [][]byte
	c := t.tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := t.del(bucket, k); err != nil {
			return err
		}
	}
	return nil
}
