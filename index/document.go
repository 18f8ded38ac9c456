package index

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// document is what the index holds of an issue: a map so that absent
// values (no resolution, no failure context) are absent fields rather than
// zero values that range queries would match.
func document(is *kite.Issue) map[string]any {
	d := map[string]any{
		fieldID:          is.ID,
		fieldTitle:       is.Title,
		fieldDescription: is.Description,
		fieldNamespace:   is.Namespace,
		fieldState:       string(is.State),
		fieldSeverity:    string(is.Severity),
		fieldSevRank:     strconv.Itoa(is.Severity.Rank()),
		fieldIssueType:   string(is.IssueType),
		fieldScopeType:   is.Scope.ResourceType,
		fieldScopeName:   is.Scope.ResourceName,
		fieldRegressed:   is.ReopenCount > 0 && is.State == kite.StateActive,
		fieldOccurrences: countKey(is.Occurrences),
		fieldDetectedAt:  timeKey(is.DetectedAt),
		fieldLastSeen:    timeKey(is.LastSeen),
		fieldFirstSeen:   timeKey(is.FirstSeen),
	}
	d[fieldScopeKey] = scopeKeys(is.Namespace, string(is.State), is.Severity.Rank())
	if is.ResolvedAt != nil {
		d[fieldResolvedAt] = timeKey(*is.ResolvedAt)
	}
	// Identifiers are taken from all the text.
	short := []string{is.Title, is.Scope.ResourceName}
	if f := is.Failure; f != nil {
		d[fieldReason] = strings.TrimSpace(f.Reason + "\n" + f.Message)
		d[fieldTask] = f.Task
		d[fieldStep] = f.Step
		short = append(short, f.Reason, f.Message, f.Task, f.Step)
	}
	d[fieldIdent] = strings.Join(short, "\n") + "\n" + is.Description
	if len(is.Labels) > 0 {
		labels := make([]string, 0, 2*len(is.Labels))
		for k, v := range is.Labels {
			labels = append(labels, k, k+"="+v)
		}
		d[fieldLabels] = labels
	}
	return d
}

// timeKey formats a time as a fixed-width UTC string whose byte order is
// time order.
func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// countKey formats a count as fixed-width digits whose byte order is
// numeric order.
func countKey(n int64) string { return fmt.Sprintf("%019d", max(n, 0)) }

// scopeKeys are the fieldScopeKey terms of an issue.
func scopeKeys(ns, state string, rank int) []string {
	return []string{ns, scopeKey(ns, state, 0), scopeKey(ns, "", rank), scopeKey(ns, state, rank)}
}

// scopeKey joins a namespace with a state and a severity rank, either of
// which may be absent ("" or 0).
func scopeKey(ns, state string, rank int) string {
	k := ns
	if state != "" {
		k += "\x1fS" + state
	}
	if rank > 0 {
		k += "\x1fV" + strconv.Itoa(rank)
	}
	return k
}
