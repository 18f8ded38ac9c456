package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// events is GET /api/v1/events: the change feed as Server-Sent Events.
// Each change is an event named by its kind (created, updated, reopened,
// resolved, deleted) whose id is its revision and whose data is the
// kite.IssueChange; a client that reconnects with Last-Event-ID (or
// ?after=) gets what it missed. When changes were lost to it (it fell
// behind, or the log no longer reaches back) it gets a "resync" event and
// the stream ends: reload, then subscribe from now. Idle streams carry a
// heartbeat comment.
func (s *server) events(w http.ResponseWriter, r *http.Request) error {
	if s.feed == nil {
		return kite.Errorf(kite.EUNAVAILABLE, "This server has no event stream")
	}
	q := r.URL.Query()
	req := kite.ChangeRequest{Namespaces: splitList(q["namespace"]), Query: q.Get("q")}
	after := r.Header.Get("Last-Event-ID")
	if after == "" {
		after = q.Get("after")
	}
	if after != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(after), 10, 64)
		if err != nil {
			return kite.Invalid("Last-Event-ID", "Invalid Last-Event-ID", "the last event id must be a revision number from this stream")
		}
		req.After = n
	}
	feed, err := s.feed.Subscribe(r.Context(), req)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	// retry: how long a client waits before reconnecting; the comment
	// tells it the subscription is in place.
	if _, err := fmt.Fprint(w, "retry: 3000\n: subscribed\n\n"); err != nil {
		return nil
	}
	_ = rc.Flush()
	s.metrics.streams.Inc()
	defer s.metrics.streams.Dec()

	beat := time.NewTicker(s.heartbeat)
	defer beat.Stop()
	for {
		select {
		case c, ok := <-feed.C:
			if !ok {
				if err := feed.Err(); errors.Is(err, kite.ErrResync) {
					_, _ = fmt.Fprintf(w, "event: resync\ndata: {\"error\":%q}\n\n", kite.ErrorMessage(err))
					_ = rc.Flush()
				} else if err != nil && r.Context().Err() == nil {
					s.log.ErrorContext(r.Context(), "event stream", "err", err)
				}
				return nil
			}
			c.Issue = wireIssue(c.Issue)
			b, err := json.Marshal(c)
			if err != nil {
				return nil
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", c.Rev, c.Kind, b); err != nil {
				return nil // the client went away
			}
			if len(feed.C) == 0 {
				_ = rc.Flush()
			}
			s.metrics.streamEvents.Inc()
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
			_ = rc.Flush()
		}
	}
}
