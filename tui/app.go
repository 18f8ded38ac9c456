package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/konflux-ci/kite"
)

// Options configure the console. Namespace is required.
type Options struct {
	Namespace string
	// Query is the starting query (default: every issue, newest first).
	Query string
	// User is recorded as the actor of the console's writes.
	User string
	// Now is the clock for ages; tests fix it.
	Now func() time.Time
	// Open opens a URL in the user's browser; nil (no desktop session)
	// copies it instead.
	Open func(url string) error
	// AllNamespaces starts on every namespace the user may read.
	AllNamespaces bool
	// Copy puts text on a clipboard; nil uses the terminal's, through
	// OSC 52 (kite tui). Tests capture it.
	Copy func(string) error
}

// Model is the root model: it holds the screens' state and routes
// messages to whichever has the focus.
type Model struct {
	ctx     context.Context
	backend Backend
	opts    Options

	ns, query string
	parsed    *kite.Query
	// pending is a query sent to the server and not yet answered: it
	// becomes the query when its first page comes back, or returns to
	// the query bar with the server's objection.
	pending *string
	list    issueList
	detail  *detailPane
	prompt  *prompt
	confirm *pending // a write waiting for y
	// countsDue: a reading of the query's counts is scheduled.
	countsDue bool
	// unloaded: the first page failed to load (the server was away).
	unloaded bool
	// all: every namespace the user may read (nsList) rather than ns.
	all    bool
	nsList []string
	help   bool

	status    string
	statusErr bool
	seq       int
	// live is the event stream's component.
	live          *liveFeed
	width, height int

	keys       listKeys
	detailKeys detailKeys
	promptKeys promptKeys
}

// New builds the console; ctx bounds every request it makes.
func New(ctx context.Context, b Backend, o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Model{ctx: ctx, backend: b, opts: o, ns: o.Namespace, query: o.Query, list: newIssueList(),
		keys: newListKeys(), detailKeys: newDetailKeys(), promptKeys: newPromptKeys(), width: 80, height: 24, live: newLiveFeed(ctx, b)}
	m.parsed, _ = kite.ParseQuery(o.Query, o.Now())
	if m.parsed == nil {
		m.parsed = &kite.Query{}
	}
	m.layout()
	return m
}

// Init loads the first page and starts the feed.
func (m *Model) Init() tea.Cmd {
	if m.opts.AllNamespaces {
		return m.loadNamespaces(true)
	}
	return tea.Batch(m.loadPage(true), m.subscribe(0))
}

// Update routes a message.
//
// Update is where the state changes, so it lays the screen out last, once:
// View then only reads.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer m.layout()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		if m.detail != nil {
			m.layout()
			m.detail.fill(m.opts.Now()) // wrapped again at the new width
		}
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, m.result(msg)
}

// key sends a key to the focused screen: a pending confirmation, the help
// overlay, a prompt, the detail pane, else the list.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.Text == "" || m.prompt == nil {
		m.setStatus("", false)
	}
	switch {
	case m.confirm != nil:
		p := m.confirm
		m.confirm = nil
		if msg.String() == "y" {
			m.setStatus(fmt.Sprintf("%s %d issue(s)…", p.verb, len(p.ids)), false)
			return m.act(p.verb, p.ids, p.arg)
		}
		m.setStatus(p.verb+" cancelled", false)
		return nil
	case m.help:
		m.help = false
		return nil
	case m.prompt != nil:
		return m.promptKey(msg)
	case m.detail != nil:
		return m.detailKey(msg)
	}
	return m.listKey(msg)
}

func (m *Model) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		m.stop()
		return tea.Quit
	case m.list.Update(msg, k):
		// moved, or selected: the list's own keys
	case key.Matches(msg, k.Open):
		if cur := m.list.current(); cur != nil {
			m.detail = newDetailPane(cur.ID, m.width, m.detailHeight())
			m.layout()
			m.detail.fill(m.opts.Now())
			return m.loadDetail(cur.ID)
		}
	case key.Matches(msg, k.Search):
		m.prompt = newPrompt(promptQuery, m.query, m.width)
	case key.Matches(msg, k.Namespace):
		m.prompt = newPrompt(promptNamespace, "", m.width)
		m.prompt.input.Placeholder = m.ns + " (* for all)"
		return m.loadNamespaces(false)
	case key.Matches(msg, k.Palette):
		m.prompt = newPrompt(promptCommand, "", m.width)
	case key.Matches(msg, k.Resolve):
		return m.run("resolve")
	case key.Matches(msg, k.Ack):
		return m.run("acknowledge")
	case key.Matches(msg, k.Assign):
		return m.ask(promptAssign)
	case key.Matches(msg, k.Comment):
		return m.ask(promptComment)
	case key.Matches(msg, k.Snooze):
		return m.ask(promptSnooze)
	case key.Matches(msg, k.Silence):
		return m.ask(promptSilence)
	case key.Matches(msg, k.Logs):
		return m.copyLogLink()
	case key.Matches(msg, k.ClearSelection):
		if len(m.list.selected) > 0 {
			m.list.selected = map[string]bool{}
			m.setStatus("selection cleared", false)
		}
	case key.Matches(msg, k.Reopen):
		return m.run("reopen")
	case key.Matches(msg, k.Delete):
		return m.run("delete")
	case key.Matches(msg, k.CopyID):
		return m.copyID()
	case key.Matches(msg, k.Refresh):
		return m.loadPage(true)
	case key.Matches(msg, k.Help):
		m.help = true
	}
	if m.list.wantsMore() {
		return m.loadPage(false)
	}
	return nil
}

func (m *Model) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.detailKeys.Back):
		m.detail = nil
		m.layout()
		return nil
	case key.Matches(msg, m.keys.Quit):
		m.stop()
		return tea.Quit
	case key.Matches(msg, m.keys.Resolve), key.Matches(msg, m.keys.Reopen), key.Matches(msg, m.keys.Delete),
		key.Matches(msg, m.keys.CopyID), key.Matches(msg, m.keys.Help), key.Matches(msg, m.keys.Ack),
		key.Matches(msg, m.keys.Assign), key.Matches(msg, m.keys.Comment), key.Matches(msg, m.keys.Snooze),
		key.Matches(msg, m.keys.Logs):
		return m.listKey(msg)
	}
	return m.detail.Update(msg)
}

func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	switch out, cmd := m.prompt.Update(msg, m.promptKeys); out.state {
	case promptCancelled:
		m.prompt = nil
		return nil
	case promptAnswered:
		return m.accept(m.prompt.kind, out.answer)
	default:
		return cmd
	}
}

// accept applies a prompt's answer. A bad query stays in the bar with the
// parser's error under it.
func (m *Model) accept(kind promptKind, v string) tea.Cmd {
	switch kind {
	case promptQuery:
		// The server judges the query: its error comes back inline.
		m.prompt = nil
		m.pending = &v
		m.detail = nil
		m.layout()
		return m.loadPage(true)
	case promptNamespace:
		if v == "*" || v == "all" {
			m.prompt = nil
			return m.loadNamespaces(true)
		}
		if err := kite.CheckName("namespace", v); err != nil || v == "" {
			m.prompt.err = "not a namespace name (* for all)"
			return nil
		}
		m.prompt = nil
		m.ns, m.all = v, false
		return m.switchView()
	case promptAssign, promptComment, promptSnooze:
		m.prompt = nil
		verb := map[promptKind]string{promptAssign: "assign", promptComment: "comment", promptSnooze: "snooze"}[kind]
		ids := m.targets()
		if kind == promptComment && len(ids) > 1 {
			ids = ids[:1] // a comment is on one issue: the current one
		}
		m.setStatus(fmt.Sprintf("%s %d issue(s)…", verb, len(ids)), false)
		return m.act(verb, ids, v)
	case promptSilence:
		m.prompt = nil
		return m.silence(v)
	}
	m.prompt = nil
	return m.command(v)
}

// switchView loads the first page and the feed of the namespaces shown.
func (m *Model) switchView() tea.Cmd {
	m.list = newIssueList()
	m.detail = nil
	m.layout()
	return tea.Batch(m.loadPage(true), m.subscribe(0))
}

// namespaces are the namespaces the view shows.
func (m *Model) namespaces() []string {
	if m.all {
		return m.nsList
	}
	return []string{m.ns}
}

// verbAliases are the palette's short names of actions.
var verbAliases = map[string]string{"ack": "acknowledge", "unack": "unacknowledge"}

// command runs a palette command.
func (m *Model) command(line string) tea.Cmd {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "q", "quit":
		m.stop()
		return tea.Quit
	case "resolve", "reopen", "delete", "acknowledge", "ack", "unack", "unacknowledge", "unassign", "unsnooze":
		if long, ok := verbAliases[name]; ok {
			name = long
		}
		return m.run(name)
	case "refresh", "reload":
		return m.loadPage(true)
	case "help":
		m.help = true
		return nil
	case "ns", "namespace":
		m.prompt = newPrompt(promptNamespace, arg, m.width)
		return m.accept(promptNamespace, arg)
	case "query", "search":
		m.prompt = newPrompt(promptQuery, arg, m.width)
		return m.accept(promptQuery, arg)
	}
	m.setStatus(fmt.Sprintf("unknown command %q: resolve, reopen, delete, ack, unack, unassign, unsnooze, refresh, ns NAME, query Q, help, quit", name), true)
	return nil
}

// pending is a write waiting for its confirmation.
type pending struct {
	verb string
	ids  []string
	arg  string
}

// targets are the issues an action applies to: the open issue, else the
// selection, else the current row.
func (m *Model) targets() []string {
	if m.detail != nil {
		return []string{m.detail.id}
	}
	return m.list.targets()
}

// run asks to confirm an action on the targets; y runs it.
func (m *Model) run(verb string) tea.Cmd {
	if ids := m.targets(); len(ids) > 0 {
		m.confirm = &pending{verb: verb, ids: ids}
	}
	return nil
}

// ask opens a prompt for an action that takes text; its enter confirms.
// The silence's says what it would mute now: the query's issues, which
// the list shows.
func (m *Model) ask(kind promptKind) tea.Cmd {
	if len(m.targets()) == 0 && kind != promptSilence {
		return nil
	}
	m.prompt = newPrompt(kind, "", m.width)
	if kind == promptSilence {
		m.prompt.input.Prompt = fmt.Sprintf("silence the %s issue(s) of this query for SPAN and why: ", kite.FormatTotal(m.list.total, m.list.bounded))
	}
	return nil
}

func (m *Model) copyID() tea.Cmd {
	id := ""
	if m.detail != nil {
		id = m.detail.id
	} else if cur := m.list.current(); cur != nil {
		id = cur.ID
	}
	if id == "" {
		return nil
	}
	m.setStatus("copied "+id, false)
	if m.opts.Copy == nil {
		return tea.SetClipboard(id) // the terminal's clipboard, through OSC 52
	}
	if err := m.opts.Copy(id); err != nil {
		m.setStatus("copy: "+err.Error(), true)
	}
	return nil
}

// result takes a command's answer into the state.
func (m *Model) result(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pageMsg:
		if msg.seq != m.seq {
			return nil // an answer to a query since replaced
		}
		m.list.loading = false
		if msg.err != nil && msg.first && m.pending != nil && kite.ErrorCode(msg.err) == kite.EINVALID {
			m.prompt = newPrompt(promptQuery, *m.pending, m.width)
			m.prompt.err = kite.ErrorDetails(msg.err)
			m.pending = nil
			return nil
		}
		if msg.err != nil {
			m.pending = nil
			m.setStatus(problem(msg.err), true)
			if msg.first {
				m.unloaded = true // loaded again when the feed connects
			}
			return nil
		}
		m.unloaded = false
		if msg.first && m.pending != nil {
			m.query = *m.pending
			m.pending = nil
			if q, err := kite.ParseQuery(m.query, m.opts.Now()); err == nil {
				m.parsed = q
			}
		}
		if msg.first {
			m.list.reset(msg.res)
		} else {
			m.list.extend(msg.res)
		}
		if m.list.wantsMore() {
			return m.loadPage(false)
		}
	case detailMsg:
		if m.detail != nil && m.detail.id == msg.id {
			m.detail.issue, m.detail.timeline, m.detail.comments, m.detail.notified, m.detail.err = msg.issue, msg.timeline, msg.comments, msg.notified, msg.err
			m.detail.fill(m.opts.Now())
		}
	case actionMsg:
		for _, is := range msg.issues {
			m.list.apply(kite.IssueChange{Kind: kite.ChangeUpdated, ID: is.ID, Namespace: is.Namespace, Issue: is}, m.parsed)
		}
		for _, id := range msg.deleted {
			m.list.apply(kite.IssueChange{Kind: kite.ChangeDeleted, ID: id}, m.parsed)
			if m.detail != nil && m.detail.id == id {
				m.detail = nil
				m.layout()
			}
		}
		n := len(msg.issues) + len(msg.deleted)
		if msg.err != nil {
			m.setStatus(fmt.Sprintf("%s: %d done, then: %s", msg.verb, n, problem(msg.err)), true)
		} else {
			m.list.selected = map[string]bool{}
			m.setStatus(fmt.Sprintf("%s %d issue(s)", pastTense[msg.verb], n), false)
		}
		if m.detail != nil {
			return m.loadDetail(m.detail.id)
		}
	case changeMsg, feedMsg, feedEndMsg, retryMsg:
		ev, cmd := m.live.Update(msg, m.namespaces())
		cmds := []tea.Cmd{cmd}
		switch {
		case ev.connected && m.unloaded:
			// Started while the server was away: it is back.
			cmds = append(cmds, m.loadPage(true))
		case ev.resync:
			m.setStatus("changes were missed: reloaded", false)
			cmds = append(cmds, m.loadPage(true))
		case ev.change != nil:
			cmds = append(cmds, m.applyChange(*ev.change))
		}
		return tea.Batch(cmds...)
	case countsDueMsg:
		m.countsDue = false
		if msg.gen == m.live.gen {
			return m.loadCounts()
		}
	case countsMsg:
		if msg.err == nil && msg.seq == m.seq {
			m.list.total, m.list.bounded, m.list.facets = msg.total, msg.bounded, msg.facets
		}
	case statusMsg:
		m.setStatus(string(msg), false)
	case problemMsg:
		m.setStatus(problem(msg.err), true)
	case namespacesMsg:
		if msg.err != nil {
			m.setStatus(problem(msg.err), true)
			return nil
		}
		if !msg.view {
			if m.prompt != nil && m.prompt.kind == promptNamespace {
				m.prompt.input.SetSuggestions(msg.names) // tab completes
				m.prompt.input.ShowSuggestions = true
			}
			return nil
		}
		if len(msg.names) == 0 {
			m.setStatus("no namespace you may read holds issues", true)
			return nil
		}
		m.all, m.nsList = true, msg.names
		return m.switchView()
	}
	return nil
}

var pastTense = map[string]string{
	"resolve": "resolved", "reopen": "reopened", "delete": "deleted", "acknowledge": "acknowledged",
	"unacknowledge": "unacknowledged", "assign": "assigned", "unassign": "unassigned", "comment": "commented on",
	"snooze": "snoozed", "unsnooze": "unsnoozed",
}

// applyChange takes one change of the feed into the list, the open detail
// pane and (once changes settle) the counts.
func (m *Model) applyChange(c kite.IssueChange) tea.Cmd {
	m.list.apply(c, m.parsed)
	var cmds []tea.Cmd
	if m.detail != nil && m.detail.id == c.ID && c.Issue != nil {
		// Its timeline and relations changed too: read them again.
		m.detail.issue = c.Issue
		m.detail.fill(m.opts.Now())
		cmds = append(cmds, m.loadDetail(m.detail.id))
	}
	if !m.countsDue {
		// The counts and facets of the whole query follow the changes,
		// read again once they settle.
		m.countsDue = true
		gen := m.live.gen
		cmds = append(cmds, tea.Tick(countsDelay, func(time.Time) tea.Msg { return countsDueMsg{gen: gen} }))
	}
	return tea.Batch(cmds...)
}

func (m *Model) stop() { m.live.stop() }

func (m *Model) setStatus(s string, isErr bool) { m.status, m.statusErr = s, isErr }

// Layout: a header line, a facet line, the list (and the detail pane below
// it when open), a prompt line when one is open, the status line.
const chrome = 3

func (m *Model) detailHeight() int { return max((m.height-chrome)*3/5, 3) }

func (m *Model) layout() {
	listHeight := m.height - chrome - 1 // the list's own header row
	if m.prompt != nil {
		listHeight -= strings.Count(m.prompt.view(), "\n") + 1 // its error line too
	}
	if m.detail != nil {
		dh := m.detailHeight()
		listHeight -= dh + 1 // the pane's top border
		m.detail.setSize(m.width, dh)
	}
	m.list.height, m.list.width = max(listHeight, 1), m.width
	m.list.scroll()
}

// View renders the screen, on the alternate screen. It only reads the
// state: Update laid it out.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Screen())
	v.AltScreen = true
	return v
}

// Screen is the screen's text.
func (m *Model) Screen() string {
	if m.help {
		return m.helpView()
	}
	var b strings.Builder
	where := m.ns
	if m.all {
		where = fmt.Sprintf("all namespaces (%d)", len(m.nsList))
	}
	title := fmt.Sprintf("kite · %s · %s issue(s)", where, kite.FormatTotal(m.list.total, m.list.bounded))
	if m.query != "" {
		title += " · " + m.query
	}
	b.WriteString(styleHeader.Render(cut(title, m.width)) + "\n")
	b.WriteString(styleDim.Render(cut(m.list.facetLine(), m.width)) + "\n")
	b.WriteString(m.list.view(m.opts.Now(), m.all))
	if m.detail != nil {
		b.WriteString("\n" + styleBorder.Width(m.width).Render(m.detail.view.View()))
	}
	b.WriteString("\n")
	if m.prompt != nil {
		b.WriteString(m.prompt.view() + "\n")
	}
	b.WriteString(m.statusLine())
	return b.String()
}

func (m *Model) statusLine() string {
	right := styleLive.Render("● " + m.live.conn)
	if m.live.conn != "live" {
		right = styleDim.Render("○ " + m.live.conn)
	}
	left := m.status
	switch {
	case m.confirm != nil:
		left = fmt.Sprintf("%s %d issue(s)? y/n", m.confirm.verb, len(m.confirm.ids))
	case left == "" && len(m.list.selected) > 0:
		left = fmt.Sprintf("%d selected · esc clears", len(m.list.selected))
	case left == "":
		left = styleDim.Render("? help · / query · enter open · q quit")
	case m.statusErr:
		left = styleError.Render(left)
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return cut(left, m.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

// helpView is generated from the live key maps.
func (m *Model) helpView() string {
	var b strings.Builder
	// Two columns, so that every key fits an 80×24 terminal.
	section := func(name string, bs []key.Binding) {
		b.WriteString(styleHeader.Render(name) + "\n")
		half := (len(bs) + 1) / 2
		for i := range half {
			h := bs[i].Help()
			line := fmt.Sprintf("  %-6s %-26s", h.Key, h.Desc)
			if j := i + half; j < len(bs) {
				h := bs[j].Help()
				line += fmt.Sprintf("  %-6s %s", h.Key, h.Desc)
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
	}
	section("List", m.keys.bindings())
	section("Details", m.detailKeys.bindings())
	section("Query, namespace, command", m.promptKeys.bindings())
	b.WriteString(styleDim.Render("any key closes this"))
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, styleOverlay.Render(b.String()))
}

// Run runs the console on the terminal until the user quits.
func Run(ctx context.Context, b Backend, o Options, popts ...tea.ProgramOption) error {
	m := New(ctx, b, o)
	_, err := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx)}, popts...)...).Run()
	m.stop()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("kite tui: %w", err)
	}
	return nil
}

// FirstPage is the command that loads the first page of the current
// query (what Init starts with, beside the feed).
func (m *Model) FirstPage() tea.Cmd { return m.loadPage(true) }

// NextPage loads the page after the loaded rows, nil when there is none.
func (m *Model) NextPage() tea.Cmd {
	if m.list.next == "" {
		return nil
	}
	return m.loadPage(false)
}

// Current is the issue under the cursor, nil when the list is empty.
func (m *Model) Current() *kite.Issue { return m.list.current() }
