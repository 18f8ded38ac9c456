package api

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func nextChange(t *testing.T, f *kite.ChangeFeed) kite.IssueChange {
	t.Helper()
	select {
	case c, ok := <-f.C:
		require.True(t, ok, "stream ended")
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return kite.IssueChange{}
}

func TestEventStreamOverHTTP(t *testing.T) {
	c, ts, _ := newClientServer(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	feed, err := c.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a"}, Query: "is:active"})
	require.NoError(t, err)

	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "build-app"))
	require.Equal(t, http.StatusCreated, res.Code)
	id := hookIssue(t, res)["id"].(string)
	ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-b", "other")) // another namespace
	ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "build-app"))

	first := nextChange(t, feed)
	assert.Equal(t, kite.ChangeCreated, first.Kind)
	assert.Equal(t, id, first.ID)
	require.NotNil(t, first.Issue)
	assert.Equal(t, "Pipeline run failed: build-app", first.Issue.Title)
	second := nextChange(t, feed)
	assert.Equal(t, kite.ChangeUpdated, second.Kind)
	assert.Equal(t, int64(2), second.Issue.Occurrences)

	// The resolution no longer matches is:active; a reconnect from the
	// first event gets the second again, then what comes next.
	cancel()
	ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "build-app"))
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	again, err := c.Subscribe(ctx2, kite.ChangeRequest{Namespaces: []string{"team-a"}, After: first.Rev})
	require.NoError(t, err)
	assert.Equal(t, second.Rev, nextChange(t, again).Rev)
	third := nextChange(t, again)
	assert.Equal(t, int64(3), third.Issue.Occurrences, "the change made while away")
}

func TestEventStreamWireFormat(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.Heartbeat = 20 * time.Millisecond })
	srv := httptest.NewServer(ts.h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/events?namespace=team-a", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	want := func(prefix string) string {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case l := <-lines:
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-deadline:
				t.Fatalf("no %q line", prefix)
			}
		}
	}
	want(": subscribed")
	want(": heartbeat")
	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "build-app"))
	require.Equal(t, http.StatusCreated, res.Code)
	id := want("id: ")
	assert.Regexp(t, `^id: \d+$`, id)
	assert.Equal(t, "event: created", want("event: "))
	assert.Contains(t, want("data: "), `"kind":"created"`)
}

func TestEventStreamBadRequests(t *testing.T) {
	ts := newTestServer(t)
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/events", nil), http.StatusBadRequest, "Missing namespace")
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/events?namespace=team-a&q=severity:>=", nil), http.StatusBadRequest, "")
	res := ts.do(t, http.MethodGet, "/api/v1/events?namespace=team-a", nil, "Last-Event-ID", "yesterday")
	requireError(t, res, http.StatusBadRequest, "Invalid Last-Event-ID")
	assert.Equal(t, "Last-Event-ID", res.JSON(t)["field"])
}

// TestEventStreamEndsOnShutdown: http.Server.Shutdown waits for handlers,
// so a stream must end by itself when the server starts shutting down.
func TestEventStreamEndsOnShutdown(t *testing.T) {
	closing := make(chan struct{})
	ts := newTestServer(t, func(o *Options) { o.Closing = closing })
	srv := httptest.NewUnstartedServer(ts.h)
	srv.Config.RegisterOnShutdown(func() { close(closing) })
	srv.Start()
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/api/v1/events?namespace=team-a")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && sc.Text() != ": subscribed" {
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Config.Shutdown(ctx), "shutdown did not wait for the stream")
	for sc.Scan() {
	}
	assert.NoError(t, sc.Err(), "the stream ended cleanly")
}
