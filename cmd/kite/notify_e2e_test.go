package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/notify/notifytest"
)

// hangingReceiver records every CloudEvent it is sent; the first request
// hangs until released, so that Kite is caught mid-delivery.
type hangingReceiver struct {
	mu       sync.Mutex
	got      []string // "event subject" per request, in arrival order
	ids      []string
	inFlight chan struct{}
	release  chan struct{}
	once     sync.Once
}

func (h *hangingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ce struct {
		ID, Subject string
		Data        struct{ Event string }
	}
	_ = json.Unmarshal(body, &ce)
	h.mu.Lock()
	first := len(h.ids) == 0
	h.ids = append(h.ids, ce.ID)
	h.got = append(h.got, ce.Data.Event+" "+ce.Subject)
	h.mu.Unlock()
	if first {
		h.once.Do(func() { close(h.inFlight) })
		<-h.release
	}
}

// distinct returns the received notifications once each, and how many
// arrived more than once.
func (h *hangingReceiver) distinct() (map[string]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	out := map[string]int{}
	repeats := 0
	for i, id := range h.ids {
		if seen[id] {
			repeats++
			continue
		}
		seen[id] = true
		out[h.got[i]]++
	}
	return out, repeats
}

// TestNotificationsThroughKill9: a real kite serve is killed with SIGKILL
// while a webhook delivery is in flight and an Alertmanager holds its
// alerts; after a restart the receiver has every notification exactly
// once (by id; only the one in flight may arrive again) and the
// Alertmanager holds exactly the open issues' alerts, the one resolved
// after the restart ended.
func TestNotificationsThroughKill9(t *testing.T) {
	am := notifytest.Start(t)
	rcv := &hangingReceiver{inFlight: make(chan struct{}), release: make(chan struct{})}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(rcv.release) }) }
	t.Cleanup(release)

	dir := t.TempDir()
	flags := []string{"--notify-allow-loopback", "--notify-resend", "1s"}
	srv := startServer(t, dir, flags...)
	post := func(srv *server, path string, body any) {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(srv.url(path), "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		out, _ := io.ReadAll(resp.Body)
		require.NoError(t, resp.Body.Close())
		require.Less(t, resp.StatusCode, 300, "%s: %s", path, out)
	}
	post(srv, "/api/v1/subscriptions", map[string]any{"name": "chat", "url": hook.URL, "namespaces": []string{"team-a"}, "query": "severity:>=major"})
	post(srv, "/api/v1/subscriptions", map[string]any{"name": "oncall", "kind": "alertmanager", "url": am.URL, "namespaces": []string{"team-a"}, "query": "severity:>=major"})
	for i := 1; i <= 5; i++ {
		post(srv, "/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": fmt.Sprintf("p%d", i), "namespace": "team-a", "failureReason": "OOMKilled"})
	}
	post(srv, "/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": "minor", "namespace": "team-a", "failureReason": "lint", "severity": "minor"})

	select {
	case <-rcv.inFlight:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook delivery began")
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(am.Firing(t)) != 5 {
		require.True(t, time.Now().Before(deadline), "Alertmanager holds %d alerts, want 5", len(am.Firing(t)))
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGKILL))
	_ = srv.wait(t)
	release()

	srv = startServer(t, dir, flags...)
	post(srv, "/api/v1/webhooks/pipeline-success", map[string]any{"pipelineName": "p2", "namespace": "team-a"})

	want := map[string]int{}
	var issues []kite.Issue
	resp, err := http.Get(srv.url("/api/v1/issues?namespace=team-a&limit=100"))
	require.NoError(t, err)
	var list struct{ Data []kite.Issue }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.NoError(t, resp.Body.Close())
	for _, is := range list.Data {
		if is.Severity != kite.SeverityMajor {
			continue
		}
		issues = append(issues, is)
		want["opened "+is.ID]++
		if is.State == kite.StateResolved {
			want["resolved "+is.ID]++
		}
	}
	require.Len(t, issues, 5)
	require.Len(t, want, 6)
	deadline = time.Now().Add(60 * time.Second)
	for {
		got, repeats := rcv.distinct()
		if len(got) == len(want) {
			assert.Equal(t, want, got, "every notification, once each")
			assert.LessOrEqual(t, repeats, 1, "only the delivery in flight at the kill may come again")
			t.Logf("%d notifications, %d repeated", len(got), repeats)
			break
		}
		require.True(t, time.Now().Before(deadline), "the receiver has %v, want %v", got, want)
		time.Sleep(50 * time.Millisecond)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		firing := am.Firing(t)
		open := 0
		for _, is := range issues {
			_, on := firing[is.ID]
			if on == (is.State == kite.StateActive) {
				open++
			}
		}
		if len(firing) == 4 && open == 5 {
			break
		}
		require.True(t, time.Now().Before(deadline), "Alertmanager holds %d alerts, want the 4 open issues'", len(firing))
		time.Sleep(50 * time.Millisecond)
	}
}
