package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite/api"
)

func TestServeDemoAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir, "--demo")
	resp, err := http.Get(srv.url("/api/v1/issues?namespace=team-a"))
	require.NoError(t, err)
	var page struct {
		Total int `json:"total"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	_ = resp.Body.Close()
	assert.Positive(t, page.Total, "demo data is loaded")

	for _, path := range []string{"/healthz", "/readyz", "/api/v1/health", "/metrics", "/openapi.json"} {
		resp, err := http.Get(srv.url(path))
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
	}

	// An open event stream (a console, a --watch) must not hold up
	// shutdown: it ends, and the server exits 0 well within its grace.
	stream, err := http.Get(srv.url("/api/v1/events?namespace=team-a"))
	require.NoError(t, err)
	defer func() { _ = stream.Body.Close() }()
	sc := bufio.NewScanner(stream.Body)
	for sc.Scan() && sc.Text() != ": subscribed" {
	}

	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, srv.wait(t))
	assert.Contains(t, srv.logs.String(), `"msg":"stopped"`)
	for sc.Scan() {
	}
	assert.NoError(t, sc.Err(), "the stream ended cleanly")

	// Restarted with --demo over a non-empty store, nothing is added.
	again := startServer(t, dir, "--demo")
	resp, err = http.Get(again.url("/api/v1/issues?namespace=team-a"))
	require.NoError(t, err)
	var page2 struct {
		Total int `json:"total"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page2))
	_ = resp.Body.Close()
	assert.Equal(t, page.Total, page2.Total)
	assert.NotContains(t, again.logs.String(), "loaded demo issues")
}

func TestSecondServerOnSameDataDirFailsFast(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir)
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--lock-timeout", "200ms")
	cmd.Env = append(os.Environ(), "KITE_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitError, exit.ExitCode())
	assert.Contains(t, stderr.String(), "in use by another Kite process")
	assert.Less(t, time.Since(start), 20*time.Second)
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--log-format", "xml"},
		{"serve", "--log-level", "loud"},
		{"serve", "--no-such-flag"},
		{"serve", "--watch", "sometimes"},
		{"serve", "--watch-workers", "0"},
		{"serve", "--watch-namespace-selector", "a=(b"},
		{"serve", "--watch-severity-rules", "/nonexistent/rules.yaml"},
		{"serve", "--auth", "sometimes"},
		{"serve", "--tls-cert-file", "/tmp/cert.pem"},
		{"serve", "--auth", "none", "--addr", "0.0.0.0:0"},
		{"serve", "--auth", "none", "--addr", ":8080"},
		{"serve", "--search-timeout", "0s"},
		{"serve", "--write-timeout", "-1s"},
		{"serve", "--max-searches", "-1"},
		{"serve", "--max-searches-per-caller", "-1"},
		{"watch"},
		{"watch", "--server", "ftp://kite.example"},
		{"watch", "--server", "http://kite.example", "--watch", "off"},
		{"bench", "--workload", "nope"},
		{"bench", "-c", "0"},
		{"frobnicate"},
	} {
		var out, errb bytes.Buffer
		code := run(args, nil, &out, &errb, func(string) (string, bool) { return "", false })
		assert.Equal(t, exitUsage, code, "%v: %s", args, errb.String())
		assert.NotEmpty(t, errb.String())
		assert.Empty(t, out.String())
	}
}

func TestAuthNoneOnlyOnLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:0": true,
		":8080": false, "0.0.0.0:8080": false, "10.0.0.1:8080": false, "kite.example:80": false,
	} {
		assert.Equal(t, want, loopback(addr), addr)
	}
	// On loopback it starts, and warns that anyone who reaches it may do
	// anything.
	srv := startServer(t, t.TempDir(), "--auth", "none")
	assert.Contains(t, srv.logs.String(), "authentication is off")
}

func TestAuthKubernetesNeedsACluster(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"serve", "--auth", "kubernetes", "--kubeconfig", filepath.Join(t.TempDir(), "none"), "--data-dir", t.TempDir()},
		nil, &out, &errb, func(string) (string, bool) { return "", false })
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb.String(), "--auth=kubernetes needs a cluster")
}

func TestDefaultAddrFromEnvironment(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{nil, ":8080"},
		{map[string]string{"KITE_PORT": "9000"}, ":9000"},
		{map[string]string{"KITE_HOST": "0.0.0.0", "KITE_PORT": "9000"}, "0.0.0.0:9000"},
		{map[string]string{"KITE_HOST": "127.0.0.1"}, "127.0.0.1:8080"},
		{map[string]string{"KITE_ADDR": "127.0.0.1:7000", "KITE_PORT": "9000"}, "127.0.0.1:7000"},
	}
	for _, c := range cases {
		env := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
		assert.Equal(t, c.want, defaultAddr(env), "%v", c.env)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, exitOK, run([]string{"version"}, nil, &out, &out, func(string) (string, bool) { return "", false }))
	assert.NotEmpty(t, strings.TrimSpace(out.String()))
}

func TestDebugAddrServesProfiler(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--debug-addr", "127.0.0.1:0")
	var addr string
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "profiler listening" {
			addr = rec.Addr
		}
	}
	require.NotEmpty(t, addr, "the profiler's address is logged")
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// The API listener does not serve it.
	resp, err = http.Get(srv.url("/debug/pprof/cmdline"))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestServeWatchersOffWithoutACluster(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--kubeconfig", filepath.Join(t.TempDir(), "missing"))
	assert.Contains(t, srv.logs.String(), "PipelineRun watchers are off")
	resp, err := http.Get(srv.url("/readyz"))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestServeWatchOnWithoutAClusterFails(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--watch", "on", "--kubeconfig", filepath.Join(t.TempDir(), "missing"))
	cmd.Env = append(os.Environ(), "KITE_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitError, exit.ExitCode())
	assert.Contains(t, stderr.String(), "--watch=on: no cluster with Tekton reachable")
}

func TestRateLimitsApplyWithAuthenticationOrWhenSet(t *testing.T) {
	o := authOptions{limits: api.RateLimits{ReadsPerSecond: 50, ReadBurst: 100, WritesPerSecond: 100, WriteBurst: 200}}
	assert.Nil(t, o.rateLimits(false), "off with --auth=none by default")
	assert.Equal(t, &o.limits, o.rateLimits(true))
	o.limitsSet = true
	assert.NotNil(t, o.rateLimits(false), "a rate flag turns them on without authentication")
}

func TestAuthAutoNeedsAClusterThatAnswers(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	kubeconfig := func(server string) string {
		path := filepath.Join(t.TempDir(), "config")
		require.NoError(t, os.WriteFile(path, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \""+server+
			"\"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"), 0o600))
		return path
	}
	assert.Equal(t, "none", autoAuthMode(filepath.Join(t.TempDir(), "missing"), log), "no kubeconfig")

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	assert.Equal(t, "none", autoAuthMode(kubeconfig(dead.URL), log), "a stale kubeconfig")

	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"major":"1","minor":"35","gitVersion":"v1.35.4"}`))
	}))
	t.Cleanup(live.Close)
	assert.Equal(t, "kubernetes", autoAuthMode(kubeconfig(live.URL), log), "a cluster that answers")
}
