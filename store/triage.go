package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

var _ kite.Triage = (*Store)(nil)

// comment is a comment as stored under issue id + comment id; both ids
// are the key, so they are not repeated.
type comment struct {
	Author    string     `json:"a"`
	Text      string     `json:"t"`
	CreatedAt time.Time  `json:"c"`
	EditedAt  *time.Time `json:"e,omitempty"`
}

// triage runs one triage change of issue id in a write: edit changes a
// copy of the issue and returns the timeline entry, or no entry when the
// change is already made (then nothing is written).
func (s *Store) triage(ctx context.Context, id string, edit func(t *txn, key []byte, is *kite.Issue) (*kite.Event, error)) (*kite.Issue, error) {
	key, err := parseID(id)
	if err != nil {
		return nil, err
	}
	var out *kite.Issue
	err = s.update(ctx, func(t *txn) error {
		old, err := t.mustLoad(key)
		if err != nil {
			return err
		}
		is := cloneIssue(old)
		ev, err := edit(t, key, is)
		if err != nil || ev == nil {
			out = old
			return err
		}
		out = is
		return t.saveIssue(key, old, is, *ev)
	})
	if err != nil {
		return nil, err
	}
	return s.withRelations(out)
}

// Acknowledge implements kite.Triage.
func (s *Store) Acknowledge(ctx context.Context, id string, on bool, actor string) (*kite.Issue, error) {
	actor, err := actorName(actor)
	if err != nil {
		return nil, err
	}
	return s.triage(ctx, id, func(t *txn, _ []byte, is *kite.Issue) (*kite.Event, error) {
		switch {
		case on && is.AckedBy == "":
			at := t.now
			is.AckedBy, is.AckedAt = actor, &at
			return &kite.Event{Kind: kite.EventAcknowledged, Actor: actor}, nil
		case !on && is.AckedBy != "":
			is.AckedBy, is.AckedAt = "", nil
			return &kite.Event{Kind: kite.EventUnacknowledged, Actor: actor}, nil
		}
		return nil, nil
	})
}

// Assign implements kite.Triage.
func (s *Store) Assign(ctx context.Context, id, assignee, actor string) (*kite.Issue, error) {
	if err := kite.CheckAssignee(assignee); err != nil {
		return nil, err
	}
	actor, err := actorName(actor)
	if err != nil {
		return nil, err
	}
	return s.triage(ctx, id, func(_ *txn, _ []byte, is *kite.Issue) (*kite.Event, error) {
		if is.Assignee == assignee {
			return nil, nil
		}
		is.Assignee = assignee
		kind := kite.EventAssigned
		if assignee == "" {
			kind = kite.EventUnassigned
		}
		return &kite.Event{Kind: kind, Actor: actor, Message: kite.AssignMessage(assignee)}, nil
	})
}

// Comments implements kite.Triage: an issue's comments, oldest first.
func (s *Store) Comments(ctx context.Context, id string) ([]kite.Comment, error) {
	key, err := parseID(id)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []kite.Comment{}
	err = s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssues).Get(key) == nil {
			return errIssueNotFound
		}
		c := tx.Bucket(bucketNotes).Cursor()
		for k, v := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, v = c.Next() {
			cm, err := decodeComment(k, v)
			if err != nil {
				return err
			}
			out = append(out, cm)
		}
		return nil
	})
	return out, err
}

// AddComment implements kite.Triage.
func (s *Store) AddComment(ctx context.Context, id, text, author string) (*kite.Comment, error) {
	if err := kite.CheckComment(text); err != nil {
		return nil, err
	}
	author, cid, err := newRecord(author)
	if err != nil {
		return nil, err
	}
	var out kite.Comment
	_, err = s.triage(ctx, id, func(t *txn, key []byte, is *kite.Issue) (*kite.Event, error) {
		cm := comment{Author: author, Text: text, CreatedAt: t.now}
		if err := t.putComment(key, cid[:], cm); err != nil {
			return nil, err
		}
		is.Comments++
		out = cm.public(key, cid[:])
		return &kite.Event{Kind: kite.EventCommented, Actor: author, Message: kite.CommentSummary(text)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// EditComment implements kite.Triage.
func (s *Store) EditComment(ctx context.Context, id, commentID, text, actor string) (*kite.Comment, error) {
	if err := kite.CheckComment(text); err != nil {
		return nil, err
	}
	var out kite.Comment
	_, err := s.ownComment(ctx, id, commentID, actor, func(t *txn, key, cid []byte, cm comment) (*kite.Event, error) {
		if cm.Text == text {
			out = cm.public(key, cid)
			return nil, nil
		}
		at := t.now
		cm.Text, cm.EditedAt = text, &at
		if err := t.putComment(key, cid, cm); err != nil {
			return nil, err
		}
		out = cm.public(key, cid)
		return &kite.Event{Kind: kite.EventCommentEdited, Actor: cm.Author, Message: kite.CommentSummary(text)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteComment implements kite.Triage.
func (s *Store) DeleteComment(ctx context.Context, id, commentID, actor string) error {
	_, err := s.ownComment(ctx, id, commentID, actor, func(t *txn, key, cid []byte, cm comment) (*kite.Event, error) {
		if err := t.del(bucketNotes, append(bytes.Clone(key), cid...)); err != nil {
			return nil, err
		}
		return &kite.Event{Kind: kite.EventCommentDeleted, Actor: cm.Author, Message: kite.CommentSummary(cm.Text)}, nil
	})
	return err
}

// ownComment runs edit on a comment of issue id that actor wrote.
func (s *Store) ownComment(ctx context.Context, id, commentID, actor string, edit func(t *txn, key, cid []byte, cm comment) (*kite.Event, error)) (*kite.Issue, error) {
	cid, err := parseID(commentID)
	if err != nil {
		return nil, kite.Invalid("commentId", "Invalid comment id", "a comment id is a UUID")
	}
	actor, err = actorName(actor)
	if err != nil {
		return nil, err
	}
	return s.triage(ctx, id, func(t *txn, key []byte, is *kite.Issue) (*kite.Event, error) {
		v := t.tx.Bucket(bucketNotes).Get(append(bytes.Clone(key), cid...))
		if v == nil {
			return nil, kite.Errorf(kite.ENOTFOUND, "Comment not found")
		}
		var cm comment
		if err := json.Unmarshal(v, &cm); err != nil {
			return nil, fmt.Errorf("comment %s: %w", commentID, err)
		}
		if cm.Author != actor {
			return nil, &kite.Error{Code: kite.EFORBIDDEN, Message: "Not the comment's author",
				Details: fmt.Sprintf("only %s, who wrote it, may change or delete this comment", cm.Author)}
		}
		ev, err := edit(t, key, cid, cm)
		if ev != nil && ev.Kind == kite.EventCommentDeleted {
			is.Comments--
		}
		return ev, err
	})
}

func (t *txn) putComment(key, cid []byte, cm comment) error {
	v, err := json.Marshal(cm)
	if err != nil {
		return err
	}
	return t.put(bucketNotes, append(bytes.Clone(key), cid...), v)
}

func (c comment) public(key, cid []byte) kite.Comment {
	return kite.Comment{ID: formatID(cid), IssueID: formatID(key), Author: c.Author, Text: c.Text, CreatedAt: c.CreatedAt, EditedAt: c.EditedAt}
}

func decodeComment(k, v []byte) (kite.Comment, error) {
	var cm comment
	if len(k) != 2*idLen {
		return kite.Comment{}, fmt.Errorf("comment key of %d bytes", len(k))
	}
	if err := json.Unmarshal(v, &cm); err != nil {
		return kite.Comment{}, fmt.Errorf("comment %x: %w", k, err)
	}
	return cm.public(k[:idLen], k[idLen:]), nil
}

// actorName is who a triage change is by: the caller's name, checked as a
// name, or "api" when the caller has none.
func actorName(actor string) (string, error) {
	if actor == "" {
		return kite.ActorAPI, nil
	}
	return actor, kite.CheckName("actor", actor)
}

// newRecord checks the actor of a write that makes a record (a comment, a
// silence, a subscription) and gives the record its time-ordered id.
func newRecord(actor string) (string, uuid.UUID, error) {
	actor, err := actorName(actor)
	if err != nil {
		return "", uuid.UUID{}, err
	}
	id, err := uuid.NewV7()
	return actor, id, err
}
