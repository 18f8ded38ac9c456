package store

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/konflux-ci/kite"
)

// Report records a failure observation. Dedupe happens inside the write
// transaction: the fingerprint table is read and written under bbolt's
// single writer, so concurrent identical reports land on one issue.
func (s *Store) Report(ctx context.Context, r kite.Report) (*kite.ReportResult, error) {
	if err := r.Normalize(); err != nil {
		return nil, err
	}
	if r.Actor == "" {
		r.Actor = kite.ActorAPI
	}
	var res *kite.ReportResult
	err := s.update(ctx, func(t *txn) error {
		var err error
		res, err = t.report(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (t *txn) report(r kite.Report) (*kite.ReportResult, error) {
	at := t.observed(r.At)
	fp := kite.Fingerprint(r.Namespace, r.IssueType, r.Scope, r.Key)
	if r.Run != nil {
		ok, why, err := t.admitRun(scopePrefix(r.Namespace, r.Scope.ResourceType, r.Scope.ResourceName), r.Run, false)
		if err != nil || !ok {
			return t.unchanged(fp, why, err)
		}
	}
	if id := t.tx.Bucket(bucketFP).Get([]byte(fp)); id != nil {
		id = bytes.Clone(id)
		old, err := t.mustLoad(id)
		if err != nil {
			return nil, err
		}
		return t.reportExisting(id, old, r, at)
	}
	u, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	id := u[:]
	is := &kite.Issue{
		ID:          formatID(id),
		Namespace:   r.Namespace,
		IssueType:   r.IssueType,
		State:       kite.StateActive,
		DetectedAt:  at,
		CreatedAt:   t.now,
		Fingerprint: fp,
		Key:         r.Key,
		FirstSeen:   at,
		LastSeen:    at,
		Occurrences: 1,
	}
	applyReport(is, r)
	if r.State == kite.StateResolved {
		resolve(is, t.now, r.Actor)
	}
	ev := kite.Event{Kind: kite.EventOpened, Actor: r.Actor, Message: eventSummary(r)}
	if err := t.saveIssue(id, nil, is, ev); err != nil {
		return nil, err
	}
	return &kite.ReportResult{Issue: is, Outcome: kite.OutcomeCreated}, nil
}

// unchanged answers a report that changed nothing with the scope's open
// issue, if there is one.
func (t *txn) unchanged(fp string, why kite.Outcome, err error) (*kite.ReportResult, error) {
	if err != nil {
		return nil, err
	}
	res := &kite.ReportResult{Outcome: why}
	if id := t.tx.Bucket(bucketFP).Get([]byte(fp)); id != nil {
		if res.Issue, err = t.mustLoad(bytes.Clone(id)); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (t *txn) reportExisting(id []byte, old *kite.Issue, r kite.Report, at time.Time) (*kite.ReportResult, error) {
	is := cloneIssue(old)
	var outcome kite.Outcome
	var kind kite.EventKind
	switch {
	case old.State == kite.StateResolved && r.State == kite.StateResolved:
		outcome, kind = kite.OutcomeUpdated, kite.EventEdited
	case old.State == kite.StateResolved && old.ResolvedAt != nil && !at.After(*old.ResolvedAt):
		// A failure that happened before the resolution arrived late: it
		// must not reopen an issue a newer success closed.
		return &kite.ReportResult{Issue: old, Outcome: kite.OutcomeStale}, nil
	case old.State == kite.StateResolved:
		is.State = kite.StateActive
		is.ResolvedAt = nil
		is.ResolvedBy = ""
		is.ReopenCount++
		is.DetectedAt = at
		outcome, kind = kite.OutcomeReopened, kite.EventReopened
	case r.State == kite.StateResolved:
		resolve(is, t.now, r.Actor)
		outcome, kind = kite.OutcomeResolved, kite.EventResolved
	default:
		outcome, kind = kite.OutcomeUpdated, kite.EventSeen
	}
	if r.State != kite.StateResolved {
		is.Occurrences++
		if at.After(is.LastSeen) {
			is.LastSeen = at
		}
	}
	msg := eventSummary(r)
	if kept := applyReport(is, r); len(kept) > 0 {
		msg += " (kept the " + strings.Join(kept, " and ") + " a person set)"
	}
	ev := kite.Event{Kind: kind, Actor: r.Actor, Message: msg}
	if err := t.saveIssue(id, old, is, ev); err != nil {
		return nil, err
	}
	if woken, err := t.wake(id, is, r.Severity); err != nil {
		return nil, err
	} else if woken != nil {
		is = woken
	}
	return &kite.ReportResult{Issue: is, Outcome: outcome}, nil
}

// observed is when an observation happened: its own time, or now when it
// has none or claims to come from the future (a skewed clock).
func (t *txn) observed(at time.Time) time.Time {
	if at.IsZero() || at.After(t.now) {
		return t.now
	}
	return at.UTC()
}

// applyReport copies what a report says about the problem onto its issue:
// the newest report describes the current failure best.
//
// Fields a person pinned stay as they are; kept names those the report
// would have changed.
func applyReport(is *kite.Issue, r kite.Report) (kept []string) {
	if !slices.Contains(is.Pinned, "title") {
		is.Title = r.Title
	} else if is.Title != r.Title {
		kept = append(kept, "title")
	}
	if !slices.Contains(is.Pinned, "severity") {
		is.Severity = r.Severity
	} else if is.Severity != r.Severity {
		kept = append(kept, "severity")
	}
	is.Description = r.Description
	is.Scope = kite.Scope{
		ID:                kite.ScopeID(is.Fingerprint),
		ResourceType:      r.Scope.ResourceType,
		ResourceName:      r.Scope.ResourceName,
		ResourceNamespace: r.Scope.ResourceNamespace,
	}
	is.ScopeID = is.Scope.ID
	if len(r.Links) > 0 || is.Links == nil {
		is.Links = newLinks(is.ID, r.Links)
	}
	if r.Failure != nil {
		f := *r.Failure
		is.Failure = &f
	}
	if len(r.Labels) > 0 {
		if is.Labels == nil {
			is.Labels = map[string]string{}
		}
		maps.Copy(is.Labels, r.Labels)
	}
	return kept
}

// resolve resolves is; a resolved issue needs no snooze, so one ends.
func resolve(is *kite.Issue, now time.Time, actor string) {
	is.Snooze = nil
	is.State = kite.StateResolved
	ts := now
	is.ResolvedAt = &ts
	is.ResolvedBy = actor
}

// newLinks gives each link an id and its issue's id, as the v1 format has.
func newLinks(issueID string, in []kite.Link) []kite.Link {
	out := make([]kite.Link, len(in))
	for i, l := range in {
		title := l.Title
		if strings.TrimSpace(title) == "" {
			title = l.URL
		}
		out[i] = kite.Link{ID: uuid.NewString(), Title: title, URL: l.URL, IssueID: issueID}
	}
	return out
}

func eventSummary(r kite.Report) string {
	if r.Failure != nil && r.Failure.Reason != "" {
		return r.Failure.Reason
	}
	return r.Title
}

// cloneIssue copies an issue deeply enough that editing the copy leaves the
// original (the "before" of a change) intact.
func cloneIssue(is *kite.Issue) *kite.Issue {
	c := *is
	c.Links = append([]kite.Link(nil), is.Links...)
	if is.ResolvedAt != nil {
		ts := *is.ResolvedAt
		c.ResolvedAt = &ts
	}
	if is.Failure != nil {
		f := *is.Failure
		c.Failure = &f
	}
	if is.AckedAt != nil {
		ts := *is.AckedAt
		c.AckedAt = &ts
	}
	if is.Snooze != nil {
		z := *is.Snooze
		c.Snooze = &z
	}
	c.Pinned = slices.Clone(is.Pinned)
	c.Muted = slices.Clone(is.Muted)
	c.Labels = maps.Clone(is.Labels)
	return &c
}

// ResolveScope resolves every ACTIVE issue of a namespace whose scope is the
// given resource, unless the issue was seen after the success (r.At).
func (s *Store) ResolveScope(ctx context.Context, r kite.Resolution) (int, error) {
	if err := r.Normalize(); err != nil {
		return 0, err
	}
	if r.Actor == "" {
		r.Actor = kite.ActorAPI
	}
	var n int
	err := s.update(ctx, func(t *txn) error {
		n = 0
		at := t.observed(r.At)
		prefix := scopePrefix(r.Namespace, r.ResourceType, r.ResourceName)
		if r.Run != nil {
			if ok, _, err := t.admitRun(prefix, r.Run, true); err != nil || !ok {
				return err
			}
		}
		for _, id := range t.idsWithPrefix(bucketByScope, prefix) {
			old, err := t.mustLoad(id)
			if err != nil {
				return err
			}
			if old.State != kite.StateActive || old.LastSeen.After(at) {
				continue
			}
			if err := t.resolveIssue(id, old, at, r.Actor); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// resolveIssue moves one ACTIVE issue to RESOLVED at the given time, with
// its timeline event.
func (t *txn) resolveIssue(id []byte, old *kite.Issue, at time.Time, actor string) error {
	is := cloneIssue(old)
	resolve(is, at, actor)
	return t.saveIssue(id, old, is, kite.Event{Kind: kite.EventResolved, Actor: actor})
}

// idsWithPrefix returns the trailing 16-byte ids of the keys under prefix.
func (t *txn) idsWithPrefix(bucket, prefix []byte) [][]byte {
	return idsWithPrefix(t.tx.Bucket(bucket).Cursor(), prefix)
}
