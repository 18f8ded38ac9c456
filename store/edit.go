package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// UpdateIssue applies a partial edit. Changing the issue type or scope
// changes the fingerprint; if another issue already holds the new one the
// edit is refused (ECONFLICT), since two issues for one problem are exactly
// what dedupe exists to prevent.
func (s *Store) UpdateIssue(ctx context.Context, id string, u kite.IssueUpdate) (*kite.Issue, error) {
	key, err := parseID(id)
	if err != nil {
		return nil, err
	}
	if err := u.Normalize(); err != nil {
		return nil, err
	}
	if u.Actor == "" {
		u.Actor = kite.ActorAPI
	}
	var out *kite.Issue
	err = s.update(ctx, func(t *txn) error {
		old, err := t.mustLoad(key)
		if err != nil {
			return err
		}
		is, changed, err := applyUpdate(old, u, t)
		if err != nil {
			return err
		}
		if len(changed) == 0 {
			out = old
			return nil
		}
		if is.Fingerprint != old.Fingerprint {
			if holder := t.tx.Bucket(bucketFP).Get([]byte(is.Fingerprint)); holder != nil {
				return kite.Errorf(kite.ECONFLICT, "issue %s already tracks this issue type and scope", formatID(holder))
			}
		}
		kind := kite.EventEdited
		switch {
		case old.State == kite.StateActive && is.State == kite.StateResolved:
			kind = kite.EventResolved
		case old.State == kite.StateResolved && is.State == kite.StateActive:
			kind = kite.EventReopened
		}
		ev := kite.Event{Kind: kind, Actor: u.Actor, Message: "changed " + strings.Join(changed, ", ")}
		out = is
		return t.saveIssue(key, old, is, ev)
	})
	if err != nil {
		return nil, err
	}
	return s.withRelations(out)
}

// applyUpdate returns the edited copy of old and the names of the fields
// that changed.
func applyUpdate(old *kite.Issue, u kite.IssueUpdate, t *txn) (*kite.Issue, []string, error) {
	is := cloneIssue(old)
	var changed []string
	set := func(name string, differs bool, apply func()) {
		if differs {
			apply()
			changed = append(changed, name)
		}
	}
	if u.Title != nil {
		set("title", *u.Title != is.Title, func() { is.Title = *u.Title })
	}
	if u.Description != nil {
		set("description", *u.Description != is.Description, func() { is.Description = *u.Description })
	}
	if u.Severity != nil {
		set("severity", *u.Severity != is.Severity, func() { is.Severity = *u.Severity })
	}
	if u.IssueType != nil {
		set("issueType", *u.IssueType != is.IssueType, func() { is.IssueType = *u.IssueType })
	}
	if u.Scope != nil {
		sc := *u.Scope
		if sc.ResourceNamespace == "" {
			sc.ResourceNamespace = is.Namespace
		}
		differs := sc.ResourceType != is.Scope.ResourceType || sc.ResourceName != is.Scope.ResourceName ||
			sc.ResourceNamespace != is.Scope.ResourceNamespace
		set("scope", differs, func() {
			is.Scope.ResourceType, is.Scope.ResourceName, is.Scope.ResourceNamespace = sc.ResourceType, sc.ResourceName, sc.ResourceNamespace
		})
	}
	if u.Links != nil {
		set("links", true, func() { is.Links = newLinks(is.ID, *u.Links) })
	}
	// A person's title or severity sticks: the next automated report
	// keeps it (applyReport).
	pins := slices.Clone(is.Pinned)
	for _, f := range changed {
		if slices.Contains(kite.PinnableFields, f) && !slices.Contains(pins, f) {
			pins = append(pins, f)
		}
	}
	if u.Pinned != nil {
		pins = slices.Clone(*u.Pinned)
	}
	slices.Sort(pins)
	pins = slices.Compact(pins)
	set("pinned", !slices.Equal(pins, is.Pinned), func() { is.Pinned = pins })
	if u.State != nil && *u.State != is.State {
		if *u.State == kite.StateResolved {
			set("state", true, func() { resolve(is, t.now, u.Actor) })
		} else {
			// Reopening clears the resolution, unlike the original, so
			// a regression never shows a stale resolvedAt.
			set("state", true, func() {
				is.State, is.ResolvedAt, is.ResolvedBy = kite.StateActive, nil, ""
				is.ReopenCount++
			})
		}
	}
	if u.ResolvedAtSet {
		switch {
		case u.ResolvedAt != nil && is.State != kite.StateResolved:
			return nil, nil, kite.Invalid("resolvedAt", "Validation failed", "resolvedAt can only be set on a RESOLVED issue")
		case u.ResolvedAt != nil:
			ts := u.ResolvedAt.UTC()
			set("resolvedAt", is.ResolvedAt == nil || !is.ResolvedAt.Equal(ts), func() { is.ResolvedAt = &ts })
		case is.State == kite.StateResolved:
			return nil, nil, kite.Invalid("resolvedAt", "Validation failed", "a RESOLVED issue needs a resolvedAt")
		}
	}
	if is.Key == "" {
		is.Fingerprint = kite.Fingerprint(is.Namespace, is.IssueType, is.Scope, "")
		is.Scope.ID = kite.ScopeID(is.Fingerprint)
		is.ScopeID = is.Scope.ID
	}
	return is, changed, nil
}

// ResolveIssue resolves one issue; resolving a resolved issue changes
// nothing and is not an error.
func (s *Store) ResolveIssue(ctx context.Context, id, actor string) (*kite.Issue, error) {
	key, err := parseID(id)
	if err != nil {
		return nil, err
	}
	if actor == "" {
		actor = kite.ActorAPI
	}
	var out *kite.Issue
	err = s.update(ctx, func(t *txn) error {
		old, err := t.mustLoad(key)
		if err != nil {
			return err
		}
		out = old
		if old.State == kite.StateResolved {
			return nil
		}
		is := cloneIssue(old)
		resolve(is, t.now, actor)
		out = is
		return t.saveIssue(key, old, is, kite.Event{Kind: kite.EventResolved, Actor: actor})
	})
	if err != nil {
		return nil, err
	}
	return s.withRelations(out)
}

// DeleteIssue removes an issue, its timeline and its relations.
func (s *Store) DeleteIssue(ctx context.Context, id string) error {
	key, err := parseID(id)
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *txn) error {
		is, err := t.mustLoad(key)
		if err != nil {
			return err
		}
		return t.deleteIssue(key, is)
	})
}

// withRelations re-reads an issue's relations after a write, since writes
// return the record as stored, without them.
func (s *Store) withRelations(is *kite.Issue) (*kite.Issue, error) {
	key, err := parseID(is.ID)
	if err != nil {
		return nil, fmt.Errorf("stored issue has a malformed id %q", is.ID)
	}
	err = s.view(func(tx *bolt.Tx) error { return joinRelations(tx, key, is) })
	return is, err
}
