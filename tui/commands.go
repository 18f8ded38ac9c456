package tui

import (
	"context"
	"errors"
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
	// statusMsg is a notice for the status line.
	statusMsg string
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
	req := kite.SearchRequest{Query: query, Namespaces: []string{m.ns}, Limit: pageSize}
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
		return detailMsg{id: id, issue: is, timeline: tl, err: err}
	}
}

// act runs verb on every id, stopping at the first error.
func (m *Model) act(verb string, ids []string) tea.Cmd {
	b, ctx, user := m.backend, m.ctx, m.opts.User
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

// subscribe (re)starts the feed of the current namespace after revision
// after. The feed is not filtered by the query: the list needs to hear of
// issues that stop matching it, to take them out.
func (m *Model) subscribe(after uint64) tea.Cmd {
	if m.feedCancel != nil {
		m.feedCancel()
	}
	m.gen++
	ctx, cancel := context.WithCancel(m.ctx)
	m.feedCancel = cancel
	gen, b, ns := m.gen, m.backend, m.ns
	m.conn = "connecting"
	return func() tea.Msg {
		feed, err := b.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{ns}, After: after})
		return feedMsg{gen: gen, feed: feed, err: err}
	}
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
