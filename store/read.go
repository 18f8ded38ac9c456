package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// GetIssue returns one issue with its relations.
func (s *Store) GetIssue(ctx context.Context, id string) (*kite.Issue, error) {
	key, err := parseID(id)
	if err != nil {
		return nil, err
	}
	var is *kite.Issue
	err = s.view(func(tx *bolt.Tx) error {
		if is, err = loadIssue(tx, key); err != nil {
			return err
		}
		if is == nil {
			return errIssueNotFound
		}
		return joinRelations(tx, key, is)
	})
	return is, err
}

// Timeline returns an issue's events, oldest first.
func (s *Store) Timeline(ctx context.Context, id string) ([]kite.Event, error) {
	key, err := parseID(id)
	if err != nil {
		return nil, err
	}
	events := []kite.Event{}
	err = s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssues).Get(key) == nil {
			return errIssueNotFound
		}
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, v = c.Next() {
			var ev kite.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("decode event: %w", err)
			}
			events = append(events, ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return events, nil
}

// joinRelations fills RelatedFrom (this issue is the source) and RelatedTo
// (this issue is the target), each relation carrying both issues without
// their own relations.
func joinRelations(tx *bolt.Tx, id []byte, is *kite.Issue) error {
	is.RelatedFrom, is.RelatedTo = []kite.Relation{}, []kite.Relation{}
	self := summary(is)
	rel := tx.Bucket(bucketRel)
	c := rel.Cursor()
	for k, v := c.Seek(id); k != nil && bytes.HasPrefix(k, id); k, v = c.Next() {
		r, err := relationOf(tx, id, k[idLen:], v, self, true)
		if err != nil {
			return err
		}
		is.RelatedFrom = append(is.RelatedFrom, r)
	}
	c = tx.Bucket(bucketRelRev).Cursor()
	for k, _ := c.Seek(id); k != nil && bytes.HasPrefix(k, id); k, _ = c.Next() {
		src := k[idLen:]
		r, err := relationOf(tx, src, id, rel.Get(pairKey(src, id)), self, false)
		if err != nil {
			return err
		}
		is.RelatedTo = append(is.RelatedTo, r)
	}
	return nil
}

// relation is the stored value of a relation.
type relation struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// relationOf decodes a stored relation and loads the issue at its other end;
// self is the issue being read, the source when selfIsSource.
func relationOf(tx *bolt.Tx, src, dst, v []byte, self *kite.Issue, selfIsSource bool) (kite.Relation, error) {
	var rv relation
	if err := json.Unmarshal(v, &rv); err != nil {
		return kite.Relation{}, fmt.Errorf("decode relation: %w", err)
	}
	r := kite.Relation{ID: rv.ID, SourceID: formatID(src), TargetID: formatID(dst), CreatedAt: rv.CreatedAt}
	otherID, otherSlot := dst, &r.Target
	r.Source = self
	if !selfIsSource {
		otherID, otherSlot = src, &r.Source
		r.Target = self
	}
	other, err := loadIssue(tx, otherID)
	if err != nil {
		return kite.Relation{}, err
	}
	if other != nil {
		*otherSlot = summary(other)
	}
	return r, nil
}

// summary is an issue as it appears inside a relation: without relations,
// so that a pair of related issues does not nest forever.
func summary(is *kite.Issue) *kite.Issue {
	c := *is
	c.RelatedFrom, c.RelatedTo = []kite.Relation{}, []kite.Relation{}
	return &c
}

// idsWithPrefix returns the trailing ids of the keys under prefix.
func idsWithPrefix(c *bolt.Cursor, prefix []byte) [][]byte {
	var ids [][]byte
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, bytes.Clone(k[len(k)-idLen:]))
	}
	return ids
}
