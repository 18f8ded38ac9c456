package tui_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/tui"
)

// Golden files are rendered without styles, at a fixed size and time.
func TestMain(m *testing.M) {
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

// console is a running program and every frame it has rendered. Bubble
// Tea v2 writes only the cells that changed, so the tests read frames from
// the model's own View (through recorder), not the terminal output.
type console struct {
	*teatest.TestModel
	rec *recorder
}

// recorder wraps the model and keeps each frame it renders, without
// styles.
type recorder struct {
	*tui.Model
	mu     sync.Mutex
	frames []string
	mark   int
}

func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.Model.Update(msg)
	return r, cmd
}

func (r *recorder) View() tea.View {
	v := r.Model.View()
	r.mu.Lock()
	r.frames = append(r.frames, ansi.Strip(v.Content))
	r.mu.Unlock()
	return v
}

// start runs the console on seeded's team-a and returns once it can take
// keys: its first page drawn and its feed live. The page and the feed are
// requested together and either may come first; keys sent before the page
// would move on, or act on, an empty list, and changes made before the
// feed is live would be missed.
func start(t *testing.T, s *service.Service, o tui.Options) *console {
	t.Helper()
	return startSized(t, s, o, 80, 24)
}

func startSized(t *testing.T, s *service.Service, o tui.Options, w, h int) *console {
	t.Helper()
	if o.Namespace == "" {
		o.Namespace = "team-a"
	}
	o.Now = func() time.Time { return now }
	rec := &recorder{Model: tui.New(ctx, s, o)}
	c := &console{rec: rec, TestModel: teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))}
	t.Cleanup(func() { _ = c.Quit() })
	waitFor(t, c, firstRow)
	waitFor(t, c, "● live")
	return c
}

// waitFor waits until a frame rendered since the last keys contains what.
func waitFor(t *testing.T, c *console, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.rec.mu.Lock()
		ok := slices.ContainsFunc(c.rec.frames[c.rec.mark:], func(f string) bool { return strings.Contains(f, what) })
		c.rec.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	last := ""
	if n := len(c.rec.frames); n > 0 {
		last = c.rec.frames[n-1]
	}
	t.Fatalf("%q not drawn within 10s; the last frame:\n%s", what, last)
}

// press is one key as the terminal reports it.
func press(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func keys(c *console, ks ...string) {
	c.rec.mu.Lock()
	c.rec.mark = len(c.rec.frames)
	c.rec.mu.Unlock()
	for _, k := range ks {
		c.Send(press(k))
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
	return c.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*recorder).Model
}

// screen is the model's screen without styles.
func screen(m *tui.Model) string { return ansi.Strip(m.Screen()) }

func TestListScreenGolden(t *testing.T) {
	s := seeded(t)
	tm := start(t, s, tui.Options{})
	teatest.RequireEqualOutput(t, []byte(screen(final(t, tm))))
}

func TestHelpOverlayGolden(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "?")
	waitFor(t, tm, "any key closes this")
	teatest.RequireEqualOutput(t, []byte(screen(final(t, tm))))
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
	assert.Contains(t, screen(m), "2 issue(s)")
	assert.NotContains(t, screen(m), "backend unit tests")
}

// TestKeysArrivingTogether: keys that reach the program in one read of the
// terminal (fast typing, a slow link: "/" and the query at once) are each
// a key. Bubble Tea v1 delivered them as one multi-character key that
// matched no binding, so the query bar never opened.
func TestKeysArrivingTogether(t *testing.T) {
	rec, typed := runOnPipe(t, seeded(t), io.Discard)
	c := &console{rec: rec}
	waitFor(t, c, firstRow)
	_, err := typed.Write([]byte("/severity:>=major\r"))
	require.NoError(t, err)
	waitFor(t, c, "2 issue(s) · severity:>=major")
}

// runOnPipe runs the console as a program reading the returned writer as
// its terminal's input (raw bytes, as a terminal sends them) and drawing
// to out.
func runOnPipe(t *testing.T, s *service.Service, out io.Writer) (*recorder, io.Writer) {
	t.Helper()
	in, typed := io.Pipe()
	rec := &recorder{Model: tui.New(ctx, s, tui.Options{Namespace: "team-a", Now: func() time.Time { return now }})}
	p := tea.NewProgram(rec, tea.WithInput(in), tea.WithOutput(out), tea.WithWindowSize(80, 24),
		tea.WithoutSignals(), tea.WithColorProfile(colorprofile.Ascii))
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	t.Cleanup(func() {
		p.Quit()
		if err := <-done; err != nil {
			t.Errorf("the console ended with %v", err)
		}
		_ = typed.Close()
	})
	return rec, typed
}

func TestDetailPane(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "j", "enter")
	waitFor(t, tm, "Timeline")
	m := final(t, tm)
	assert.Contains(t, screen(m), "backend unit tests: the pipeline run failed with reason OOMKilled")
	assert.Contains(t, screen(m), "opened")
}

func TestBulkResolveAndDelete(t *testing.T) {
	s := seeded(t)
	var copied string
	tm := start(t, s, tui.Options{User: "alice", Copy: func(v string) error { copied = v; return nil }})
	// Select the first two, resolve both.
	keys(tm, " ", " ")
	waitFor(t, tm, "2 selected · esc clears")
	keys(tm, "r")
	waitFor(t, tm, "resolve 2 issue(s)? y/n")
	keys(tm, "y")
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
	view := screen(m)
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
	assert.Contains(t, screen(m), "kite · team-b · 1 issue(s)")
}

// syncBuffer is an output the program writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoColourQueryToWaitFor: the console never asks the terminal for its
// colours (OSC 10/11), a question it then waits for: under Bubble Tea v1
// every start stalled 5 s on a terminal that does not answer.
func TestNoColourQueryToWaitFor(t *testing.T) {
	out := &syncBuffer{}
	rec, _ := runOnPipe(t, seeded(t), out) // a terminal that never answers
	waitFor(t, &console{rec: rec}, firstRow)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "release of shop") }, 10*time.Second, 10*time.Millisecond,
		"the first page reaches the terminal")
	for _, q := range []string{"\x1b]10;?", "\x1b]11;?"} {
		assert.NotContains(t, out.String(), q)
	}
}

// TestTriageKeys: a, A, c, z and S from the console, each confirmed (y, or
// the prompt's enter) and each checked on the server; esc clears a
// selection; L copies the log link.
func TestTriageKeys(t *testing.T) {
	s := seeded(t)
	var copied string
	tm := start(t, s, tui.Options{User: "alice", Copy: func(v string) error { copied = v; return nil }})
	first := func() *kite.Issue {
		list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Limit: 1})
		require.NoError(t, err)
		got, err := s.GetIssue(ctx, list.Issues[0].ID)
		require.NoError(t, err)
		return got
	}

	keys(tm, "a")
	waitFor(t, tm, "acknowledge 1 issue(s)? y/n")
	keys(tm, "n")
	waitFor(t, tm, "acknowledge cancelled")
	assert.Empty(t, first().AckedBy)
	keys(tm, "a", "y")
	waitFor(t, tm, "acknowledged 1 issue(s)")
	assert.Equal(t, "alice", first().AckedBy)

	keys(tm, "A")
	waitFor(t, tm, "assign to (user or team):")
	typeText(tm, "team-payments")
	keys(tm, "enter")
	waitFor(t, tm, "assigned 1 issue(s)")
	assert.Equal(t, "team-payments", first().Assignee)

	keys(tm, "c")
	waitFor(t, tm, "comment:")
	typeText(tm, "looking into it")
	keys(tm, "enter")
	waitFor(t, tm, "commented on 1 issue(s)")
	comments, err := s.Comments(ctx, first().ID)
	require.NoError(t, err)
	require.Len(t, comments, 1)
	assert.Equal(t, "alice", comments[0].Author)

	keys(tm, "z")
	waitFor(t, tm, "snooze for")
	typeText(tm, "2h")
	keys(tm, "enter")
	waitFor(t, tm, "snoozed 1 issue(s)")
	require.NotNil(t, first().Snooze)

	keys(tm, " ", " ")
	waitFor(t, tm, "2 selected · esc clears")
	keys(tm, "esc")
	waitFor(t, tm, "selection cleared")

	keys(tm, "L")
	waitFor(t, tm, "this issue has no log link")
	assert.Empty(t, copied)

	// The palette undoes: unack, unassign, unsnooze, each confirmed (on
	// the first row again: the selection above moved the cursor).
	keys(tm, "g")
	for _, c := range []struct{ cmd, done string }{{"unack", "unacknowledged 1"}, {"unassign", "unassigned 1"}, {"unsnooze", "unsnoozed 1"}} {
		keys(tm, ":")
		typeText(tm, c.cmd)
		keys(tm, "enter")
		waitFor(t, tm, "? y/n")
		keys(tm, "y")
		waitFor(t, tm, c.done)
	}
	after := first()
	assert.Empty(t, after.AckedBy)
	assert.Empty(t, after.Assignee)
	assert.Nil(t, after.Snooze)

	keys(tm, "S")
	waitFor(t, tm, "silence the 4 issue(s) of this query for SPAN and why:")
	typeText(tm, "2h the e2e cluster is being upgraded")
	keys(tm, "enter")
	waitFor(t, tm, "mutes this query until")
	silences, err := s.Silences(ctx, kite.SilenceFilter{Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	require.Len(t, silences, 1)
	assert.Equal(t, "alice", silences[0].CreatedBy)
	assert.Equal(t, "the e2e cluster is being upgraded", silences[0].Comment)
	final(t, tm)
}

// TestAllNamespaces: "*" at the namespace prompt shows every namespace the
// user may read, with the NAMESPACE column, and follows them all.
func TestAllNamespaces(t *testing.T) {
	s := seeded(t)
	tm := start(t, s, tui.Options{})
	keys(tm, "n")
	waitFor(t, tm, "namespace:")
	typeText(tm, "*")
	keys(tm, "enter")
	waitFor(t, tm, "kite · all namespaces (2) · 5 issue(s)")
	waitFor(t, tm, "team-b")
	// A change in either namespace shows.
	report(t, s, "team-b", "new in team-b", kite.SeverityCritical, 0)
	waitFor(t, tm, "new in team-b")
	m := final(t, tm)
	assert.Contains(t, screen(m), "NAMESPACE")
}

// TestAllNamespacesGoldenWide: the console started with -A at 160×45.
func TestAllNamespacesGoldenWide(t *testing.T) {
	s := seeded(t)
	tm := startSized(t, s, tui.Options{AllNamespaces: true}, 160, 45)
	waitFor(t, tm, "not ours")
	teatest.RequireEqualOutput(t, []byte(screen(final(t, tm))))
}

// TestLiveCountsAndDetail: the count line follows changes made elsewhere,
// and an open detail pane shows its issue's new timeline entries.
func TestLiveCountsAndDetail(t *testing.T) {
	s := seeded(t)
	tm := start(t, s, tui.Options{})
	waitFor(t, tm, "ACTIVE 4")
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Limit: 4})
	require.NoError(t, err)
	_, err = s.ResolveIssue(ctx, list.Issues[3].ID, "bob")
	require.NoError(t, err)
	waitFor(t, tm, "ACTIVE 3 · RESOLVED 1")

	keys(tm, "enter")
	waitFor(t, tm, "Timeline")
	_, err = s.AddComment(ctx, list.Issues[0].ID, "the registry is back", "carol")
	require.NoError(t, err)
	waitFor(t, tm, "Comments")
	waitFor(t, tm, "carol  the registry is back")
	_, err = s.Assign(ctx, list.Issues[0].ID, "team-registry", "carol")
	require.NoError(t, err)
	waitFor(t, tm, "assignee  team-registry")
	final(t, tm)
}

// TestScreenKeepsItsHeader: a long query error under the query bar never
// pushes the header off an 80×24 screen, and the detail pane wraps again
// when the terminal narrows.
func TestScreenKeepsItsHeader(t *testing.T) {
	tm := start(t, seeded(t), tui.Options{})
	keys(tm, "/")
	typeText(tm, "severity:>= "+strings.Repeat("word ", 40))
	keys(tm, "enter")
	waitFor(t, tm, "severity must be one of")
	tm.rec.mu.Lock()
	last := tm.rec.frames[len(tm.rec.frames)-1]
	tm.rec.mu.Unlock()
	lines := strings.Split(last, "\n")
	assert.LessOrEqual(t, len(lines), 24)
	assert.True(t, strings.HasPrefix(lines[0], "kite · team-a"), "the header is the first line: %q", lines[0])
	for _, l := range lines {
		assert.LessOrEqual(t, len([]rune(l)), 80, "%q", l)
	}

	keys(tm, "esc", "enter")
	waitFor(t, tm, "Timeline")
	tm.Send(tea.WindowSizeMsg{Width: 50, Height: 24})
	waitFor(t, tm, "frontend image push denied")
	m := final(t, tm)
	for _, l := range strings.Split(screen(m), "\n") {
		assert.LessOrEqual(t, len([]rune(l)), 50, "%q", l)
	}
}

// TestLoadsWhenTheServerComesBack: a console started while the server is
// away loads its first page once the feed connects.
func TestLoadsWhenTheServerComesBack(t *testing.T) {
	s := seeded(t)
	away := &flakyBackend{Backend: s}
	away.down.Store(true)
	rec := &recorder{Model: tui.New(ctx, away, tui.Options{Namespace: "team-a", Now: func() time.Time { return now }})}
	tm := &console{rec: rec, TestModel: teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(80, 24))}
	t.Cleanup(func() { _ = tm.Quit() })
	waitFor(t, tm, "did not answer")
	away.down.Store(false)
	waitFor(t, tm, firstRow)
}

// flakyBackend is a server that does not answer while down.
type flakyBackend struct {
	tui.Backend
	down atomic.Bool
}

var errAway = &kite.Error{Code: kite.EUNAVAILABLE, Message: "Kite did not answer"}

func (f *flakyBackend) Search(c context.Context, r kite.SearchRequest) (*kite.SearchResult, error) {
	if f.down.Load() {
		return nil, errAway
	}
	return f.Backend.Search(c, r)
}

func (f *flakyBackend) Subscribe(c context.Context, r kite.ChangeRequest) (*kite.ChangeFeed, error) {
	if f.down.Load() {
		return nil, errAway
	}
	return f.Backend.Subscribe(c, r)
}

// TestScreensGolden: the screens of the triage actions, at 80×24 and
// 160×45.
func TestScreensGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 45}} {
		for _, c := range []struct {
			name string
			keys []string
			wait string
		}{
			{"confirm", []string{"a"}, "acknowledge 1 issue(s)? y/n"},
			{"assign", []string{"A"}, "assign to (user or team):"},
			{"silence", []string{"S"}, "silence the 4 issue(s) of this query"},
			{"comment", []string{"c"}, "comment:"},
			{"snooze", []string{"z"}, "snooze for"},
			{"selection", []string{" ", " "}, "2 selected · esc clears"},
		} {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, size[0], size[1]), func(t *testing.T) {
				tm := startSized(t, seeded(t), tui.Options{}, size[0], size[1])
				keys(tm, c.keys...)
				waitFor(t, tm, c.wait)
				teatest.RequireEqualOutput(t, []byte(screen(final(t, tm))))
			})
		}
	}
}

// TestDetailPaneShowsWhereNotified: the detail pane lists the
// subscriptions an issue was notified to.
func TestDetailPaneShowsWhereNotified(t *testing.T) {
	s := seeded(t)
	sub, err := s.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "oncall-pager", Kind: kite.NotifyAlertmanager, URL: "http://am.example:9093"}, "alice")
	require.NoError(t, err)
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Limit: 1})
	require.NoError(t, err)
	require.NoError(t, s.Store.RecordDelivery(ctx, kite.Delivery{ID: "d1", SubscriptionID: sub.ID, IssueID: list.Issues[0].ID,
		Event: kite.EventOpened, Status: kite.DeliveryDelivered, Attempts: 1, Time: now}))
	tm := startSized(t, s, tui.Options{}, 100, 45)
	keys(tm, "enter")
	waitFor(t, tm, "Notified")
	m := final(t, tm)
	assert.Contains(t, screen(m), "oncall-pager (alertmanager) opened delivered")
}
