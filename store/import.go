package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// ImportOutcome is what Import did with one exported issue.
type ImportOutcome string

const (
	// Imported: the issue was written.
	Imported ImportOutcome = "imported"
	// AlreadyPresent: an issue with its id exists; it was left alone, so
	// that importing a file twice changes nothing.
	AlreadyPresent ImportOutcome = "present"
	// ScopeTaken: another issue already holds its scope (fingerprint):
	// two issues for one scope would break deduplication.
	ScopeTaken ImportOutcome = "scope taken"
)

// Import writes an exported issue (kite export) as it was, in one
// transaction: its id, namespace, state, times and counts, its timeline
// with the times it had, and its comments; a last timeline entry says it
// was imported. Relations are joined by RelateIssues once both issues are
// in. Mutes are worked out again from this store's silences.
func (s *Store) Import(ctx context.Context, rec *kite.ExportRecord) (ImportOutcome, error) {
	return s.ImportFrom(ctx, rec, "imported (kite import)")
}

// ImportFrom is Import with the last timeline entry's message saying where
// the issue came from.
func (s *Store) ImportFrom(ctx context.Context, rec *kite.ExportRecord, note string) (ImportOutcome, error) {
	key, err := checkImport(rec)
	if err != nil {
		return "", err
	}
	c := cloneIssue(rec.Issue)
	c.RelatedFrom, c.RelatedTo = nil, nil
	c.Comments = len(rec.Comments)
	var outcome ImportOutcome
	err = s.update(ctx, func(t *txn) error {
		if outcome = importOutcome(t.tx, key, c); outcome != Imported {
			return nil
		}
		for _, ev := range rec.Timeline {
			ev.Rev = t.nextRev()
			v, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			if err := t.put(bucketEvents, eventKey(key, ev.Rev), v); err != nil {
				return err
			}
		}
		for _, cm := range rec.Comments {
			cid, err := uuid.Parse(cm.ID)
			if err != nil {
				return kite.Invalid("comments.id", "Invalid record", fmt.Sprintf("issue %s: %q is not a comment id", c.ID, cm.ID))
			}
			if err := t.putComment(key, cid[:], comment{Author: cm.Author, Text: cm.Text, CreatedAt: cm.CreatedAt, EditedAt: cm.EditedAt}); err != nil {
				return err
			}
		}
		return t.saveIssue(key, nil, c, kite.Event{Kind: kite.EventEdited, Actor: kite.ActorAPI, Message: note})
	})
	if err != nil {
		return "", err
	}
	return outcome, nil
}

// WouldImport says what Import would do with rec, writing nothing.
func (s *Store) WouldImport(ctx context.Context, rec *kite.ExportRecord) (ImportOutcome, error) {
	key, err := checkImport(rec)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var outcome ImportOutcome
	err = s.view(func(tx *bolt.Tx) error {
		outcome = importOutcome(tx, key, rec.Issue)
		return nil
	})
	return outcome, err
}

// ScopeHolder returns the id of the issue that holds the fingerprint fp
// (one per scope), or "" when none does.
func (s *Store) ScopeHolder(fp string) (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFP).Get([]byte(fp)); v != nil {
			id = kite.FormatUUID(v)
		}
		return nil
	})
	return id, err
}

// checkImport refuses a record Kite could not have exported.
func checkImport(rec *kite.ExportRecord) ([]byte, error) {
	is := rec.Issue
	if is == nil {
		return nil, kite.Invalid("issue", "Invalid record", "the line has no issue")
	}
	key, err := parseID(is.ID)
	if err != nil {
		return nil, kite.Invalid("issue.id", "Invalid record", fmt.Sprintf("%q is not an issue id", is.ID))
	}
	if err := kite.CheckName("issue.namespace", is.Namespace); err != nil {
		return nil, err
	}
	if !tupleOf(is).valid() {
		return nil, kite.Invalid("issue", "Invalid record", fmt.Sprintf("issue %s has an unknown state, severity or type (%s/%s/%s)", is.ID, is.State, is.Severity, is.IssueType))
	}
	if is.Fingerprint == "" {
		return nil, kite.Invalid("issue.fingerprint", "Invalid record", "issue "+is.ID+" has no fingerprint")
	}
	return key, nil
}

// importOutcome is what importing is would do to the store tx reads.
func importOutcome(tx *bolt.Tx, key []byte, is *kite.Issue) ImportOutcome {
	switch {
	case tx.Bucket(bucketIssues).Get(key) != nil:
		return AlreadyPresent
	case tx.Bucket(bucketFP).Get([]byte(is.Fingerprint)) != nil:
		return ScopeTaken
	}
	return Imported
}
