package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/konflux-ci/kite"
)

// issueList is the list screen's state: the rows loaded so far (a page at
// a time, the next page fetched as the cursor nears the end), the cursor,
// the first visible row and the selection. Only the visible rows are
// rendered, so its cost does not grow with the rows loaded.
type issueList struct {
	rows     []*kite.Issue
	cursor   int
	offset   int
	height   int
	width    int
	selected map[string]bool
	total    int
	bounded  bool // total is where counting stopped: there are more
	facets   map[string][]kite.FacetCount
	next     string // cursor of the next page; "" when all are loaded
	loading  bool
}

func newIssueList() issueList { return issueList{selected: map[string]bool{}} }

// prefetch is how close to the last loaded row the cursor may come before
// the next page is fetched.
const prefetch = 20

func (l *issueList) current() *kite.Issue {
	if l.cursor < 0 || l.cursor >= len(l.rows) {
		return nil
	}
	return l.rows[l.cursor]
}

func (l *issueList) wantsMore() bool {
	return !l.loading && l.next != "" && l.cursor >= len(l.rows)-prefetch
}

// move puts the cursor delta rows away, within the loaded rows.
func (l *issueList) move(delta int) {
	l.moveTo(l.cursor + delta)
}

func (l *issueList) moveTo(i int) {
	l.cursor = max(0, min(i, len(l.rows)-1))
	l.scroll()
}

// scroll keeps the cursor visible.
func (l *issueList) scroll() {
	h := max(l.height, 1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	l.offset = max(0, min(l.offset, max(len(l.rows)-h, 0)))
}

// reset replaces the rows with a first page.
func (l *issueList) reset(res *kite.SearchResult) {
	l.rows = l.rows[:0]
	for _, h := range res.Hits {
		l.rows = append(l.rows, h.Issue)
	}
	l.total, l.bounded, l.next, l.loading = res.Total, res.TotalIsLowerBound, res.NextCursor, false
	if res.Facets != nil {
		l.facets = res.Facets
	}
	l.cursor, l.offset = 0, 0
	for id := range l.selected {
		if l.index(id) < 0 {
			delete(l.selected, id)
		}
	}
	l.scroll()
}

// extend appends a further page.
func (l *issueList) extend(res *kite.SearchResult) {
	for _, h := range res.Hits {
		if l.index(h.Issue.ID) < 0 {
			l.rows = append(l.rows, h.Issue)
		}
	}
	l.total, l.bounded, l.next, l.loading = res.Total, res.TotalIsLowerBound, res.NextCursor, false
}

func (l *issueList) index(id string) int {
	return slices.IndexFunc(l.rows, func(is *kite.Issue) bool { return is.ID == id })
}

// apply takes a change into the rows without moving the cursor off the
// issue it is on: a changed row is replaced in place, a row that no
// longer matches the query (or was deleted) is removed, a new matching
// issue is put first (the list is newest first).
func (l *issueList) apply(c kite.IssueChange, q *kite.Query) {
	var onID string
	if cur := l.current(); cur != nil {
		onID = cur.ID
	}
	i := l.index(c.ID)
	matches := c.Issue != nil && q.Matches(c.Issue)
	switch {
	case i >= 0 && matches:
		l.rows[i] = c.Issue
	case i >= 0:
		l.rows = slices.Delete(l.rows, i, i+1)
		delete(l.selected, c.ID)
		l.total = max(l.total-1, 0)
	case matches && (c.Kind == kite.ChangeCreated || c.Kind == kite.ChangeReopened):
		// New, or reopened (detected again now): the newest, on top. An
		// older issue that starts to match shows at the next reading of
		// the page; the counts follow at once (loadCounts).
		l.rows = slices.Insert(l.rows, 0, c.Issue)
		l.total++
	default:
		return
	}
	if j := l.index(onID); j >= 0 {
		l.cursor = j
	}
	l.moveTo(l.cursor)
}

// targets are the issues an action applies to: the selection, else the
// row under the cursor.
func (l *issueList) targets() []string {
	var ids []string
	for _, is := range l.rows {
		if l.selected[is.ID] {
			ids = append(ids, is.ID)
		}
	}
	if len(ids) == 0 {
		if cur := l.current(); cur != nil {
			ids = []string{cur.ID}
		}
	}
	return ids
}

func (l *issueList) toggle() {
	if cur := l.current(); cur != nil {
		if l.selected[cur.ID] {
			delete(l.selected, cur.ID)
		} else {
			l.selected[cur.ID] = true
		}
	}
}

// Column widths; the title takes the rest.
const (
	colSeverity  = 8
	colState     = 9
	colNamespace = 12
	colCount     = 5
	colSeen      = 9
)

// view draws the rows; the NAMESPACE column only when they come from
// several namespaces (withNS).
func (l *issueList) view(now time.Time, withNS bool) string {
	var b strings.Builder
	nsWidth := 0
	if withNS {
		nsWidth = colNamespace + 1
	}
	nsCell := func(ns string) string {
		if !withNS {
			return ""
		}
		return fmt.Sprintf("%-*s ", colNamespace, cut(ns, colNamespace))
	}
	titleWidth := max(l.width-2-colSeverity-colState-nsWidth-colCount-colSeen-4, 10)
	head := fmt.Sprintf("  %-*s %-*s %s%*s %-*s %s", colSeverity, "SEVERITY", colState, "STATE", nsCell("NAMESPACE"),
		colCount, "OCC", colSeen, "LAST SEEN", "TITLE")
	b.WriteString(styleHeader.Render(cut(head, l.width)))
	for i := l.offset; i < l.offset+l.height; i++ {
		b.WriteByte('\n')
		if i >= len(l.rows) {
			continue
		}
		is := l.rows[i]
		// The cursor and the selection show in text too, for terminals
		// without colour and for NO_COLOR.
		mark := []byte("  ")
		if i == l.cursor {
			mark[0] = '>'
		}
		if l.selected[is.ID] {
			mark[1] = '*'
		}
		sev := lipgloss.NewStyle().Width(colSeverity).Render(styleSeverity(is.Severity))
		line := fmt.Sprintf("%s%s %-*s %s%*d %-*s %s", mark, sev, colState, stateOf(is), nsCell(is.Namespace),
			colCount, is.Occurrences, colSeen, kite.FormatAge(now, is.LastSeen), cut(oneLine(is.Title), titleWidth))
		switch {
		case i == l.cursor:
			line = styleCursor.Render(cut(line, l.width))
		case l.selected[is.ID]:
			line = styleSelected.Render(line)
		}
		b.WriteString(line)
	}
	return b.String()
}

// facetLine summarises the counts over all matches.
func (l *issueList) facetLine() string {
	var parts []string
	for _, f := range []string{kite.FieldSeverity, kite.FieldState} {
		for _, c := range l.facets[f] {
			parts = append(parts, c.Value+" "+strconv.Itoa(c.Count))
		}
	}
	return strings.Join(parts, " · ")
}

func stateOf(is *kite.Issue) string {
	if is.State == kite.StateActive && is.ReopenCount > 0 {
		return "REGRESSED"
	}
	return string(is.State)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to n cells, with an ellipsis.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= n {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r)) > n-1 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// Update takes the list's own keys (moving, selecting) and reports
// whether the key was one of them.
func (l *issueList) Update(msg tea.KeyPressMsg, k listKeys) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.move(-1)
	case key.Matches(msg, k.Down):
		l.move(1)
	case key.Matches(msg, k.PageUp):
		l.move(-l.height)
	case key.Matches(msg, k.PageDown):
		l.move(l.height)
	case key.Matches(msg, k.Top):
		l.moveTo(0)
	case key.Matches(msg, k.Bottom):
		l.moveTo(len(l.rows) - 1)
	case key.Matches(msg, k.Select):
		l.toggle()
		l.move(1)
	default:
		return false
	}
	return true
}
