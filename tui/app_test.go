package tui_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/tui"
)

// Golden files are rendered without colour, at a fixed size and time.
func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	code := m.Run()
	benchCleanup()
	os.Exit(code)
}

var (
	ctx = context.Background()
	now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
)

func report(t *testing.T, s *service.Service, ns, title string, sev kite.Severity, minutesAgo int) *kite.Issue {
	t.Helper()
	res, err := s.Report(ctx, kite.Report{
		Namespace: ns, Title: title, Description: title + ": the pipeline run failed with reason OOMKilled",
		Severity: sev, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: title},
		At: now.Add(-time.Duration(minutesAgo) * time.Minute),
	})
	require.NoError(t, err)
	return res.Issue
}

// firstRow is the newest of seeded's team-a issues: the first row of the
// console's first page.
const firstRow = "frontend image push denied"

// seeded is a service with four issues in team-a and one elsewhere.
func seeded(t *testing.T) *service.Service {
	t.Helper()
	s := servicetest.Open(t)
	report(t, s, "team-a", "frontend image push denied", kite.SeverityCritical, 5)
	report(t, s, "team-a", "backend unit tests", kite.SeverityMinor, 30)
	report(t, s, "team-a", "docs link check", kite.SeverityInfo, 90)
	report(t, s, "team-a", "release of shop 1.2", kite.SeverityMajor, 600)
	report(t, s, "team-b", "not ours", kite.SeverityMajor, 1)
	servicetest.WaitIndexed(t, s)
	return s
}

// console is a running program and everything it has drawn. The renderer
// sends only what changed, so conditions look at all the output since the
// last keys were sent, not at one frame.
type console struct {
	*teatest.TestModel
	mu   sync.Mutex
	out  bytes.Buffer
	mark int
}

// start runs the console on seeded's team-a and returns once it can take
// keys: its first page drawn and its feed live. The page and the feed are
// requested together and either may come first; keys sent before the page
// would move on, or act on, an empty list, and changes made before the
// feed is live would be missed.
func start(t *testing.T, s *service.Service, o tui.Options) *console {
	t.Helper()
	if o.Namespace == "" {
		o.Namespace = "team-a"
	}
	o.Now = func() time.Time { return now }
	c := &console{TestModel: teatest.NewTestModel(t, tui.New(ctx, s, o), teatest.WithInitialTermSize(80, 24))}
	t.Cleanup(func() { _ = c.Quit() })
	go c.collect()
	waitFor(t, c, firstRow)
	waitFor(t, c, "● live")
	return c
}

// collect keeps everything the program draws, until its output ends.
func (c *console) collect() {
	buf := make([]byte, 4096)
	for {
		n, err := c.Output().Read(buf)
		c.mu.Lock()
		c.out.Write(buf[:n])
		c.mu.Unlock()
		if err != nil && err != io.EOF {
			return
		}
		if n == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// waitFor waits until what was drawn since the last keys contains what.
func waitFor(t *testing.T, c *console, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		ok := bytes.Contains(c.out.Bytes()[c.mark:], []byte(what))
		c.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("%q not drawn within 10s; drawn since the last keys:\n%s", what, c.out.Bytes()[c.mark:])
}

func keys(c *console, ks ...string) {
	c.mu.Lock()
	c.mark = c.out.Len()
	c.mu.Unlock()
	for _, k := range ks {
		switch k {
		case "enter":
			c.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			c.Send(tea.KeyMsg{Type: tea.KeyEsc})
		case " ":
			c.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		default:
			c.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

// typeText types into a prompt, counting as keys.
func typeText(c *console, s string) {
	keys(c)
	c.Type(s)
}

func final(t *testing.T, c *console) *tui.Model {
	t.Helper()
	require.NoError(t, c.Quit())
	return c.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*tui.Model)
}

func TestListScreenGolden(t *testing.T) {
	s := seeded(t)
	tm := start(t, s, tui.Options{})
	teatest.RequireEqualOutput(t, []byte(final(t, tm).View()))
}

func TestHelpOverlayGolden(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "?")
	waitFor(t, tm, "any key closes this")
	teatest.RequireEqualOutput(t, []byte(final(t, tm).View()))
}

func TestQueryBarShowsTheServersError(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "/")
	typeText(tm, "severity:>=")
	keys(tm, "enter")
	waitFor(t, tm, "severity must be one of")
	// Fix it in place: the list narrows to the matches.
	typeText(tm, "major")
	waitFor(t, tm, "severity:>=major")
	keys(tm, "enter")
	waitFor(t, tm, "2 issue(s)")
	m := final(t, tm)
	assert.Contains(t, m.View(), "2 issue(s)")
	assert.NotContains(t, m.View(), "backend unit tests")
}

// TestKeysArrivingTogether: a key binding followed at once by text (one
// read of the terminal) still opens the prompt and types the rest into it.
func TestKeysArrivingTogether(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "/severity:>=major")
	waitFor(t, tm, "/severity:>=major")
	keys(tm, "enter")
	waitFor(t, tm, "2 issue(s)")
	assert.Contains(t, final(t, tm).View(), "2 issue(s)")
}

func TestDetailPane(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "j", "enter")
	waitFor(t, tm, "Timeline")
	m := final(t, tm)
	assert.Contains(t, m.View(), "backend unit tests: the pipeline run failed with reason OOMKilled")
	assert.Contains(t, m.View(), "opened")
}

func TestBulkResolveAndDelete(t *testing.T) {
	s := seeded(t)
	var copied string
	tm := start(t, s, tui.Options{User: "alice", Copy: func(v string) error { copied = v; return nil }})
	// Select the first two, resolve both.
	keys(tm, " ", " ", "r")
	waitFor(t, tm, "resolved 2 issue(s)")
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", State: kite.StateResolved})
	require.NoError(t, err)
	require.Equal(t, 2, list.Total)
	for _, is := range list.Issues {
		assert.Equal(t, "alice", is.ResolvedBy)
	}
	// Copy the id of the third, then delete it after confirming.
	keys(tm, "g", "j", "j", "y")
	waitFor(t, tm, "copied")
	keys(tm, "d")
	waitFor(t, tm, "delete 1 issue(s)? y/n")
	keys(tm, "y")
	waitFor(t, tm, "deleted 1 issue(s)")
	_, err = s.GetIssue(ctx, copied)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "the copied id was the deleted issue's")
	final(t, tm)
}

func TestLiveChangesKeepTheCursor(t *testing.T) {
	s := seeded(t)
	tm := start(t, s, tui.Options{})
	keys(tm, "j", "j") // on "docs link check"
	waitFor(t, tm, "> info")
	keys(tm)
	report(t, s, "team-a", "brand new failure", kite.SeverityMajor, 0)
	report(t, s, "team-b", "still not ours", kite.SeverityMajor, 0)
	report(t, s, "team-a", "docs link check", kite.SeverityInfo, 0) // a second occurrence
	waitFor(t, tm, "brand new failure")
	waitFor(t, tm, "2 0s        docs link check")
	m := final(t, tm)
	view := m.View()
	assert.Contains(t, view, "5 issue(s)")
	assert.NotContains(t, view, "still not ours")
	cur := m.Current()
	require.NotNil(t, cur)
	assert.Equal(t, "docs link check", cur.Title, "the cursor stayed on its issue")
	assert.Equal(t, int64(2), cur.Occurrences)
}

func TestNamespaceSwitchAndPalette(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "n")
	typeText(tm, "team-b")
	keys(tm, "enter")
	waitFor(t, tm, "kite · team-b")
	waitFor(t, tm, "not ours")
	keys(tm, ":")
	typeText(tm, "frobnicate")
	keys(tm, "enter")
	waitFor(t, tm, "unknown command")
	m := final(t, tm)
	assert.Contains(t, m.View(), "kite · team-b · 1 issue(s)")
}
