package kite

import (
	"slices"
	"strings"
	"time"
)

// Matches reports whether an issue meets every term of the query, for
// filters that see one issue at a time (the event stream) rather than the
// index. Field terms mean what they mean in a search. Free words and
// phrases are matched as case-insensitive substrings of the issue's text
// (title, description, failure, scope name): "depend" finds "dependency"
// as in a search, but there is no stemming, so "dependencies" does not.
// Positive ns: terms are alternatives, as in a search (Namespaces).
func (q *Query) Matches(is *Issue) bool {
	return q.MatchesTarget(NewTarget(is))
}

// Target is an issue prepared for matching against many queries (every
// active silence, at each write): its text is lowered once, when a query
// first needs it, rather than once per query.
type Target struct {
	is                              *Issue
	lowered                         bool
	text, title, reason, task, step string
}

// NewTarget prepares is for MatchesTarget.
func NewTarget(is *Issue) *Target { return &Target{is: is} }

func (t *Target) lower() *Target {
	if t.lowered {
		return t
	}
	t.lowered = true
	is := t.is
	parts := []string{is.Title, is.Description, is.Scope.ResourceName}
	t.title = strings.ToLower(is.Title)
	if f := is.Failure; f != nil {
		parts = append(parts, f.Reason, f.Message, f.Task, f.Step)
		t.reason = strings.ToLower(f.Reason + "\n" + f.Message)
		t.task, t.step = strings.ToLower(f.Task), strings.ToLower(f.Step)
	}
	t.text = strings.ToLower(strings.Join(parts, "\n"))
	return t
}

// MatchesTarget is Matches for a prepared issue.
func (q *Query) MatchesTarget(target *Target) bool {
	is := target.is
	// Positive ns: terms are alternatives: one of them must name it.
	named, in := false, false
	for _, t := range q.Terms {
		if t.namesNamespace() {
			named, in = true, in || t.Text == is.Namespace
		}
	}
	if named && !in {
		return false
	}
	// Field comparisons first: most issues fail one of them, and then
	// no text is lowered or searched.
	for _, text := range []bool{false, true} {
		for _, t := range q.Terms {
			if t.namesNamespace() || t.isText() != text {
				continue // namespaces are decided above
			}
			if t.matches(target) == t.Negated {
				return false
			}
		}
	}
	return true
}

// isText reports whether matching t searches text.
func (t Term) isText() bool {
	return t.Kind != TermField || slices.Contains([]string{FieldTitle, FieldReason, FieldTask, FieldStep}, t.Field)
}

func (t Term) matches(target *Target) bool {
	is := target.is
	if t.Kind != TermField {
		return strings.Contains(target.lower().text, strings.ToLower(t.Text))
	}
	switch t.Field {
	case FieldNamespace:
		return is.Namespace == t.Text
	case FieldState:
		return strings.EqualFold(string(is.State), t.Text)
	case FieldRegressed:
		return is.ReopenCount > 0 && is.State == StateActive
	case FieldIssueType:
		return string(is.IssueType) == t.Text
	case FieldSeverity:
		lo, hi := t.SeverityRanks()
		r := is.Severity.Rank()
		return r >= lo && r <= hi
	case FieldScopeType:
		return is.Scope.ResourceType == t.Text
	case FieldScope:
		if typ, name, ok := strings.Cut(t.Text, "/"); ok {
			return is.Scope.ResourceType == typ && is.Scope.ResourceName == name
		}
		return is.Scope.ResourceName == t.Text
	case FieldLabel:
		v, ok := is.Labels[t.LabelKey]
		return ok && (t.Text == "" || v == t.Text)
	case FieldOccurrences:
		return is.Occurrences >= t.Low && (t.High < 0 || is.Occurrences <= t.High)
	case FieldDetectedAt:
		return inWindow(is.DetectedAt, t.Min, t.Max)
	case FieldLastSeen:
		return inWindow(is.LastSeen, t.Min, t.Max)
	case FieldFirstSeen:
		return inWindow(is.FirstSeen, t.Min, t.Max)
	case FieldResolvedAt:
		return is.ResolvedAt != nil && inWindow(*is.ResolvedAt, t.Min, t.Max)
	case FieldTitle:
		return strings.Contains(target.lower().title, strings.ToLower(t.Text))
	case FieldAcked:
		return is.AckedBy != ""
	case FieldAssignee:
		return is.Assignee == t.Text
	case FieldAssigned:
		return is.Assignee != ""
	case FieldComments:
		return is.Comments > 0
	case FieldSnoozed:
		return is.Snooze != nil
	case FieldMuted:
		return len(is.Muted) > 0
	case FieldSilence:
		return slices.Contains(is.Muted, t.Text)
	}
	// reason, task, step: the failure's fields.
	if is.Failure == nil {
		return false
	}
	target.lower()
	switch t.Field {
	case FieldReason:
		return strings.Contains(target.reason, strings.ToLower(t.Text))
	case FieldTask:
		return strings.Contains(target.task, strings.ToLower(t.Text))
	case FieldStep:
		return strings.Contains(target.step, strings.ToLower(t.Text))
	}
	return false
}

// inWindow: [min, max), either end zero for open.
func inWindow(t, min, max time.Time) bool {
	return (min.IsZero() || !t.Before(min)) && (max.IsZero() || t.Before(max))
}
