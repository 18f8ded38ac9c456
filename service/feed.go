package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// The change feed. One goroutine (the hub) reads the store's change log
// after every commit, once for all subscribers, and hands each change to
// the subscribers it matches through bounded buffers. A subscriber that
// lets its buffer fill is dropped and told to resync: writers never wait
// for readers, and a stuck client costs one buffer, not the server.
const (
	// feedBuffer is how many changes a subscriber may be behind.
	feedBuffer = 1024
	// feedPage bounds one read of the change log.
	feedPage = 1000
)

type subscriber struct {
	match   func(*kite.IssueChange) bool
	ch      chan kite.IssueChange
	dropped chan struct{} // closed when the hub drops it
}

type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
	// pos is the last revision handed out; new subscribers start after it.
	pos     uint64
	wake    chan struct{}
	metrics *feedMetrics
}

type feedMetrics struct {
	clients prometheus.Gauge
	sent    prometheus.Counter
	dropped prometheus.Counter
}

func newFeedMetrics(reg prometheus.Registerer) (*feedMetrics, error) {
	m := &feedMetrics{
		clients: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kite_feed_subscribers", Help: "Subscribers of the change feed (event stream clients)."}),
		sent:    prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_feed_changes_sent_total", Help: "Changes handed to feed subscribers."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_feed_subscribers_dropped_total", Help: "Subscribers dropped for falling behind, told to resync."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.clients, m.sent, m.dropped} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// notify wakes the hub after a commit; it never blocks the writer.
func (h *hub) notify() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// run fans committed changes out until ctx ends.
func (s *Service) runHub(ctx context.Context) {
	defer s.wg.Done()
	h := s.hub
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-tick.C:
		}
		if err := s.fanOut(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("change feed", "err", err)
		}
	}
}

// fanOut hands every change after the hub's position to its subscribers.
// With none, it only moves the position: nothing is read.
func (s *Service) fanOut(ctx context.Context) error {
	h := s.hub
	for {
		// With no subscriber the position only moves, in the same
		// critical section that finds none: a subscriber registering
		// meanwhile must see the position it will be fed from.
		h.mu.Lock()
		pos, n := h.pos, len(h.subs)
		if n == 0 {
			h.pos = max(h.pos, s.storeRev.Load())
		}
		h.mu.Unlock()
		if n == 0 {
			return nil
		}
		changes, last, err := s.Store.Log(ctx, pos, feedPage)
		if errors.Is(err, store.ErrChangesPruned) {
			// The hub fell behind the retained log: everyone resyncs.
			h.mu.Lock()
			for sub := range h.subs {
				h.drop(sub)
			}
			h.pos = s.storeRev.Load()
			h.mu.Unlock()
			return nil
		}
		if err != nil {
			return err
		}
		if last == pos {
			return nil
		}
		h.mu.Lock()
		for i := range changes {
			c := &changes[i]
			for sub := range h.subs {
				if !sub.match(c) {
					continue
				}
				select {
				case sub.ch <- *c:
					h.metrics.sent.Inc()
				default:
					h.drop(sub)
				}
			}
		}
		h.pos = last
		h.mu.Unlock()
	}
}

// drop removes a subscriber that fell behind; the caller holds h.mu.
func (h *hub) drop(sub *subscriber) {
	delete(h.subs, sub)
	close(sub.dropped)
	h.metrics.dropped.Inc()
	h.metrics.clients.Dec()
}

func (h *hub) remove(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
		h.metrics.clients.Dec()
	}
}

// Subscribe starts a change feed (kite.Streamer). A feed that resumes
// (After > 0) first replays the change log from After, then continues
// live without a gap or a repeat; one whose After the log no longer
// reaches ends at once with kite.ErrResync.
func (s *Service) Subscribe(ctx context.Context, r kite.ChangeRequest) (*kite.ChangeFeed, error) {
	if len(r.Namespaces) == 0 {
		return nil, kite.Invalid("namespace", "Missing namespace", "name the namespaces to follow with namespace=")
	}
	for _, ns := range r.Namespaces {
		if err := kite.CheckName("namespace", ns); err != nil {
			return nil, err
		}
	}
	q, err := kite.ParseQuery(r.Query, s.now())
	if err != nil {
		return nil, err
	}
	if err := q.BindCaller(r.Caller); err != nil {
		return nil, err
	}
	namespaces := slices.Clone(r.Namespaces)
	sub := &subscriber{
		match: func(c *kite.IssueChange) bool {
			if !slices.Contains(namespaces, c.Namespace) {
				return false
			}
			return c.Issue == nil || q.Matches(c.Issue)
		},
		ch:      make(chan kite.IssueChange, feedBuffer),
		dropped: make(chan struct{}),
	}
	h := s.hub
	h.mu.Lock()
	from := h.pos
	h.subs[sub] = struct{}{}
	h.metrics.clients.Inc()
	h.mu.Unlock()

	out := make(chan kite.IssueChange)
	var (
		errMu   sync.Mutex
		feedErr error
	)
	fail := func(err error) {
		errMu.Lock()
		feedErr = err
		errMu.Unlock()
	}
	go func() {
		defer close(out)
		defer h.remove(sub)
		send := func(c kite.IssueChange) bool {
			select {
			case out <- c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		if r.After > 0 && r.After < from {
			if err := s.replay(ctx, r.After, from, sub.match, send); err != nil || ctx.Err() != nil {
				fail(err)
				return
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case c := <-sub.ch:
				if c.Rev <= r.After {
					continue // the caller has it already
				}
				if !send(c) {
					return
				}
			case <-sub.dropped:
				// Hand over what was buffered before the drop, then stop.
				for {
					select {
					case c := <-sub.ch:
						if !send(c) {
							return
						}
					default:
						fail(kite.ErrResync)
						return
					}
				}
			}
		}
	}()
	return &kite.ChangeFeed{C: out, Err: func() error {
		errMu.Lock()
		defer errMu.Unlock()
		return feedErr
	}}, nil
}

// replay sends the logged changes in (after, upTo] that match.
func (s *Service) replay(ctx context.Context, after, upTo uint64, match func(*kite.IssueChange) bool, send func(kite.IssueChange) bool) error {
	for after < upTo {
		changes, last, err := s.Store.Log(ctx, after, min(feedPage, int(upTo-after)))
		if errors.Is(err, store.ErrChangesPruned) {
			return kite.ErrResync
		}
		if err != nil {
			return fmt.Errorf("replay the change log: %w", err)
		}
		for i := range changes {
			if changes[i].Rev <= upTo && match(&changes[i]) && !send(changes[i]) {
				return nil
			}
		}
		if last == after {
			return nil
		}
		after = last
	}
	return nil
}
