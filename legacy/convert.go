package legacy

import (
	"fmt"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// Actor is who the timeline says acted for the original Kite, which kept no
// record of who opened or resolved an issue.
const Actor = "original-kite"

// Bounds Kite puts on what a report may carry (kite.Report); the original
// put none, so longer values are cut and the cut is reported.
const (
	maxTitle       = 1024
	maxDescription = 512 << 10
	maxLinks       = 100
)

// row is one issue of the original's database with its scope. Columns the
// original's schema lets be NULL are pointers.
type row struct {
	ID, Title, Description, Severity, IssueType, Namespace string
	State                                                  *string
	DetectedAt                                             time.Time
	ResolvedAt, CreatedAt, UpdatedAt                       *time.Time
	// The scope's columns are NULL only for an issue whose scope row is
	// missing, which the original's foreign key should prevent.
	ResourceType, ResourceName, ResourceNamespace *string
}

// link is one row of the original's links table.
type link struct{ ID, Title, URL string }

// key is what decides which issues are one problem in Kite: the namespace,
// the issue type and the scope, once normalised.
type key struct {
	namespace string
	issueType kite.IssueType
	scope     kite.Scope
	state     kite.State
}

// normalizeSeverity maps the original's free-form severity to one of
// Kite's, reporting anything it changed. An unknown word becomes major, the
// severity the original's own webhooks default to.
func normalizeSeverity(id, raw string, rep *Report) kite.Severity {
	s, err := kite.ParseSeverity("severity", raw)
	switch {
	case err != nil:
		rep.note(id, fmt.Sprintf("severity %q (unknown) -> major", raw))
		return kite.SeverityMajor
	case string(s) != raw:
		rep.note(id, fmt.Sprintf("severity %q -> %s", raw, s))
	}
	return s
}

// normalizeType maps the original's issue type, in any case, to Kite's; an
// unknown word becomes pipeline, the type of the original's most common
// reports.
func normalizeType(id, raw string, rep *Report) kite.IssueType {
	t, err := kite.ParseIssueType("issueType", raw)
	switch {
	case err != nil:
		rep.note(id, fmt.Sprintf("issueType %q (unknown) -> pipeline", raw))
		return kite.IssueTypePipeline
	case string(t) != raw:
		rep.note(id, fmt.Sprintf("issueType %q -> %s", raw, t))
	}
	return t
}

// normalizeState reads the original's state column (NULL means its
// default, ACTIVE). An unknown word is taken as ACTIVE: an issue nobody
// resolved stays in view rather than disappearing.
func normalizeState(id string, raw *string, rep *Report) kite.State {
	if raw == nil || strings.TrimSpace(*raw) == "" {
		rep.note(id, "state empty -> ACTIVE")
		return kite.StateActive
	}
	s, err := kite.ParseState("state", *raw)
	switch {
	case err != nil:
		rep.note(id, fmt.Sprintf("state %q (unknown) -> ACTIVE", *raw))
		return kite.StateActive
	case string(s) != *raw:
		rep.note(id, fmt.Sprintf("state %q -> %s", *raw, s))
	}
	return s
}

// keyOf normalises the columns that decide an issue's scope in Kite. The
// report is the planning pass's scratch one: conversion reports the same
// changes again, once.
func (r *row) keyOf(rep *Report) (key, error) {
	if r.ResourceType == nil || r.ResourceName == nil {
		return key{}, fmt.Errorf("its scope row is missing")
	}
	k := key{
		namespace: r.Namespace,
		issueType: normalizeType(r.ID, r.IssueType, rep),
		state:     normalizeState(r.ID, r.State, rep),
		scope:     kite.Scope{ResourceType: *r.ResourceType, ResourceName: *r.ResourceName},
	}
	if r.ResourceNamespace != nil {
		k.scope.ResourceNamespace = *r.ResourceNamespace
	}
	if k.scope.ResourceNamespace == "" {
		k.scope.ResourceNamespace = r.Namespace
	}
	for _, c := range []struct{ field, v string }{
		{"namespace", k.namespace},
		{"scope.resourceType", k.scope.ResourceType},
		{"scope.resourceName", k.scope.ResourceName},
		{"scope.resourceNamespace", k.scope.ResourceNamespace},
	} {
		if strings.TrimSpace(c.v) == "" {
			return key{}, fmt.Errorf("%s is empty", c.field)
		}
		if err := kite.CheckName(c.field, c.v); err != nil {
			return key{}, err
		}
	}
	return k, nil
}

// fingerprint is the issue's identity in Kite; historyKey, when set, is
// the caller key that keeps a resolved issue apart from the one holding
// its scope.
func (k key) fingerprint(historyKey string) string {
	return kite.Fingerprint(k.namespace, k.issueType, k.scope, historyKey)
}

// HistoryKey is the dedupe key of an issue kept as history: unique to it,
// and never sent by a reporter, so no report ever lands on it.
func HistoryKey(id string) string { return "original-kite/" + id }

// convert turns one row and its links into a Kite issue with the timeline
// the original's columns imply, reporting what it normalised. An error
// means Kite cannot hold the issue; the caller reports it as refused.
func convert(r *row, links []link, rep *Report) (*kite.ExportRecord, error) {
	k, err := r.keyOf(rep)
	if err != nil {
		return nil, err
	}
	is := &kite.Issue{
		ID:          r.ID,
		Title:       cut(r.ID, "title", r.Title, maxTitle, rep),
		Description: cut(r.ID, "description", r.Description, maxDescription, rep),
		Severity:    normalizeSeverity(r.ID, r.Severity, rep),
		IssueType:   k.issueType,
		State:       k.state,
		Namespace:   k.namespace,
		Scope:       k.scope,
		DetectedAt:  r.DetectedAt.UTC(),
		Occurrences: 1,
	}
	if strings.TrimSpace(is.Title) == "" {
		rep.note(r.ID, `title empty -> "(no title)"`)
		is.Title = "(no title)"
	}
	if err := times(r, is, rep); err != nil {
		return nil, err
	}
	is.Links = convertLinks(r.ID, links, rep)
	setFingerprint(is, k, "")
	return &kite.ExportRecord{Issue: is, Timeline: timeline(is)}, nil
}

// setFingerprint gives is the identity of its key, with a history key or
// without.
func setFingerprint(is *kite.Issue, k key, historyKey string) {
	is.Key = historyKey
	is.Fingerprint = k.fingerprint(historyKey)
	is.ScopeID = kite.ScopeID(is.Fingerprint)
}

// times fills the issue's times from the original's columns: created and
// updated default to detected; a RESOLVED issue without resolved_at takes
// updated_at; an ACTIVE one loses a stale resolved_at (the original kept it
// when an issue was reopened by PUT).
func times(r *row, is *kite.Issue, rep *Report) error {
	if err := kite.CheckTime("detected_at", is.DetectedAt); err != nil {
		return err
	}
	opt := func(field string, t *time.Time) (time.Time, bool, error) {
		if t == nil {
			return time.Time{}, false, nil
		}
		if err := kite.CheckTime(field, *t); err != nil {
			return time.Time{}, false, err
		}
		return t.UTC(), true, nil
	}
	created, ok, err := opt("created_at", r.CreatedAt)
	if err != nil {
		return err
	}
	if !ok {
		created = is.DetectedAt
	}
	updated, ok, err := opt("updated_at", r.UpdatedAt)
	if err != nil {
		return err
	}
	if !ok || updated.Before(created) {
		updated = maxTime(created, is.DetectedAt)
	}
	resolved, ok, err := opt("resolved_at", r.ResolvedAt)
	if err != nil {
		return err
	}
	switch {
	case is.State == kite.StateResolved && !ok:
		rep.note(r.ID, "resolved_at missing on a RESOLVED issue -> updated_at")
		resolved = updated
		ok = true
	case is.State == kite.StateActive && ok:
		rep.note(r.ID, "resolved_at on an ACTIVE issue dropped")
		ok = false
	}
	if ok && resolved.Before(is.DetectedAt) {
		rep.note(r.ID, "resolved_at before detected_at -> detected_at")
		resolved = is.DetectedAt
	}
	is.CreatedAt, is.UpdatedAt = created, updated
	is.FirstSeen, is.LastSeen = is.DetectedAt, maxTime(is.DetectedAt, updated)
	if ok {
		is.ResolvedAt = &resolved
		// The last failure was seen before the issue was resolved.
		if is.LastSeen.After(resolved) {
			is.LastSeen = resolved
		}
	}
	return nil
}

// convertLinks keeps the links Kite can hold: http(s) URLs, at most
// maxLinks, each with a title.
func convertLinks(id string, links []link, rep *Report) []kite.Link {
	out := make([]kite.Link, 0, len(links))
	for _, l := range links {
		if err := kite.CheckURL("url", l.URL); err != nil {
			rep.note(id, "link dropped: not an http(s) URL")
			continue
		}
		if len(out) == maxLinks {
			rep.note(id, fmt.Sprintf("links past %d dropped", maxLinks))
			break
		}
		title := cut(id, "link title", l.Title, maxTitle, rep)
		if strings.TrimSpace(title) == "" {
			rep.note(id, `link title empty -> "Link"`)
			title = "Link"
		}
		out = append(out, kite.Link{ID: l.ID, Title: title, URL: strings.TrimSpace(l.URL), IssueID: id})
	}
	return out
}

// timeline is what the original's columns say happened: the issue was
// opened when detected and, if resolved, resolved then.
func timeline(is *kite.Issue) []kite.Event {
	evs := []kite.Event{{Time: is.DetectedAt, Kind: kite.EventOpened, Actor: Actor, Message: "opened in the original Kite"}}
	if is.ResolvedAt != nil {
		evs = append(evs, kite.Event{Time: *is.ResolvedAt, Kind: kite.EventResolved, Actor: Actor, Message: "resolved in the original Kite"})
	}
	return evs
}

// cut shortens v to at most max bytes on a rune boundary, reporting it.
func cut(id, field, v string, max int, rep *Report) string {
	if len(v) <= max {
		return v
	}
	rep.note(id, fmt.Sprintf("%s cut to %d bytes", field, max))
	return kite.CutBytes(v, max)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ImportActor is who resolves an issue the migration finds superseded.
const ImportActor = "kite-import"

// AsDuplicateOf keeps rec beside holder, the issue of Kite that already
// holds its scope (Kite ran beside the original and saw the same
// failures): rec keeps its id and history under its own key, is related to
// holder, and, if still active, is resolved now as holder's duplicate, so
// that one issue per scope stays open.
func AsDuplicateOf(rec *Record, holder string, now time.Time) {
	is := rec.Issue
	setFingerprint(is, key{namespace: is.Namespace, issueType: is.IssueType, scope: is.Scope}, HistoryKey(is.ID))
	rec.History = true
	if is.State == kite.StateActive {
		now = now.UTC()
		is.State, is.ResolvedAt, is.ResolvedBy = kite.StateResolved, &now, ImportActor
		rec.Timeline = append(rec.Timeline, kite.Event{Time: now, Kind: kite.EventResolved, Actor: ImportActor,
			Message: "resolved as a duplicate of " + holder + ", which holds its scope in Kite"})
	}
	for _, r := range rec.Related {
		if r == holder {
			return
		}
	}
	rec.Related = append(rec.Related, holder)
}
