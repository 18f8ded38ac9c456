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
	if ns := q.Namespaces(); len(ns) > 0 && !slices.Contains(ns, is.Namespace) {
		return false
	}
	for _, t := range q.Terms {
		if t.namesNamespace() {
			continue // decided above
		}
		if t.matches(is) == t.Negated {
			return false
		}
	}
	return true
}

func (t Term) matches(is *Issue) bool {
	if t.Kind != TermField {
		return containsFold(issueText(is), t.Text)
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
		return containsFold(is.Title, t.Text)
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
	}
	// reason, task, step: the failure's fields.
	if is.Failure == nil {
		return false
	}
	switch t.Field {
	case FieldReason:
		return containsFold(is.Failure.Reason+"\n"+is.Failure.Message, t.Text)
	case FieldTask:
		return containsFold(is.Failure.Task, t.Text)
	case FieldStep:
		return containsFold(is.Failure.Step, t.Text)
	}
	return false
}

// issueText is the text free words are looked for in.
func issueText(is *Issue) string {
	parts := []string{is.Title, is.Description, is.Scope.ResourceName}
	if f := is.Failure; f != nil {
		parts = append(parts, f.Reason, f.Message, f.Task, f.Step)
	}
	return strings.Join(parts, "\n")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// inWindow: [min, max), either end zero for open.
func inWindow(t, min, max time.Time) bool {
	return (min.IsZero() || !t.Before(min)) && (max.IsZero() || t.Before(max))
}
