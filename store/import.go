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

// ImportBatch writes exported issues (kite export) as they were, in one
// transaction: one commit (and one fsync) for the lot, which is what makes
// a large import take seconds instead of minutes. Each keeps its id,
// namespace, state, times and counts, its timeline with the times it had,
// and its comments; a last timeline entry, note, says where it came from.
// Relations are joined by RelateIssues once both issues are in. Mutes are
// worked out again from this store's silences. A record that fails
// CheckImport fails the whole batch before anything is written.
func (s *Store) ImportBatch(ctx context.Context, recs []*kite.ExportRecord, note string) ([]ImportOutcome, error) {
	keys := make([][]byte, len(recs))
	for i, rec := range recs {
		key, err := checkImport(rec)
		if err != nil {
			return nil, err
		}
		keys[i] = key
	}
	outcomes := make([]ImportOutcome, len(recs))
	err := s.update(ctx, func(t *txn) error {
		for i, rec := range recs {
			o, err := t.importRecord(keys[i], rec, note)
			if err != nil {
				return err
			}
			outcomes[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return outcomes, nil
}

// importRecord writes one checked record unless its id or scope is taken.
func (t *txn) importRecord(key []byte, rec *kite.ExportRecord, note string) (ImportOutcome, error) {
	c := cloneIssue(rec.Issue)
	c.RelatedFrom, c.RelatedTo = nil, nil
	c.Comments = len(rec.Comments)
	if outcome := importOutcome(t.tx, key, c); outcome != Imported {
		return outcome, nil
	}
	for _, ev := range rec.Timeline {
		ev.Rev = t.nextRev()
		v, err := json.Marshal(ev)
		if err != nil {
			return "", err
		}
		if err := t.put(bucketEvents, eventKey(key, ev.Rev), v); err != nil {
			return "", err
		}
	}
	for _, cm := range rec.Comments {
		cid := uuid.MustParse(cm.ID) // checked by checkImport
		if err := t.putComment(key, cid[:], comment{Author: cm.Author, Text: cm.Text, CreatedAt: cm.CreatedAt, EditedAt: cm.EditedAt}); err != nil {
			return "", err
		}
	}
	return Imported, t.saveIssue(key, nil, c, kite.Event{Kind: kite.EventEdited, Actor: kite.ActorAPI, Message: note})
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

// CheckImport refuses a record Kite could not have exported, naming what
// is wrong with it; ImportBatch checks every record so, and a caller that
// gathers records into batches checks each as it comes.
func CheckImport(rec *kite.ExportRecord) error {
	_, err := checkImport(rec)
	return err
}

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
	for _, cm := range rec.Comments {
		if _, err := uuid.Parse(cm.ID); err != nil {
			return nil, kite.Invalid("comments.id", "Invalid record", fmt.Sprintf("issue %s: %q is not a comment id", is.ID, cm.ID))
		}
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
