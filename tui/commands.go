package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/konflux-ci/kite"
)

// Messages the commands send back to the model. seq and gen tie a result
// to the request or subscription it answers, so that answers to a query
// or a feed since replaced are ignored.
type (
	pageMsg struct {
		seq   int
		first bool
		res   *kite.SearchResult
		err   error
	}
	detailMsg struct {
		id       string
		issue    *kite.Issue
		timeline []kite.Event
		comments []kite.Comment
		notified []kite.IssueNotification
		err      error
	}
	// actionMsg reports a resolve, reopen or delete.
	actionMsg struct {
		verb    string
		issues  []*kite.Issue
		deleted []string
		err     error
	}
	feedMsg struct {
		gen  int
		feed *kite.ChangeFeed
		err  error
	}
	changeMsg struct {
		gen int
		c   kite.IssueChange
	}
	feedEndMsg struct {
		gen int
		err error
	}
	retryMsg struct{ gen int }
	// statusMsg is a notice for the status line; problemMsg an error.
	statusMsg  string
	problemMsg struct{ err error }
	// countsDueMsg: changes have settled; countsMsg the query's counts
	// and facets read again (seq: of the page they belong to).
	countsDueMsg struct{ gen int }
	countsMsg    struct {
		seq     int
		total   int
		bounded bool
		facets  map[string][]kite.FacetCount
		err     error
	}
	// namespacesMsg are the namespaces the user may read: suggestions for
	// the namespace prompt, or (view) the all-namespaces view's.
	namespacesMsg struct {
		names []string
		view  bool
		err   error
	}
)

// pageSize is how many issues a page request loads.
const pageSize = 100

func (m *Model) loadPage(first bool) tea.Cmd {
	if first {
		m.seq++
	}
	seq, b, ctx := m.seq, m.backend, m.ctx
	query := m.query
	if first && m.pending != nil {
		query = *m.pending
	}
	req := kite.SearchRequest{Query: query, Namespaces: m.namespaces(), Limit: pageSize}
	if first {
		req.Facets = []string{kite.FieldSeverity, kite.FieldState}
	} else {
		req.Cursor = m.list.next
	}
	m.list.loading = true
	return func() tea.Msg {
		res, err := b.Search(ctx, req)
		return pageMsg{seq: seq, first: first, res: res, err: err}
	}
}

func (m *Model) loadDetail(id string) tea.Cmd {
	b, ctx := m.backend, m.ctx
	return func() tea.Msg {
		is, err := b.GetIssue(ctx, id)
		if err != nil {
			return detailMsg{id: id, err: err}
		}
		tl, err := b.Timeline(ctx, id)
		if err != nil {
			return detailMsg{id: id, issue: is, err: err}
		}
		var comments []kite.Comment
		if is.Comments > 0 {
			if comments, err = b.Comments(ctx, id); err != nil {
				return detailMsg{id: id, issue: is, timeline: tl, err: err}
			}
		}
		// Where it was notified, from a backend that keeps subscriptions;
		// a server without them (or a caller who may not ask) shows none.
		var notified []kite.IssueNotification
		if n, ok := b.(kite.Notifier); ok {
			notified, _ = n.IssueNotifications(ctx, id)
		}
		return detailMsg{id: id, issue: is, timeline: tl, comments: comments, notified: notified}
	}
}

// act runs verb (with its text arg, for those that take one) on every id,
// stopping at the first error.
func (m *Model) act(verb string, ids []string, arg string) tea.Cmd {
	// Times sent to the server are from the real clock (Options.Now only
	// ages what is shown).
	b, ctx, user, now := m.backend, m.ctx, m.opts.User, time.Now()
	return func() tea.Msg {
		out := actionMsg{verb: verb}
		for _, id := range ids {
			var is *kite.Issue
			var err error
			switch verb {
			case "resolve":
				is, err = b.ResolveIssue(ctx, id, user)
			case "reopen":
				active := kite.StateActive
				is, err = b.UpdateIssue(ctx, id, kite.IssueUpdate{State: &active, Actor: user})
			case "delete":
				if err = b.DeleteIssue(ctx, id); err == nil {
					out.deleted = append(out.deleted, id)
				}
			case "acknowledge", "unacknowledge":
				is, err = b.Acknowledge(ctx, id, verb == "acknowledge", user)
			case "assign":
				is, err = b.Assign(ctx, id, strings.TrimSpace(arg), user)
			case "unassign":
				is, err = b.Assign(ctx, id, "", user)
			case "comment":
				if _, err = b.AddComment(ctx, id, arg, user); err == nil {
					is, err = b.GetIssue(ctx, id)
				}
			case "snooze":
				var until time.Time
				if until, err = kite.ParseUntil("snooze", strings.TrimSpace(arg), now); err == nil {
					is, err = b.Snooze(ctx, id, kite.SnoozeRequest{Until: &until}, user)
				}
			case "unsnooze":
				is, err = b.Unsnooze(ctx, id, user)
			}
			if err != nil {
				out.err = err
				break
			}
			if is != nil {
				out.issues = append(out.issues, is)
			}
		}
		return out
	}
}

// subscribe (re)starts the view's feed after revision after.
func (m *Model) subscribe(after uint64) tea.Cmd {
	return m.live.subscribe(m.namespaces(), after)
}

// next waits for the feed's next change.
func next(gen int, feed *kite.ChangeFeed) tea.Cmd {
	return func() tea.Msg {
		c, ok := <-feed.C
		if !ok {
			return feedEndMsg{gen: gen, err: feed.Err()}
		}
		return changeMsg{gen: gen, c: c}
	}
}

// retryAfter schedules a reconnection.
func retryAfter(gen int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return retryMsg{gen: gen} })
}

func isResync(err error) bool { return errors.Is(err, kite.ErrResync) }

// silence mutes the current query's issues in the namespace: text is
// "SPAN why" (2h flaky e2e cluster).
func (m *Model) silence(text string) tea.Cmd {
	span, why, _ := strings.Cut(strings.TrimSpace(text), " ")
	until, err := kite.ParseUntil("silence", span, time.Now())
	if err != nil {
		m.setStatus("silence: give a span and why, such as: 2h the e2e cluster is being upgraded", true)
		return nil
	}
	b, ctx, user := m.backend, m.ctx, m.opts.User
	req := kite.SilenceRequest{Namespaces: m.namespaces(), Query: m.query, EndsAt: until, Comment: strings.TrimSpace(why)}
	m.setStatus("silencing…", false)
	return func() tea.Msg {
		sl, err := b.CreateSilence(ctx, req, user)
		if err != nil {
			return problemMsg{err: fmt.Errorf("silence: %w", err)}
		}
		return statusMsg(fmt.Sprintf("silence %s mutes this query until %s", sl.ID, sl.EndsAt.Format("2006-01-02 15:04")))
	}
}

// copyLogLink opens the current issue's log link where a browser can be
// opened (Options.Open), else puts it on the clipboard: a console over ssh
// cannot open a browser where its user sits.
func (m *Model) copyLogLink() tea.Cmd {
	var is *kite.Issue
	if m.detail != nil && m.detail.issue != nil {
		is = m.detail.issue
	} else {
		is = m.list.current()
	}
	if is == nil {
		return nil
	}
	link := is.LogLink()
	if link == "" {
		m.setStatus("this issue has no log link", true)
		return nil
	}
	if m.opts.Open != nil {
		if err := m.opts.Open(link); err == nil {
			m.setStatus("opened "+link, false)
			return nil
		}
	}
	m.setStatus("copied "+link, false)
	if m.opts.Copy == nil {
		return tea.SetClipboard(link)
	}
	if err := m.opts.Copy(link); err != nil {
		m.setStatus("copy: "+err.Error(), true)
	}
	return nil
}

// loadNamespaces asks for the namespaces with issues the user may read.
func (m *Model) loadNamespaces(view bool) tea.Cmd {
	b, ctx := m.backend, m.ctx
	return func() tea.Msg {
		list, err := b.Namespaces(ctx)
		names := make([]string, 0, len(list))
		for _, n := range list {
			names = append(names, n.Namespace)
		}
		return namespacesMsg{names: names, view: view, err: err}
	}
}

// countsDelay is how long the counts wait for changes to settle: a burst
// of changes costs one reading.
const countsDelay = 500 * time.Millisecond

// loadCounts reads the query's total and facets again.
func (m *Model) loadCounts() tea.Cmd {
	seq, b, ctx := m.seq, m.backend, m.ctx
	req := kite.SearchRequest{Query: m.query, Namespaces: m.namespaces(), Limit: 1, Facets: []string{kite.FieldSeverity, kite.FieldState}}
	return func() tea.Msg {
		res, err := b.Search(ctx, req)
		if err != nil {
			return countsMsg{seq: seq, err: err}
		}
		return countsMsg{seq: seq, total: res.Total, bounded: res.TotalIsLowerBound, facets: res.Facets}
	}
}
