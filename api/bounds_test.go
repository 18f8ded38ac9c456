package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestUnreadResponsesTimeOut: a client that asks for a large page and never
// reads it does not hold the handler: the write deadline ends it.
func TestUnreadResponsesTimeOut(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.WriteTimeout = 200 * time.Millisecond })
	big := strings.Repeat("x", 480<<10)
	for i := range 16 {
		ts.createIssue(t, "team-a", "comp-"+strings.Repeat("a", i+1), func(b map[string]any) { b["description"] = big })
	}
	srv := httptest.NewServer(ts.h)
	t.Cleanup(srv.Close)
	// A small receive window, so that the socket buffers cannot take the
	// whole page either.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	// About 7.7 MB of page, beyond what the sockets buffer; never read.
	_, err = conn.Write([]byte("GET /api/v1/issues?namespace=team-a&limit=1000 HTTP/1.1\r\nHost: kite\r\n\r\n"))
	require.NoError(t, err)

	deadline := time.Now().Add(20 * time.Second)
	for ts.counterValue(t, "kite_http_requests_total", map[string]string{"route": "/api/v1/issues", "method": "GET"}) == 0 {
		require.True(t, time.Now().Before(deadline), "the handler still holds the unread response")
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExpensiveRequestsAreBounded: beyond MaxExpensive searches at once,
// the next one is told to come back; cheap reads go on.
func TestExpensiveRequestsAreBounded(t *testing.T) {
	s, err := newServer(Options{Service: servicetest.Open(t), MaxExpensive: 1})
	require.NoError(t, err)
	h := s.router()
	s.expensive <- struct{}{} // a long search holds the one slot
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	w := get("/api/v1/search?namespace=team-a&q=build")
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Contains(t, w.Body.String(), "Too many searches at once")
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, http.StatusServiceUnavailable, get("/api/v1/issues?namespace=team-a&search=build").Code, "a list with search is a search")
	assert.Equal(t, http.StatusServiceUnavailable, get("/api/v1/issues?namespace=team-a&limit=500").Code, "so is a large page")
	assert.Equal(t, http.StatusOK, get("/api/v1/issues?namespace=team-a").Code, "an ordinary page is not")
	<-s.expensive
	assert.Equal(t, http.StatusOK, get("/api/v1/search?namespace=team-a&q=build").Code, "the slot is free again")
}

// heldSearches makes alice's searches wait, each saying so on entered,
// until release closes; everyone else's are answered at once.
type heldSearches struct {
	kite.Service
	entered chan struct{}
	release chan struct{}
}

func (h heldSearches) Search(ctx context.Context, r kite.SearchRequest) (*kite.SearchResult, error) {
	if p := kite.PrincipalFrom(ctx); p != nil && p.Name == "alice" {
		h.entered <- struct{}{}
		<-h.release
	}
	return h.Service.Search(ctx, r)
}

// TestSearchesPerCaller: one caller's searches cannot take every search
// slot. Alice starts searches until she is refused, holding what she got;
// bob's search is then still served.
func TestSearchesPerCaller(t *testing.T) {
	held := heldSearches{entered: make(chan struct{}), release: make(chan struct{})}
	ts := newTestServer(t, func(o *Options) {
		held.Service = o.Service
		o.Service = held
		o.MaxExpensive = 4
		o.Authenticator = tokens{"alice-token": {Name: "alice"}, "bob-token": {Name: "bob"}}
		o.Authorizer = rules{"* list issues team-a -"}
	})
	srv := httptest.NewServer(ts.h)
	t.Cleanup(srv.Close)
	// answer is what a search was answered: its status and Retry-After.
	type answer struct {
		status     int
		retryAfter string
	}
	search := func(token string) answer {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/search?namespace=team-a&q=build", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		_, _ = io.Copy(io.Discard, resp.Body)
		return answer{resp.StatusCode, resp.Header.Get("Retry-After")}
	}

	answered := make(chan answer, 8)
	holding := 0
	var refused *answer
	for refused == nil && holding < 8 {
		go func() { answered <- search("alice-token") }()
		select {
		case <-held.entered:
			holding++
		case a := <-answered:
			refused = &a
		}
	}
	require.NotNil(t, refused, "alice is refused before she holds every slot")
	assert.Equal(t, 1, holding, "her share: a quarter of the four slots")
	assert.Equal(t, http.StatusTooManyRequests, refused.status)
	assert.Equal(t, "1", refused.retryAfter)

	assert.Equal(t, http.StatusOK, search("bob-token").status, "bob's search is served while alice holds hers")

	close(held.release)
	for range holding {
		assert.Equal(t, http.StatusOK, (<-answered).status)
	}
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_rate_limit_requests_total", map[string]string{"kind": "search", "outcome": "limited"}))
}
