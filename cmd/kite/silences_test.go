package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func TestSilencesCommands(t *testing.T) {
	c := newCLI(t)
	c.env["USER"] = "carol"
	flaky := c.create("team-a", "e2e timed out", "component/e2e")
	c.create("team-a", "Unit tests fail", "component/backend")

	_, out, errs := c.run("silences", "preview", "-n", "team-a", "title:timed")
	assert.Contains(t, out, flaky.ID)
	assert.Contains(t, errs, "1 issue(s) would be muted")

	var created []kite.Silence
	require.NoError(t, json.Unmarshal([]byte(c.ok("silences", "create", "-n", "team-a", "title:timed", "--for", "2h", "-c", "flaky e2e cluster", "-o", "json")), &created))
	require.Len(t, created, 1)
	sl := created[0]
	assert.Equal(t, kite.SilenceActive, sl.State)
	assert.Equal(t, "carol", sl.CreatedBy)
	assert.Equal(t, flaky.ID+"\n", c.ok("issues", "search", "-n", "team-a", "is:muted", "-o", "name"))

	table := c.ok("silences", "list", "-n", "team-a")
	assert.Contains(t, table, sl.ID)
	assert.Contains(t, table, "active")
	assert.Contains(t, table, "flaky e2e cluster")

	c.ok("silences", "update", sl.ID, "title:never-matches")
	assert.Empty(t, strings.TrimSpace(c.ok("issues", "search", "-n", "team-a", "is:muted", "-o", "name")))
	assert.Contains(t, c.ok("silences", "expire", sl.ID), "expired")
	assert.Empty(t, strings.TrimSpace(c.ok("silences", "list", "-n", "team-a", "--state", "active", "-o", "name")))

	for _, args := range [][]string{
		{"silences", "create", "-n", "team-a", "x", "-c", "why"},                                                 // no end
		{"silences", "create", "-n", "team-a", "x", "--for", "1h", "--until", "2030-01-01T00:00:00Z", "-c", "w"}, // both
		{"silences", "create", "-n", "team-a", "x", "--for", "soon", "-c", "why"},
	} {
		code, _, errs := c.run(args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, errs)
	}
	code, _, errs := c.run("silences", "create", "-n", "team-a", "x", "--for", "1h")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errs, "comment is required")
}
