package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// TestRetentionCmd: --dry-run says what would go and deletes nothing; the
// real run deletes it; no retention at all is a usage error.
func TestRetentionCmd(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	long := time.Now().UTC().AddDate(0, 0, -200)
	for i := range 3 {
		name := fmt.Sprintf("c%d", i)
		_, err := s.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "t", Description: "d", Severity: "major",
			IssueType: "build", Scope: kite.Scope{ResourceType: "component", ResourceName: name}, At: long})
		require.NoError(t, err)
		if i < 2 {
			_, err = s.ResolveScope(context.Background(), kite.Resolution{Namespace: "team-a", ResourceType: "component", ResourceName: name, At: long.Add(time.Hour)})
			require.NoError(t, err)
		}
	}
	require.NoError(t, s.Close())

	var out, errb bytes.Buffer
	code := run([]string{"retention", "--data-dir", dir, "--retain-resolved", "90d", "--dry-run"}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "team-a\twould remove 2 resolved issue(s), kept 2160h0m0s")
	out.Reset()
	code = run([]string{"retention", "--data-dir", dir, "--retain-resolved", "90d"}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "removed 2 resolved issue(s) in all")
	out.Reset()
	code = run([]string{"retention", "--data-dir", dir, "--retain-resolved", "90d", "--dry-run"}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "would remove 0 resolved issue(s) in all")

	assert.Equal(t, exitUsage, run([]string{"retention", "--data-dir", dir}, nil, &out, &errb, noEnv))
	assert.Equal(t, exitUsage, run([]string{"retention", "--data-dir", dir, "--retain-resolved", "soon"}, nil, &out, &errb, noEnv))
}
