package store

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/konflux-ci/kite"
)

var (
	errRelationIssues  = kite.Errorf(kite.ENOTFOUND, "one or both issues not found")
	errRelationExists  = kite.Errorf(kite.ECONFLICT, "relationship already exists")
	errRelationMissing = kite.Errorf(kite.ENOTFOUND, "relationship not found")
)

// RelateIssues relates source to target. A relation is undirected for
// uniqueness: relating b to a when a is related to b is a conflict.
func (s *Store) RelateIssues(ctx context.Context, sourceID, targetID string) error {
	src, err1 := parseID(sourceID)
	dst, err2 := parseID(targetID)
	if err1 != nil || err2 != nil {
		return errRelationIssues
	}
	if bytes.Equal(src, dst) {
		return kite.Invalid("relatedId", "Validation failed", "an issue cannot be related to itself")
	}
	return s.update(ctx, func(t *txn) error {
		a, err := loadIssue(t.tx, src)
		if err != nil {
			return err
		}
		b, err := loadIssue(t.tx, dst)
		if err != nil {
			return err
		}
		if a == nil || b == nil {
			return errRelationIssues
		}
		rel := t.tx.Bucket(bucketRel)
		if rel.Get(pairKey(src, dst)) != nil || rel.Get(pairKey(dst, src)) != nil {
			return errRelationExists
		}
		v, err := json.Marshal(relation{ID: uuid.NewString(), CreatedAt: t.now})
		if err != nil {
			return err
		}
		if err := t.put(bucketRel, pairKey(src, dst), v); err != nil {
			return err
		}
		if err := t.put(bucketRelRev, pairKey(dst, src), nil); err != nil {
			return err
		}
		return t.touchPair(src, a, dst, b, kite.EventRelated)
	})
}

// UnrelateIssues removes the relation between a and b, in either direction.
func (s *Store) UnrelateIssues(ctx context.Context, aID, bID string) error {
	a, err1 := parseID(aID)
	b, err2 := parseID(bID)
	if err1 != nil || err2 != nil {
		return errRelationMissing
	}
	return s.update(ctx, func(t *txn) error {
		rel := t.tx.Bucket(bucketRel)
		src, dst := a, b
		if rel.Get(pairKey(src, dst)) == nil {
			src, dst = b, a
			if rel.Get(pairKey(src, dst)) == nil {
				return errRelationMissing
			}
		}
		if err := t.del(bucketRel, pairKey(src, dst)); err != nil {
			return err
		}
		if err := t.del(bucketRelRev, pairKey(dst, src)); err != nil {
			return err
		}
		srcIssue, err := t.mustLoad(src)
		if err != nil {
			return err
		}
		dstIssue, err := t.mustLoad(dst)
		if err != nil {
			return err
		}
		return t.touchPair(src, srcIssue, dst, dstIssue, kite.EventUnrelated)
	})
}

// touchPair saves both ends of a relation change with a new revision and a
// timeline event each: their JSON (relatedFrom/relatedTo) changed.
func (t *txn) touchPair(src []byte, a *kite.Issue, dst []byte, b *kite.Issue, kind kite.EventKind) error {
	if err := t.saveIssue(src, a, cloneIssue(a), kite.Event{Kind: kind, Actor: kite.ActorAPI, Message: "target " + b.ID}); err != nil {
		return err
	}
	return t.saveIssue(dst, b, cloneIssue(b), kite.Event{Kind: kind, Actor: kite.ActorAPI, Message: "source " + a.ID})
}

// deleteRelations removes every relation an issue takes part in, touching
// the issues on the other end.
func (t *txn) deleteRelations(id []byte) error {
	for _, dst := range t.idsWithPrefix(bucketRel, id) {
		if err := t.unlink(id, dst, dst); err != nil {
			return err
		}
	}
	for _, src := range t.idsWithPrefix(bucketRelRev, id) {
		if err := t.unlink(src, id, src); err != nil {
			return err
		}
	}
	return nil
}

// unlink deletes the relation src->dst and records it on the surviving end.
func (t *txn) unlink(src, dst, survivor []byte) error {
	if err := t.del(bucketRel, pairKey(src, dst)); err != nil {
		return err
	}
	if err := t.del(bucketRelRev, pairKey(dst, src)); err != nil {
		return err
	}
	other, err := loadIssue(t.tx, survivor)
	if err != nil || other == nil {
		return err
	}
	return t.saveIssue(survivor, other, cloneIssue(other), kite.Event{Kind: kite.EventUnrelated, Actor: kite.ActorAPI, Message: "related issue deleted"})
}
