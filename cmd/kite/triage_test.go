package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// runIn runs a command with stdin.
func (c *cli) runIn(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb, func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
	return code, out.String(), errb.String()
}

func TestTriageCommands(t *testing.T) {
	c := newCLI(t)
	c.env["USER"] = "carol"
	a := c.create("team-a", "Registry unreachable", "component/frontend")
	b := c.create("team-a", "Unit tests fail", "component/backend")

	// ack and unack several at once; the actor is $USER by default.
	var acked []kite.Issue
	require.NoError(t, json.Unmarshal([]byte(c.ok("issues", "ack", a.ID, b.ID, "-o", "json")), &acked))
	require.Len(t, acked, 2)
	assert.Equal(t, "carol", acked[0].AckedBy)
	assert.Contains(t, c.ok("issues", "get", a.ID), "Acknowledged:")
	c.ok("issues", "unack", b.ID, "--as", "dave")
	assert.NotContains(t, c.ok("issues", "get", b.ID), "Acknowledged:")

	assert.Contains(t, c.ok("issues", "assign", a.ID, "--to", "team-payments"), a.ID)
	assert.Contains(t, c.ok("issues", "get", a.ID), "team-payments")
	code, _, errs := c.run("issues", "assign", a.ID)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "to")
	c.ok("issues", "unassign", a.ID)
	assert.NotContains(t, c.ok("issues", "get", a.ID), "team-payments")

	// comment with -m, from stdin, list, edit, delete.
	out := c.ok("issues", "comment", a.ID, "-m", "Looking into it", "-o", "json")
	var cm []kite.Comment
	require.NoError(t, json.Unmarshal([]byte(out), &cm))
	require.Len(t, cm, 1)
	assert.Equal(t, "carol", cm[0].Author)
	code, _, errs = c.runIn("Root cause: the registry's certificate expired.\n\nRenewed it.\n", "issues", "comment", a.ID, "-m", "-", "--as", "dave")
	require.Equal(t, exitOK, code, errs)
	table := c.ok("issues", "comments", a.ID)
	assert.Contains(t, table, "Looking into it")
	assert.Contains(t, table, "Root cause: the registry's certificate expired.")
	assert.NotContains(t, table, "Renewed it", "the table shows first lines")

	code, _, errs = c.run("issues", "comment", a.ID, "--edit", cm[0].ID, "-m", "not mine", "--as", "dave")
	assert.Equal(t, exitDenied, code)
	assert.Contains(t, errs, "only carol")
	c.ok("issues", "comment", a.ID, "--edit", cm[0].ID, "-m", "Fixed by renewing the certificate")
	assert.Contains(t, c.ok("issues", "comments", a.ID), "(edited)")
	_, _, errs = c.run("issues", "comment", a.ID, "--delete", cm[0].ID)
	assert.Contains(t, errs, "deleted")
	assert.NotContains(t, c.ok("issues", "comments", a.ID), "Fixed by renewing")
	code, _, errs = c.runIn("", "issues", "comment", a.ID, "-m", "-")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errs, "text is required")

	// snooze and unsnooze.
	out = c.ok("issues", "snooze", b.ID, "--for", "2h", "--occurrences", "3")
	assert.Contains(t, out, b.ID)
	assert.Contains(t, c.ok("issues", "get", b.ID), "until it occurs 4 times")
	assert.Equal(t, b.ID+"\n", c.ok("issues", "search", "-n", "team-a", "is:snoozed", "-o", "name"))
	code, _, errs = c.run("issues", "snooze", b.ID)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "give --for, --occurrences or --escalating")
	code, _, _ = c.run("issues", "snooze", b.ID, "--for", "yesterday")
	assert.Equal(t, exitUsage, code)
	c.ok("issues", "unsnooze", b.ID)
	assert.NotContains(t, c.ok("issues", "get", b.ID), "Snoozed:")

	// The timeline says who did what.
	tl := c.ok("issues", "timeline", a.ID)
	for _, want := range []string{"acknowledged  carol", "assigned      carol", "commented     dave"} {
		assert.Contains(t, strings.Join(strings.Fields(tl), " "), strings.Join(strings.Fields(want), " "))
	}
}

// webhookFailure reports a pipeline failure through the server's webhook,
// as the bridge operator and Kite's watcher do.
func (c *cli) webhookFailure(ns, pipeline, runID, logsURL string) *kite.Issue {
	c.t.Helper()
	body, _ := json.Marshal(map[string]string{"pipelineName": pipeline, "namespace": ns, "failureReason": "OOMKilled", "runId": runID, "logsUrl": logsURL})
	resp, err := http.Post(c.env["KITE_SERVER"]+"/api/v1/webhooks/pipeline-failure", "application/json", bytes.NewReader(body))
	require.NoError(c.t, err)
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		Issue kite.Issue `json:"issue"`
	}
	require.NoError(c.t, json.NewDecoder(resp.Body).Decode(&out))
	return &out.Issue
}

func TestLogsCommand(t *testing.T) {
	c := newCLI(t)
	named := c.webhookFailure("team-a", "frontend-on-push", "frontend-on-push-x7k2p", "https://console.example/logs/frontend-on-push-x7k2p")
	byUID := c.webhookFailure("team-a", "backend-on-push", "0f4c6a5e-3b1d-4c2e-9a7f-1d2e3f4a5b6c", "")
	bare := c.create("team-a", "No links", "component/docs")

	assert.Equal(t, "https://console.example/logs/frontend-on-push-x7k2p\n", c.ok("issues", "logs", named.ID))
	assert.Contains(t, c.ok("issues", "logs", byUID.ID), "/logs/pipelineruns/0f4c6a5e", "the original's link, made from the runId")
	code, _, errs := c.run("issues", "logs", bare.ID)
	assert.Equal(t, exitNotFound, code)
	assert.Contains(t, errs, "no log link")

	// --tkn runs tkn for a run the watcher named.
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "tkn"), []byte("#!/bin/sh\necho tkn \"$@\"\n"), 0o755)) //nolint:gosec // a test stand-in for tkn
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	assert.Equal(t, "tkn pipelinerun logs frontend-on-push-x7k2p -n team-a\n", c.ok("issues", "logs", named.ID, "--tkn"))
	code, _, errs = c.run("issues", "logs", byUID.ID, "--tkn")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errs, "names its run by UID")
}

func TestAllNamespaces(t *testing.T) {
	c := newCLI(t)
	a := c.create("team-a", "Registry unreachable", "component/frontend")
	b := c.create("team-b", "Unit tests fail", "component/backend")
	assert.ElementsMatch(t, []string{a.ID, b.ID}, strings.Fields(c.ok("issues", "list", "-A", "-o", "name")))
	assert.Equal(t, b.ID+"\n", c.ok("issues", "search", "-A", "unit", "-o", "name"))
	assert.Contains(t, c.ok("issues", "list", "-A"), "team-b", "the NAMESPACE column says where")
	code, _, errs := c.run("issues", "list", "-A", "-n", "team-a")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "-A and -n go alone")
}

// TestTUIStartsWithoutWhatIsSetAside: kite tui's default query leaves out
// muted and snoozed issues.
func TestTUIStartsWithoutWhatIsSetAside(t *testing.T) {
	c := newCLI(t)
	help := c.ok("tui", "--help")
	assert.Contains(t, help, `(default "-is:muted -is:snoozed")`)
}
