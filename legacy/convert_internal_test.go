package legacy

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// TestCutKeepsRunesWhole: a title past Kite's bound is cut on a rune
// boundary, and the cut reported.
func TestCutKeepsRunesWhole(t *testing.T) {
	rep := &Report{}
	long := strings.Repeat("é", maxTitle) // two bytes each
	got := cut("id-1", "title", long, maxTitle, rep)
	assert.True(t, utf8.ValidString(got))
	assert.Len(t, got, maxTitle)
	assert.Equal(t, "ok", cut("id-2", "title", "ok", maxTitle, rep))
	odd := cut("id-3", "title", "a"+long, maxTitle, rep)
	assert.True(t, utf8.ValidString(odd))
	assert.Len(t, odd, maxTitle-1, "half a rune is dropped, not kept broken")
	require.Len(t, rep.Changes(), 1)
	assert.Equal(t, Change{What: "title cut to 1024 bytes", Count: 2, Examples: []string{"id-1", "id-3"}}, rep.Changes()[0])
}

// TestConvertRefusesTimesKiteCannotStore: the original's timestamptz
// holds years Kite's records cannot; such an issue is refused by field.
func TestConvertRefusesTimesKiteCannotStore(t *testing.T) {
	ns, typ, name := "team-a", "build", "c"
	year1 := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &row{ID: "00000000-0000-4000-8000-000000000001", Title: "t", Description: "d", Severity: "major", IssueType: typ, Namespace: ns,
		DetectedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), ResolvedAt: &year1, ResourceType: &typ, ResourceName: &name}
	state := "RESOLVED"
	r.State = &state
	_, err := convert(r, nil, &Report{})
	var ke *kite.Error
	require.ErrorAs(t, err, &ke)
	assert.Equal(t, "resolved_at", ke.Field)

	r.ResolvedAt = nil
	r.ResourceName = nil
	_, err = convert(r, nil, &Report{})
	assert.ErrorContains(t, err, "scope row is missing")
}

// TestPlanWithOnlyResolvedIssues: the newest resolved issue of a scope
// holds it; the older ones are history; nothing is merged.
func TestPlanWithOnlyResolvedIssues(t *testing.T) {
	fp := [16]byte{1}
	old, mid, newest := entry{id: [16]byte{3}, fp: fp, detected: 1}, entry{id: [16]byte{1}, fp: fp, detected: 2}, entry{id: [16]byte{2}, fp: fp, detected: 3}
	alone := entry{id: [16]byte{9}, fp: [16]byte{2}, active: true}
	rep := &Report{}
	p := newPlan([]entry{newest, alone, old, mid}, rep)
	assert.Equal(t, roleSingle, p.role(newest.id))
	assert.Equal(t, roleHistory, p.role(old.id))
	assert.Equal(t, roleHistory, p.role(mid.id))
	assert.Equal(t, roleSingle, p.role(alone.id))
	assert.Equal(t, 2, rep.History)
	assert.Zero(t, rep.Merged)
}
