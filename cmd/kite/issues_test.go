package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
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
	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service/servicetest"
)

// cli runs kite commands in process against a real server, with an
// environment of its own (a temporary HOME and config directory).
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	st := servicetest.Open(t)
	h, err := api.New(api.Options{Service: st, Ping: st.Ping})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	return &cli{t: t, env: map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "KITE_SERVER": srv.URL, "NO_COLOR": "1"}}
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, nil, &out, &errb, func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	require.Equal(c.t, exitOK, code, "%v: %s", args, errs)
	return out
}

func (c *cli) create(ns, title, scope string, extra ...string) *kite.Issue {
	c.t.Helper()
	out := c.ok(append([]string{"issues", "create", "-n", ns, "--title", title, "--description", title + " in detail",
		"--type", "build", "--scope", scope, "-o", "json"}, extra...)...)
	var is kite.Issue
	require.NoError(c.t, json.Unmarshal([]byte(out), &is), out)
	return &is
}

func TestIssuesCommands(t *testing.T) {
	c := newCLI(t)
	a := c.create("team-a", "Registry unreachable", "component/frontend", "--severity", "critical", "--label", "team=payments")
	b := c.create("team-a", "Unit tests fail", "component/backend", "--severity", "minor")
	c.create("team-b", "Elsewhere", "component/other")
	assert.Equal(t, kite.SeverityCritical, a.Severity)
	assert.Equal(t, map[string]string{"team": "payments"}, a.Labels)

	// list: table, wide, json, yaml, name.
	table := c.ok("issues", "list", "-n", "team-a")
	assert.Contains(t, table, "ID")
	assert.Contains(t, table, a.ID)
	assert.Contains(t, table, "critical")
	assert.NotContains(t, table, "Elsewhere")
	assert.NotContains(t, table, "\x1b[", "no colour: NO_COLOR, and not a terminal")
	assert.Contains(t, c.ok("issues", "list", "-n", "team-a", "-o", "wide"), "component/frontend")
	var listed []kite.Issue
	require.NoError(t, json.Unmarshal([]byte(c.ok("issues", "list", "-n", "team-a", "-o", "json")), &listed))
	assert.Len(t, listed, 2)
	require.NoError(t, yaml.Unmarshal([]byte(c.ok("issues", "list", "-n", "team-a", "-o", "yaml")), &listed))
	assert.Len(t, listed, 2)
	assert.ElementsMatch(t, []string{a.ID, b.ID}, strings.Fields(c.ok("issues", "list", "-n", "team-a", "-o", "name")))
	assert.Equal(t, a.ID+"\n", c.ok("issues", "list", "-n", "team-a", "--severity", "critical", "-o", "name"))

	// Paging: one per page, --all gets both.
	assert.Len(t, strings.Fields(c.ok("issues", "list", "-n", "team-a", "--limit", "1", "-o", "name")), 1)
	assert.Len(t, strings.Fields(c.ok("issues", "list", "-n", "team-a", "--limit", "1", "--all", "-o", "name")), 2)

	// search, through the index.
	require.Eventually(t, func() bool {
		return strings.TrimSpace(c.ok("issues", "search", "-n", "team-a", "registry", "-o", "name")) == a.ID
	}, 10e9, 20e6)
	assert.Equal(t, b.ID+"\n", c.ok("issues", "search", "-n", "team-a", "severity:<major", "-o", "name"))
	_, _, errs := c.run("issues", "search", "-n", "team-a", "severity:>=")
	assert.Contains(t, errs, "severity")

	// get, update, resolve, reopen, relate, timeline, delete.
	got := c.ok("issues", "get", a.ID)
	for _, want := range []string{"Registry unreachable", "critical", "component/frontend", "team=payments", "Registry unreachable in detail"} {
		assert.Contains(t, got, want)
	}
	assert.Contains(t, c.ok("issues", "update", a.ID, "--title", "Registry down", "--as", "alice"), "Registry down")
	assert.Contains(t, c.ok("issues", "resolve", a.ID, "--as", "bob"), "RESOLVED")
	var resolved kite.Issue
	require.NoError(t, json.Unmarshal([]byte(c.ok("issues", "get", a.ID, "-o", "json")), &resolved))
	assert.Equal(t, "bob", resolved.ResolvedBy)
	assert.Contains(t, c.ok("issues", "reopen", a.ID), "REGRESSED", "active again after a resolution")
	c.ok("issues", "relate", a.ID, b.ID)
	assert.Contains(t, c.ok("issues", "get", a.ID), b.ID)
	c.ok("issues", "unrelate", a.ID, b.ID)
	timeline := c.ok("issues", "timeline", a.ID)
	for _, want := range []string{"opened", "edited", "alice", "resolved", "bob", "related", "unrelated"} {
		assert.Contains(t, timeline, want)
	}
	var events []kite.Event
	require.NoError(t, json.Unmarshal([]byte(c.ok("issues", "timeline", a.ID, "-o", "json")), &events))
	assert.Equal(t, kite.EventOpened, events[0].Kind)
	assert.Equal(t, b.ID+"\n", c.ok("issues", "delete", b.ID, "-o", "name"))

	// Exit codes: not found 3, usage 2, other errors 1.
	code, out, errs := c.run("issues", "get", b.ID)
	assert.Equal(t, exitNotFound, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "Issue not found")
	code, _, _ = c.run("issues", "get")
	assert.Equal(t, exitUsage, code)
	code, _, _ = c.run("issues", "list", "-o", "xml")
	assert.Equal(t, exitUsage, code)
	code, _, errs = c.run("issues", "create", "-n", "team-a", "--title", "t", "--description", "d", "--type", "flaky", "--scope", "a/b")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errs, "issueType")
}

func TestIssuesNamespaceResolution(t *testing.T) {
	c := newCLI(t)
	c.create("from-flag", "one", "component/a")
	c.create("from-kubeconfig", "two", "component/b")
	c.create("from-config", "three", "component/c")
	c.create("default", "four", "component/d")
	titles := func() string { return c.ok("issues", "list", "-o", "json") }

	assert.Contains(t, titles(), `"four"`, "nothing set: the default namespace")
	c.ok("config", "set", "namespace", "from-config")
	assert.Contains(t, titles(), `"three"`, "kite config's namespace")

	kubeconfig := filepath.Join(c.env["HOME"], "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: dev, namespace: from-kubeconfig}
clusters:
- name: dev
  cluster: {server: https://127.0.0.1:1}
`), 0o600))
	c.env["KUBECONFIG"] = kubeconfig
	assert.Contains(t, titles(), `"two"`, "the current kubeconfig context wins over kite config")
	assert.Contains(t, c.ok("issues", "list", "-n", "from-flag", "-o", "json"), `"one"`, "-n wins over all")
}

func TestConfigCommand(t *testing.T) {
	c := newCLI(t)
	server := c.env["KITE_SERVER"]
	delete(c.env, "KITE_SERVER")
	code, _, errs := c.run("issues", "list")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "no Kite server")

	c.ok("config", "set", "server", server)
	c.ok("config", "set", "token", "s3cret")
	view := c.ok("config", "view")
	assert.Contains(t, view, "server: "+server)
	assert.NotContains(t, view, "s3cret", "the token is masked")
	info, err := os.Stat(filepath.Join(c.env["XDG_CONFIG_HOME"], "kite", "config.yaml"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the file holds a token")
	c.ok("issues", "list")

	c.ok("config", "unset", "token")
	assert.NotContains(t, c.ok("config", "view"), "token")
	code, _, _ = c.run("config", "set", "color", "red")
	assert.Equal(t, exitUsage, code)
	code, _, _ = c.run("config", "set", "server", "kite.example")
	assert.Equal(t, exitUsage, code)
}

func TestKubectlPlugin(t *testing.T) {
	plugin := filepath.Join(t.TempDir(), pluginName)
	require.NoError(t, os.Symlink(os.Args[0], plugin))
	cmd := exec.Command(plugin, "issues", "--help")
	cmd.Env = append(os.Environ(), "KITE_TEST_MAIN=1")
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "kubectl kite issues [command]")
}

// watching runs a kite command with --watch as a process and returns its
// output lines and a function that reads the next one.
func watching(t *testing.T, c *cli, args ...string) (*exec.Cmd, <-chan string, func() string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KITE_TEST_MAIN=1", "KITE_SERVER="+c.env["KITE_SERVER"], "HOME="+c.env["HOME"], "XDG_CONFIG_HOME="+c.env["XDG_CONFIG_HOME"])
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	readLine := func() string {
		t.Helper()
		select {
		case l := <-lines:
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("no output within 10s")
		}
		return ""
	}
	return cmd, lines, readLine
}

// awaitChange creates issues in ns until one of them is printed: the
// subscription starts after the first page, so an early one may be missed.
func awaitChange(t *testing.T, c *cli, lines <-chan string, ns string) {
	t.Helper()
	var seen string
	created := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; seen == "" && time.Now().Before(deadline); i++ {
		created[c.create(ns, "New one", fmt.Sprintf("component/b%d", i)).ID] = true
		select {
		case seen = <-lines:
			assert.True(t, created[seen], "the change of an issue made after the list: %s", seen)
		case <-time.After(200 * time.Millisecond):
		}
	}
	require.NotEmpty(t, seen, "a change in %s was printed", ns)
}

// TestIssuesWatch runs kite issues list --watch as a process: it prints
// the list, then each change as it happens, until interrupted.
func TestIssuesWatch(t *testing.T) {
	c := newCLI(t)
	first := c.create("team-a", "Already there", "component/a")
	cmd, lines, readLine := watching(t, c, "issues", "list", "-n", "team-a", "--watch", "-o", "name")
	assert.Equal(t, first.ID, readLine(), "the list first")
	awaitChange(t, c, lines, "team-a")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), "an interrupted watch exits 0")
}

// TestSearchWatchFollowsTheQuerysNamespaces: a search over several ns:
// follows all of them, not the session's namespace.
func TestSearchWatchFollowsTheQuerysNamespaces(t *testing.T) {
	c := newCLI(t)
	first := c.create("team-b", "Already there", "component/a")
	cmd, lines, readLine := watching(t, c, "issues", "search", "ns:team-b ns:team-c", "--watch", "-o", "name")
	assert.Equal(t, first.ID, readLine(), "the results first")
	awaitChange(t, c, lines, "team-c")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait())
}

func TestCompletion(t *testing.T) {
	c := newCLI(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		assert.Contains(t, c.ok("completion", shell), "kite", shell)
	}
}

func TestFilterQueryKeepsEveryListFilter(t *testing.T) {
	f := kite.IssueFilter{Namespace: "team-a", State: kite.StateActive, Severity: kite.SeverityCritical, IssueType: kite.IssueTypeBuild,
		ResourceType: "component", ResourceName: "frontend", Search: "registry.io/org/img:tag pull"}
	q, err := kite.ParseQuery(filterQuery(f), time.Now())
	require.NoError(t, err, filterQuery(f))
	match := &kite.Issue{Namespace: "team-a", State: kite.StateActive, Severity: kite.SeverityCritical, IssueType: kite.IssueTypeBuild,
		Scope: kite.Scope{ResourceType: "component", ResourceName: "frontend"}, Title: "pull of registry.io/org/img:tag denied"}
	assert.True(t, q.Matches(match))
	for _, edit := range []func(*kite.Issue){
		func(is *kite.Issue) { is.State = kite.StateResolved },
		func(is *kite.Issue) { is.Severity = kite.SeverityMinor },
		func(is *kite.Issue) { is.IssueType = kite.IssueTypeTest },
		func(is *kite.Issue) { is.Scope.ResourceType = "application" },
		func(is *kite.Issue) { is.Scope.ResourceName = "backend" },
		func(is *kite.Issue) { is.Title = "something else" },
	} {
		other := *match
		edit(&other)
		assert.False(t, q.Matches(&other), "%+v", other)
	}
}

// list says when it shows a page short of the total, as search does.
func TestIssuesListSaysHowManyShown(t *testing.T) {
	c := newCLI(t)
	for i := range 3 {
		c.create("team-a", "Build failed", fmt.Sprintf("component/c%d", i))
	}
	const notice = "2 of 3 shown; --all for every page\n"
	code, out, errs := c.run("issues", "list", "-n", "team-a", "--limit", "2", "-o", "name")
	require.Equal(t, exitOK, code, errs)
	assert.Len(t, strings.Fields(out), 2)
	assert.Equal(t, notice, errs)
	for _, args := range [][]string{
		{"--limit", "2", "--all"},
		{"--limit", "3"},
		{"--limit", "2", "-o", "json"},
	} {
		_, _, errs := c.run(append([]string{"issues", "list", "-n", "team-a"}, args...)...)
		assert.Empty(t, errs, "%q", args)
	}
	require.Eventually(t, func() bool {
		_, _, errs := c.run("issues", "search", "-n", "team-a", "build", "--limit", "2", "-o", "name")
		return errs == notice
	}, 10*time.Second, 20*time.Millisecond, "search says it the same way")
}
