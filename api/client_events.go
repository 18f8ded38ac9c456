package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/konflux-ci/kite"
)

var _ kite.Streamer = (*Client)(nil)

// Subscribe follows GET /api/v1/events. The feed ends when ctx ends (Err
// nil), when the server says resync (kite.ErrResync), when it ends the
// stream with an error (EFORBIDDEN once the caller may no longer follow
// it), or when the connection breaks (an EUNAVAILABLE error): subscribe
// again with After set to the last revision received to carry on without
// a gap.
func (c *Client) Subscribe(ctx context.Context, r kite.ChangeRequest) (*kite.ChangeFeed, error) {
	q := url.Values{}
	if len(r.Namespaces) > 0 {
		q.Set("namespace", strings.Join(r.Namespaces, ","))
	}
	if r.Query != "" {
		q.Set("q", r.Query)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+"/api/v1/events?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if r.After > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(r.After, 10))
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	// The stream outlives any request timeout: only ctx ends it.
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &kite.Error{Code: kite.EUNAVAILABLE, Message: "Kite at " + c.base.Host + " did not answer", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		defer func() { _ = resp.Body.Close() }()
		return nil, responseError(resp)
	}
	out := make(chan kite.IssueChange)
	var (
		mu      sync.Mutex
		feedErr error
	)
	go func() {
		defer close(out)
		defer func() { _ = resp.Body.Close() }()
		err := ReadEvents(resp.Body, func(name string, data []byte) bool {
			switch name {
			case "resync":
				mu.Lock()
				feedErr = kite.ErrResync
				mu.Unlock()
				return false
			case "error":
				mu.Lock()
				feedErr = streamError(data)
				mu.Unlock()
				return false
			}
			var ch kite.IssueChange
			if json.Unmarshal(data, &ch) != nil {
				return true // not a change: skip it
			}
			select {
			case out <- ch:
				return true
			case <-ctx.Done():
				return false
			}
		})
		mu.Lock()
		defer mu.Unlock()
		if feedErr == nil && ctx.Err() == nil {
			if err == nil {
				err = fmt.Errorf("the server closed the stream")
			}
			feedErr = &kite.Error{Code: kite.EUNAVAILABLE, Message: "The event stream broke", Err: err}
		}
	}()
	return &kite.ChangeFeed{C: out, Err: func() error {
		mu.Lock()
		defer mu.Unlock()
		return feedErr
	}}, nil
}

// streamError is the error an "error" event carries: the server ended the
// stream (the caller may no longer follow it, or its access could not be
// checked), with the code of the status it names.
func streamError(data []byte) error {
	var body streamErrorBody
	if err := json.Unmarshal(data, &body); err != nil || body.Error == "" {
		return &kite.Error{Code: kite.EUNAVAILABLE, Message: "The event stream ended with an error", Details: string(data)}
	}
	return &kite.Error{Code: codeOfStatus(body.Status), Message: body.Error, Details: body.Details, Field: body.Field}
}

// ReadEvents parses a Server-Sent Events body, calling fn with each
// event's name ("message" when unnamed) and data until fn returns false
// or the body ends. data is only valid during the call.
func ReadEvents(body io.Reader, fn func(name string, data []byte) bool) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // an issue can be large
	name, data := "", []byte(nil)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if data != nil {
				if name == "" {
					name = "message"
				}
				if !fn(name, data) {
					return nil
				}
			}
			name, data = "", nil
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "data":
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, value...)
		}
	}
	return sc.Err()
}
