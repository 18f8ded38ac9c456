package index

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/document"

	"github.com/konflux-ci/kite"
)

// document is what the index holds of an issue, built field by field
// from the schema rather than mapped by reflection from a struct. Absent
// values (no resolution, no failure context) are absent fields rather than
// zero values that range queries would match.
func (a analyzers) document(is *kite.Issue) *document.Document {
	d := document.NewDocument(is.ID)
	add := func(name string, values ...string) {
		spec := schema[name]
		for _, v := range values {
			if v == "" {
				continue // nothing to find: an absent field
			}
			d.AddField(document.NewTextFieldCustom(name, nil, []byte(v), spec.options(), a[spec.kind]))
		}
	}
	add(fieldID, is.ID)
	add(fieldTitle, is.Title)
	add(fieldNamespace, is.Namespace)
	add(fieldState, string(is.State))
	add(fieldSeverity, string(is.Severity))
	add(fieldSevRank, strconv.Itoa(is.Severity.Rank()))
	add(fieldIssueType, string(is.IssueType))
	add(fieldScopeType, is.Scope.ResourceType)
	add(fieldScopeName, is.Scope.ResourceName)
	add(fieldOccurrences, countKey(is.Occurrences))
	add(fieldDetectedAt, timeKey(is.DetectedAt))
	add(fieldLastSeen, timeKey(is.LastSeen))
	add(fieldFirstSeen, timeKey(is.FirstSeen))
	add(fieldScopeKey, scopeKeys(is.Namespace, string(is.State), is.Severity.Rank())...)
	d.AddField(document.NewBooleanFieldWithIndexingOptions(fieldRegressed, nil,
		is.ReopenCount > 0 && is.State == kite.StateActive, schema[fieldRegressed].options()))
	if is.ResolvedAt != nil {
		add(fieldResolvedAt, timeKey(*is.ResolvedAt))
	}
	prose := []string{is.Title, is.Description}
	if f := is.Failure; f != nil {
		reason := strings.TrimSpace(f.Reason + "\n" + f.Message)
		add(fieldReason, reason)
		add(fieldTask, f.Task)
		add(fieldStep, f.Step)
		prose = append(prose, reason, f.Task, f.Step)
	}
	for i, v := range prose {
		if v != "" {
			// Array positions keep a phrase inside one value.
			d.AddField(document.NewTextFieldCustom(fieldText, []uint64{uint64(i)}, []byte(v), schema[fieldText].options(), a[kindProse]))
		}
	}
	// Identifiers are taken from all the text.
	add(fieldIdent, strings.Join(append(prose, is.Scope.ResourceName), "\n"))
	for k, v := range is.Labels {
		add(fieldLabels, k, k+"="+v)
	}
	add(fieldAssignee, is.Assignee)
	add(fieldSilence, is.Muted...)
	for flag, on := range map[string]bool{triageAcked: is.AckedBy != "", triageAssigned: is.Assignee != "", triageCommented: is.Comments > 0, triageSnoozed: is.Snooze != nil, triageMuted: len(is.Muted) > 0} {
		if on {
			add(fieldTriage, flag)
		}
	}
	return d
}

// fieldTriage's terms.
const (
	triageAcked     = "acked"
	triageAssigned  = "assigned"
	triageCommented = "commented"
	triageSnoozed   = "snoozed"
	triageMuted     = "muted"
)

// timeKey formats a time as a fixed-width UTC string whose byte order is
// time order.
func timeKey(t time.Time) string { return t.UTC().Format(timeKeyLayout) }

const timeKeyLayout = "2006-01-02T15:04:05.000000000Z"

// countKey formats a count as fixed-width digits whose byte order is
// numeric order.
func countKey(n int64) string { return fmt.Sprintf("%019d", max(n, 0)) }

// scopeKeys are the fieldScopeKey terms of an issue: its namespace alone,
// with its state, with its severity and with both; and, for the "at least"
// ranges triage asks most (severity:>=major), with each lower bound its
// severity meets, so that such a filter is one term too.
func scopeKeys(ns, state string, rank int) []string {
	keys := []string{ns, scopeKey(ns, state, sevEq, 0), scopeKey(ns, "", sevEq, rank), scopeKey(ns, state, sevEq, rank)}
	for r := 2; r <= rank; r++ { // at least rank 1 holds for every issue
		keys = append(keys, scopeKey(ns, "", sevAtLeast, r), scopeKey(ns, state, sevAtLeast, r))
	}
	return keys
}

// How a scope key bounds the severity rank.
const (
	sevEq      = "\x1fV"
	sevAtLeast = "\x1fG"
)

// scopeKey joins a namespace with a state and a severity rank bound, either
// of which may be absent ("" or rank 0).
func scopeKey(ns, state, bound string, rank int) string {
	k := ns
	if state != "" {
		k += "\x1fS" + state
	}
	if rank > 0 {
		k += bound + strconv.Itoa(rank)
	}
	return k
}
