package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/konflux-ci/kite"
)

// events is GET /api/v1/events: the change feed as Server-Sent Events.
// Each change is an event named by its kind (created, updated, reopened,
// resolved, deleted) whose id is its revision and whose data is the
// kite.IssueChange; a client that reconnects with Last-Event-ID (or
// ?after=) gets what it missed. When changes were lost to it (it fell
// behind, or the log no longer reaches back) it gets a "resync" event and
// the stream ends: reload, then subscribe from now. A stream the caller may
// no longer follow ends with an "error" event (streamEnd). Idle streams
// carry a heartbeat comment.
func (s *server) events(w http.ResponseWriter, r *http.Request) error {
	if s.feed == nil {
		return kite.Errorf(kite.EUNAVAILABLE, "This server has no event stream")
	}
	q := r.URL.Query()
	req := kite.ChangeRequest{Namespaces: splitList(q["namespace"]), Query: q.Get("q"), Caller: caller(r)}
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
	// Events are flushed in small batches: a write per event cost half
	// the server's time with 100 clients under full ingest, and a few
	// milliseconds of delay buy far fewer system calls.
	flush := time.NewTimer(time.Hour)
	flush.Stop()
	pending := false
	// A buffer larger than the server's own 4 KB, so that a batch goes out
	// in one write rather than one per few events.
	bw := bufio.NewWriterSize(w, 64<<10)
	send := func() error {
		// A client that stops reading is dropped within two heartbeats
		// rather than holding the stream's buffers forever.
		_ = rc.SetWriteDeadline(time.Now().Add(2 * s.heartbeat))
		if err := bw.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	for {
		select {
		case c, ok := <-feed.C:
			if !ok {
				s.streamEnd(bw, r, feed.Err())
				_ = send()
				return nil
			}
			frame, err := s.frames.frame(c)
			if err != nil {
				s.log.ErrorContext(r.Context(), "event stream", "err", err)
				return nil // the stream has begun: no error reply is possible
			}
			if _, err := bw.Write(frame); err != nil {
				return nil // the client went away
			}
			s.metrics.streamEvents.Inc()
			if !pending {
				pending = true
				flush.Reset(flushDelay)
			}
		case <-flush.C:
			pending = false
			if send() != nil {
				return nil
			}
		case <-s.closing:
			// The server is shutting down: deliver what is buffered and
			// end the stream, so that shutdown need not wait for it.
			_ = send()
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(bw, ": heartbeat\n\n"); err != nil {
				return nil
			}
			if send() != nil {
				return nil
			}
		}
	}
}

// streamEnd tells the client why the server ended its stream: a "resync"
// event when changes were lost to it, else an "error" event whose data is
// the error body every other response carries, with the HTTP status the
// error would have had (403 once the caller may no longer follow any of
// the stream's namespaces; 503 when its access could not be checked).
func (s *server) streamEnd(w io.Writer, r *http.Request, err error) {
	switch {
	case err == nil || r.Context().Err() != nil:
		return // the client left: nobody reads an answer
	case errors.Is(err, kite.ErrResync):
		_, _ = fmt.Fprintf(w, "event: resync\ndata: {\"error\":%q}\n\n", kite.ErrorMessage(err))
		return
	}
	status := errorStatus(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "event stream", "err", err)
	}
	data, jerr := json.Marshal(streamErrorBody{
		errorBody: errorBody{Error: kite.ErrorMessage(err), Details: kite.ErrorDetails(err), Field: kite.ErrorField(err)},
		Status:    status,
	})
	if jerr != nil {
		return
	}
	_, _ = fmt.Fprintf(w, "event: error\ndata: %s\n\n", data)
}

// streamErrorBody is an "error" event's data.
type streamErrorBody struct {
	errorBody
	Status int `json:"status"`
}

// flushDelay is the longest an event waits in the stream's buffer.
const flushDelay = 5 * time.Millisecond

// frameCache keeps the encoded events of recent changes: every subscriber
// of a change is sent the same bytes, so a change is encoded once however
// many clients follow it (at 100 clients, encoding per client took most of
// the server's time).
type frameCache struct {
	mu     sync.Mutex
	byRev  map[uint64][]byte
	ring   []uint64
	next   int
	filled bool
}

const frameCacheSize = 8192

func newFrameCache() *frameCache {
	return &frameCache{byRev: make(map[uint64][]byte, frameCacheSize), ring: make([]uint64, frameCacheSize)}
}

// frame is the Server-Sent Event of a change.
func (f *frameCache) frame(c kite.IssueChange) ([]byte, error) {
	f.mu.Lock()
	b, ok := f.byRev[c.Rev]
	f.mu.Unlock()
	if ok {
		return b, nil
	}
	c.Issue = wireIssue(c.Issue)
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode change %d: %w", c.Rev, err)
	}
	b = fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", c.Rev, c.Kind, data)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.byRev[c.Rev]; !ok {
		if f.filled {
			delete(f.byRev, f.ring[f.next])
		}
		f.ring[f.next] = c.Rev
		f.byRev[c.Rev] = b
		f.next = (f.next + 1) % frameCacheSize
		f.filled = f.filled || f.next == 0
	}
	return b, nil
}
