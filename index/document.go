package index

import (
	"strings"

	"github.com/konflux-ci/kite"
)

// document is what the index holds of an issue: a map so that absent
// values (no resolution, no failure context) are absent fields rather than
// zero values that range queries would match.
func document(is *kite.Issue) map[string]any {
	d := map[string]any{
		fieldTitle:       is.Title,
		fieldDescription: is.Description,
		fieldNamespace:   is.Namespace,
		fieldState:       string(is.State),
		fieldSeverity:    string(is.Severity),
		fieldSevRank:     float64(is.Severity.Rank()),
		fieldIssueType:   string(is.IssueType),
		fieldScopeType:   is.Scope.ResourceType,
		fieldScopeName:   is.Scope.ResourceName,
		fieldRegressed:   is.ReopenCount > 0 && is.State == kite.StateActive,
		fieldOccurrences: float64(is.Occurrences),
		fieldDetectedAt:  is.DetectedAt,
		fieldLastSeen:    is.LastSeen,
		fieldFirstSeen:   is.FirstSeen,
	}
	if is.ResolvedAt != nil {
		d[fieldResolvedAt] = *is.ResolvedAt
	}
	text := []string{is.Title, is.Scope.ResourceName, is.Description}
	if f := is.Failure; f != nil {
		d[fieldReason] = strings.TrimSpace(f.Reason + "\n" + f.Message)
		d[fieldTask] = f.Task
		d[fieldStep] = f.Step
		text = append(text, f.Reason, f.Message, f.Task, f.Step)
	}
	all := strings.Join(text, "\n")
	d[fieldSub] = all
	d[fieldIdent] = all
	if len(is.Labels) > 0 {
		labels := make([]string, 0, 2*len(is.Labels))
		for k, v := range is.Labels {
			labels = append(labels, k, k+"="+v)
		}
		d[fieldLabels] = labels
	}
	return d
}
