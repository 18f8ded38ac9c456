package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTUIEndToEndInTmux runs the real binary's kite tui in a tmux terminal
// against a real kite serve with demo data: it types a query, resolves the
// issue found, and checks the screen and the server.
func TestTUIEndToEndInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it): the console's end-to-end test needs a real terminal")
	}
	srv := startServer(t, t.TempDir(), "--demo")
	waitHTTP(t, srv.url("/api/v1/search?namespace=team-a&q=is:active"))

	sock := fmt.Sprintf("kite-e2e-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	home := t.TempDir()
	console := fmt.Sprintf("env KITE_TEST_MAIN=1 HOME=%s XDG_CONFIG_HOME=%s/.config NO_COLOR=1 TERM=xterm-256color %s tui --server %s -n team-a --as e2e -q ''",
		home, home, os.Args[0], srv.url(""))
	_, err := tmux("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", console)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = tmux("kill-server") })

	screen := func() string {
		out, _ := tmux("capture-pane", "-p", "-t", "e2e")
		return out
	}
	waitScreen := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if s := screen(); strings.Contains(s, want) {
				return s
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%q not on the screen within 20s:\n%s", want, screen())
		return ""
	}
	keys := func(ks ...string) {
		t.Helper()
		_, err := tmux(append([]string{"send-keys", "-t", "e2e"}, ks...)...)
		require.NoError(t, err)
	}

	// The stream may connect before the first page arrives, or after.
	waitScreen("live")
	first := waitScreen("e2e-nightly")
	assert.Contains(t, first, "kite · team-a")

	keys("/")
	waitScreen("\n/") // the query bar's own line (the help line names "/" too)
	keys("-l", "is:active PipelineRunTimeout")
	waitScreen("/is:active PipelineRunTimeout")
	keys("Enter")
	found := waitScreen("1 issue(s)")
	assert.Contains(t, found, "e2e-nightly")
	assert.NotContains(t, found, "backend")

	// Triage from the console, each checked on the server below.
	keys("a")
	waitScreen("acknowledge 1 issue(s)? y/n")
	keys("y")
	waitScreen("acknowledged 1 issue(s)")
	keys("A")
	waitScreen("assign to (user or team):")
	keys("-l", "team-qe")
	keys("Enter")
	waitScreen("assigned 1 issue(s)")
	keys("c")
	waitScreen("comment:")
	keys("-l", "flaky on the arm runners")
	keys("Enter")
	waitScreen("commented on 1 issue(s)")
	keys("z")
	waitScreen("snooze for")
	keys("-l", "2h")
	keys("Enter")
	waitScreen("snoozed 1 issue(s)")
	keys("S")
	waitScreen("silence the 1 issue(s) of this query for SPAN and why:")
	keys("-l", "1h nightly cluster maintenance")
	keys("Enter")
	waitScreen("mutes this query until")

	keys("r")
	waitScreen("resolve 1 issue(s)? y/n")
	keys("y")
	after := waitScreen("resolved 1 issue(s)")
	assert.Contains(t, after, "0 issue(s)", "resolved, it no longer matches is:active")

	// The server has it resolved, by the console's user.
	resp, err := http.Get(srv.url("/api/v1/issues?namespace=team-a&resourceName=e2e-nightly"))
	require.NoError(t, err)
	var page struct {
		Data []struct {
			ID         string   `json:"id"`
			State      string   `json:"state"`
			ResolvedBy string   `json:"resolvedBy"`
			AckedBy    string   `json:"ackedBy"`
			Assignee   string   `json:"assignee"`
			Comments   int      `json:"comments"`
			Muted      []string `json:"muted"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	_ = resp.Body.Close()
	require.Len(t, page.Data, 1)
	got := page.Data[0]
	assert.Equal(t, "RESOLVED", got.State)
	assert.Equal(t, "e2e", got.ResolvedBy)
	assert.Equal(t, "e2e", got.AckedBy)
	assert.Equal(t, "team-qe", got.Assignee)
	assert.Equal(t, 1, got.Comments)
	assert.Empty(t, got.Muted, "the silence of the console's query (is:active ...) muted it, and let go once it was resolved")
	resp, err = http.Get(srv.url("/api/v1/issues/" + got.ID + "/timeline"))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	for _, kind := range []string{"acknowledged", "assigned", "commented", "snoozed", "muted", "resolved"} {
		assert.Contains(t, string(body), `"kind":"`+kind+`"`)
	}
	assert.Contains(t, string(body), "no silence matches it any more", "the resolution's entry says it was unmuted")

	keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := tmux("has-session", "-t", "e2e"); err != nil {
			return // the console quit and its session ended
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the console did not quit on q:\n%s", screen())
}

// waitHTTP waits until url answers 200 (the search index is ready).
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 30s", url)
}

// TestTUIAsksTheTerminalNothing runs the real console on a pseudo-terminal
// that never answers (script(1) with nothing behind it): it must draw
// without first asking the terminal for its colours (OSC 10/11). Under
// Bubble Tea v1 its styling sent OSC 11 and waited for the answer, 5 s on
// such a terminal.
func TestTUIAsksTheTerminalNothing(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed (Debian's bsdutils has it)")
	}
	srv := startServer(t, t.TempDir(), "--demo")
	waitHTTP(t, srv.url("/api/v1/search?namespace=team-a&q=is:active"))
	cmd := exec.Command(scriptBin, "-qfc", fmt.Sprintf("%s tui --server %s -n team-a -q ''", os.Args[0], srv.url("")), "/dev/null")
	cmd.Env = append(os.Environ(), "KITE_TEST_MAIN=1", "TERM=xterm-256color")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "e2e-nightly") }, 20*time.Second, 20*time.Millisecond,
		"the first page is drawn")
	for _, q := range []string{"\x1b]10;?", "\x1b]11;?"} {
		assert.NotContains(t, out.String(), q)
	}
	_, _ = stdin.Write([]byte("q"))
}

// lockedBuffer is a child's output read while it writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
