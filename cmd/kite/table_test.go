package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// colourCode matches the SGR escape codes the printer colours with.
var colourCode = regexp.MustCompile("\x1b\\[[0-9;]*m")

// cellStarts returns the display column at which each of cells starts in
// line, as a terminal shows it: colour codes take no room.
func cellStarts(t *testing.T, line string, cells ...string) []int {
	t.Helper()
	shown := colourCode.ReplaceAllString(line, "")
	var starts []int
	from := 0
	for _, c := range cells {
		i := strings.Index(shown[from:], c)
		require.GreaterOrEqual(t, i, 0, "%q in %q", c, shown)
		starts = append(starts, lipgloss.Width(shown[:from+i]))
		from += i + len(c)
	}
	return starts
}

func TestColouredTableColumnsLineUp(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	p := &printer{out: &out, format: "table", color: true, now: func() time.Time { return now }}
	// Each severity and state has a colour code of its own length.
	list := []*kite.Issue{
		{ID: "id-1", Severity: kite.SeverityCritical, State: kite.StateActive, Namespace: "team-a", Occurrences: 120, LastSeen: now.Add(-time.Minute), Title: "Registry down"},
		{ID: "id-2", Severity: kite.SeverityInfo, State: kite.StateResolved, Namespace: "team-b", Occurrences: 1, LastSeen: now.Add(-time.Hour), Title: "Flaky"},
		{ID: "id-3", Severity: kite.SeverityMinor, State: kite.StateActive, ReopenCount: 1, Namespace: "team-c", Occurrences: 7, LastSeen: now, Title: "Lint"},
	}
	require.NoError(t, p.issues(list))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 4)
	require.Contains(t, out.String(), "\x1b[", "coloured")

	header := cellStarts(t, lines[0], "ID", "SEVERITY", "STATE", "NAMESPACE", "OCCURRENCES", "LAST SEEN", "TITLE")
	for i, is := range list {
		row := cellStarts(t, lines[i+1], is.ID, string(is.Severity), colourCode.ReplaceAllString(p.state(is), ""), is.Namespace,
			strconv.FormatInt(is.Occurrences, 10), p.age(is.LastSeen), is.Title)
		assert.Equal(t, header, row, "row %d: %q", i+1, lines[i+1])
	}
}

// Cells are measured in terminal cells, not runes: a CJK character takes two.
func TestTableMeasuresDisplayWidth(t *testing.T) {
	var tb table
	tb.row("ビルド", "wide")
	tb.row("build", "narrow")
	var out bytes.Buffer
	require.NoError(t, tb.write(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, cellStarts(t, lines[0], "ビルド", "wide"), cellStarts(t, lines[1], "build", "narrow"), out.String())
	assert.Equal(t, "build   narrow", lines[1], "two spaces after the widest cell, none at the end")
}
