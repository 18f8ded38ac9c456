package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/konflux-ci/kite"
)

// liveFeed is the console's component for the event stream: it
// subscribes, follows changes one at a time, reconnects with a growing
// pause (1 s doubling to 30 s) resuming after the last change seen, and
// tells the root what happened (feedEvent). A generation number retires
// the messages of an older subscription.
type liveFeed struct {
	backend Backend
	ctx     context.Context
	feed    *kite.ChangeFeed
	cancel  context.CancelFunc
	gen     int
	lastRev uint64
	backoff time.Duration
	// conn is what the status line says: live, connecting, offline.
	conn string
}

// feedEvent is what the feed tells the root after a message.
type feedEvent struct {
	// handled: the message was the feed's (current or stale).
	handled bool
	// change to apply; connected: (re)subscribed; resync: changes were
	// missed, reload.
	change    *kite.IssueChange
	connected bool
	resync    bool
}

func newLiveFeed(ctx context.Context, b Backend) *liveFeed {
	return &liveFeed{backend: b, ctx: ctx, backoff: time.Second}
}

// subscribe (re)starts the feed of namespaces after revision after. It is
// not filtered by the query: the list needs to hear of issues that stop
// matching it, to take them out.
func (f *liveFeed) subscribe(namespaces []string, after uint64) tea.Cmd {
	f.stop()
	f.gen++
	ctx, cancel := context.WithCancel(f.ctx)
	f.cancel = cancel
	gen, b := f.gen, f.backend
	f.conn = "connecting"
	return func() tea.Msg {
		feed, err := b.Subscribe(ctx, kite.ChangeRequest{Namespaces: namespaces, After: after})
		return feedMsg{gen: gen, feed: feed, err: err}
	}
}

func (f *liveFeed) stop() {
	if f.cancel != nil {
		f.cancel()
	}
}

// Update takes the feed's own messages; namespaces are the view's, for a
// resubscription.
func (f *liveFeed) Update(msg tea.Msg, namespaces []string) (feedEvent, tea.Cmd) {
	switch msg := msg.(type) {
	case feedMsg:
		if msg.gen != f.gen {
			return feedEvent{handled: true}, nil
		}
		if msg.err != nil {
			return feedEvent{handled: true}, f.retry(msg.err)
		}
		f.feed, f.conn, f.backoff = msg.feed, "live", time.Second
		return feedEvent{handled: true, connected: true}, next(msg.gen, msg.feed)
	case changeMsg:
		if msg.gen != f.gen {
			return feedEvent{handled: true}, nil
		}
		f.lastRev = msg.c.Rev
		c := msg.c
		return feedEvent{handled: true, change: &c}, next(msg.gen, f.feed)
	case feedEndMsg:
		if msg.gen != f.gen || f.ctx.Err() != nil {
			return feedEvent{handled: true}, nil
		}
		if isResync(msg.err) {
			return feedEvent{handled: true, resync: true}, f.subscribe(namespaces, 0)
		}
		return feedEvent{handled: true}, f.retry(msg.err)
	case retryMsg:
		if msg.gen == f.gen {
			return feedEvent{handled: true}, f.subscribe(namespaces, f.lastRev)
		}
		return feedEvent{handled: true}, nil
	}
	return feedEvent{}, nil
}

// retry waits, longer each time, then subscribes again from the last
// change seen.
func (f *liveFeed) retry(err error) tea.Cmd {
	d := f.backoff
	f.backoff = min(2*f.backoff, 30*time.Second)
	f.conn = fmt.Sprintf("offline (%s), retrying in %s", problem(err), d)
	return retryAfter(f.gen, d)
}
