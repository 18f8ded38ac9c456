package tui

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func issue(i int, state kite.State) *kite.Issue {
	return &kite.Issue{ID: fmt.Sprintf("id-%03d", i), Namespace: "team-a", Title: fmt.Sprintf("Issue %d", i),
		Severity: kite.SeverityMajor, State: state, IssueType: kite.IssueTypeBuild, LastSeen: t0, Occurrences: 1}
}

func filled(n, height int) *issueList {
	l := newIssueList()
	l.height, l.width = height, 80
	res := &kite.SearchResult{Total: n * 2, NextCursor: "next"}
	for i := range n {
		res.Hits = append(res.Hits, kite.SearchHit{Issue: issue(i, kite.StateActive)})
	}
	l.reset(res)
	return &l
}

func TestListMovesAndScrolls(t *testing.T) {
	l := filled(100, 10)
	l.move(15)
	assert.Equal(t, 15, l.cursor)
	assert.Equal(t, 6, l.offset, "the cursor's row stays visible")
	l.move(-100)
	assert.Equal(t, 0, l.cursor)
	l.moveTo(1000)
	assert.Equal(t, 99, l.cursor, "no further than the loaded rows")
	assert.True(t, l.wantsMore(), "near the end of what is loaded, with more on the server")
	l.loading = true
	assert.False(t, l.wantsMore(), "one page request at a time")
}

func TestListRendersOnlyVisibleRows(t *testing.T) {
	l := filled(100, 5)
	l.moveTo(50)
	out := l.view(t0, false)
	assert.Contains(t, out, "Issue 50")
	assert.NotContains(t, out, "Issue 40")
	assert.NotContains(t, out, "Issue 60")
	assert.NotContains(t, out, "NAMESPACE", "one namespace: no column for it")
	assert.Contains(t, l.view(t0, true), "NAMESPACE")
}

func TestListAppliesChangesWithoutLosingItsPlace(t *testing.T) {
	q, err := kite.ParseQuery("is:active", t0)
	require.NoError(t, err)
	l := filled(10, 5)
	l.moveTo(3)
	on := l.current().ID

	// A new matching issue goes first; the cursor stays on its issue.
	l.apply(kite.IssueChange{Kind: kite.ChangeCreated, ID: "new", Issue: issue(100, kite.StateActive)}, q)
	assert.Equal(t, "id-100", l.rows[0].ID)
	assert.Equal(t, on, l.current().ID)
	assert.Equal(t, 21, l.total)

	// An update replaces the row in place.
	changed := issue(5, kite.StateActive)
	changed.Occurrences = 9
	l.apply(kite.IssueChange{Kind: kite.ChangeUpdated, ID: changed.ID, Issue: changed}, q)
	assert.Equal(t, int64(9), l.rows[l.index(changed.ID)].Occurrences)
	assert.Equal(t, on, l.current().ID)

	// An issue that stops matching (resolved under is:active) leaves.
	l.selected["id-001"] = true
	l.apply(kite.IssueChange{Kind: kite.ChangeResolved, ID: "id-001", Issue: issue(1, kite.StateResolved)}, q)
	assert.Negative(t, l.index("id-001"))
	assert.False(t, l.selected["id-001"])
	assert.Equal(t, on, l.current().ID)

	// Deleting the current row keeps the cursor on a row.
	l.apply(kite.IssueChange{Kind: kite.ChangeDeleted, ID: on}, q)
	require.NotNil(t, l.current())
	assert.NotEqual(t, on, l.current().ID)

	// A change of an issue not loaded and not new is no row.
	n := len(l.rows)
	l.apply(kite.IssueChange{Kind: kite.ChangeUpdated, ID: "elsewhere", Issue: issue(500, kite.StateActive)}, q)
	assert.Len(t, l.rows, n)
}

func TestListSelection(t *testing.T) {
	l := filled(5, 5)
	assert.Equal(t, []string{"id-000"}, l.targets(), "without a selection: the current row")
	l.toggle()
	l.moveTo(2)
	l.toggle()
	assert.Equal(t, []string{"id-000", "id-002"}, l.targets())
	l.toggle()
	assert.Equal(t, []string{"id-000"}, l.targets())
}

// TestTitleSaysWhenCountingStopped: a total that is only where counting
// stopped reads "10000+", and a later page keeps saying so.
func TestTitleSaysWhenCountingStopped(t *testing.T) {
	m := New(t.Context(), nil, Options{Namespace: "team-a"})
	m.width = 100
	m.list.reset(&kite.SearchResult{Total: 10000, TotalIsLowerBound: true, NextCursor: "next",
		Hits: []kite.SearchHit{{Issue: issue(1, kite.StateActive)}}})
	assert.Contains(t, m.Screen(), "team-a · 10000+ issue(s)")
	m.list.extend(&kite.SearchResult{Total: 812, Hits: []kite.SearchHit{{Issue: issue(2, kite.StateActive)}}})
	assert.Contains(t, m.Screen(), "team-a · 812 issue(s)")
}
