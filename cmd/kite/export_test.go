package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// TestExportCmd: every issue a line with its timeline, comments and
// relations; --namespace and --query narrow it; a bad query is a usage
// error.
func TestExportCmd(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	dir, a, b := triagedDir(t, 12)

	lines := func(args ...string) []kite.ExportRecord {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(append([]string{"export", "--data-dir", dir}, args...), nil, &out, &errb, noEnv)
		require.Equal(t, exitOK, code, errb.String())
		var recs []kite.ExportRecord
		sc := bufio.NewScanner(&out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r kite.ExportRecord
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
			recs = append(recs, r)
		}
		return recs
	}
	all := lines()
	require.Len(t, all, 12)
	for _, r := range all {
		assert.NotEmpty(t, r.Timeline, r.Issue.ID)
		if r.Issue.ID == a.ID {
			require.Len(t, r.Comments, 1)
			assert.Equal(t, "looking", r.Comments[0].Text)
			require.Len(t, r.Issue.RelatedFrom, 1, "its relation travels with it")
		}
	}
	resolved := lines("--query", "is:resolved")
	require.Len(t, resolved, 1)
	assert.Equal(t, b.ID, resolved[0].Issue.ID)
	assert.Empty(t, lines("--namespace", "team-b"))

	var out, errb bytes.Buffer
	assert.Equal(t, exitUsage, run([]string{"export", "--data-dir", dir, "--query", "severity:urgent"}, nil, &out, &errb, noEnv))
}

// triagedDir is filledDir with a comment on the newest issue (a), a
// relation from it to the next (b), and b resolved.
func triagedDir(t *testing.T, n int) (dir string, a, b *kite.Issue) {
	t.Helper()
	dir = filledDir(t, n)
	s, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	list, err := s.ListIssues(context.Background(), kite.IssueFilter{Namespace: "team-a", Limit: 2})
	require.NoError(t, err)
	a, b = list.Issues[0], list.Issues[1]
	_, err = s.AddComment(context.Background(), a.ID, "looking", "alice")
	require.NoError(t, err)
	require.NoError(t, s.RelateIssues(context.Background(), a.ID, b.ID))
	_, err = s.ResolveIssue(context.Background(), b.ID, "alice")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	return dir, a, b
}
