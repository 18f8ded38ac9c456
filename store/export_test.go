package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// RewriteAsVersion1 stores an issue without triage state as a record of
// version 1 would have held it: the current version without its triage
// snooze and pin suffix (seven empty fields, a byte each).
func (s *Store) RewriteAsVersion1(id string) error {
	key, err := parseID(id)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		is, err := loadIssue(tx, key)
		if err != nil {
			return err
		}
		if is.AckedBy != "" || is.Assignee != "" || is.Comments != 0 || is.Snooze != nil || len(is.Pinned) > 0 || len(is.Muted) > 0 {
			return fmt.Errorf("issue %s has triage state", id)
		}
		v, err := encodeRecord(is)
		if err != nil {
			return err
		}
		v = v[:len(v)-7]
		v[0] = 1
		return tx.Bucket(bucketIssues).Put(key, v)
	})
}
