package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/store"
)

// TestExportImportRoundTrip: what kite export writes, kite import brings
// into an empty data directory as it was (ids, states, times, counts,
// timelines, comments, relations), the store checks clean and a server
// on it finds the issues; a second import changes nothing, a dry run
// writes nothing, and a malformed line names itself, with the lines before
// it imported.
func TestExportImportRoundTrip(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	src, a, b := triagedDir(t, 20)

	file := filepath.Join(t.TempDir(), "issues.jsonl")
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, run([]string{"export", "--data-dir", src, "-o", file}, nil, &out, &errb, noEnv), errb.String())

	dst := t.TempDir()
	out.Reset()
	require.Equal(t, exitOK, run([]string{"import", file, "--data-dir", dst, "--dry-run"}, nil, &out, &errb, noEnv), errb.String())
	assert.Contains(t, out.String(), "would import 20 issue(s)")
	entries, _ := os.ReadDir(dst)
	for _, e := range entries {
		assert.NotEqual(t, "index.bleve", e.Name())
	}

	out.Reset()
	require.Equal(t, exitOK, run([]string{"import", file, "--data-dir", dst}, nil, &out, &errb, noEnv), errb.String())
	assert.Contains(t, out.String(), "imported 20 issue(s); 0 already present; 0 skipped: their scope is held by another issue; 1 relation(s) joined")
	out.Reset()
	require.Equal(t, exitOK, run([]string{"import", file, "--data-dir", dst}, nil, &out, &errb, noEnv), errb.String())
	assert.Contains(t, out.String(), "imported 0 issue(s); 20 already present")

	orig, err := store.Open(store.Options{Dir: src})
	require.NoError(t, err)
	defer func() { require.NoError(t, orig.Close()) }()
	svc, err := service.Open(service.Options{Dir: dst})
	require.NoError(t, err)
	defer func() { require.NoError(t, svc.Close()) }()
	servicetest.WaitReady(t, svc)
	require.NoError(t, svc.Check())
	for _, id := range []string{a.ID, b.ID} {
		want, err := orig.GetIssue(context.Background(), id)
		require.NoError(t, err)
		got, err := svc.GetIssue(context.Background(), id)
		require.NoError(t, err)
		for _, pair := range [][2]any{{want.State, got.State}, {want.DetectedAt, got.DetectedAt}, {want.LastSeen, got.LastSeen},
			{want.ResolvedAt, got.ResolvedAt}, {want.Occurrences, got.Occurrences}, {want.Fingerprint, got.Fingerprint}, {want.Comments, got.Comments}} {
			assert.Equal(t, pair[0], pair[1], id)
		}
		wt, err := orig.Timeline(context.Background(), id)
		require.NoError(t, err)
		gt, err := svc.Timeline(context.Background(), id)
		require.NoError(t, err)
		// Its timeline as it was (times kept), then the import's entry
		// (and, for a relation joined again, that entry).
		require.Greater(t, len(gt), len(wt))
		for i := range wt {
			assert.Equal(t, wt[i].Kind, gt[i].Kind, id)
			assert.True(t, wt[i].Time.Equal(gt[i].Time), id)
		}
		assert.Equal(t, "imported (kite import)", gt[len(wt)].Message)
	}
	got, err := svc.GetIssue(context.Background(), a.ID)
	require.NoError(t, err)
	require.Len(t, got.RelatedFrom, 1)
	servicetest.WaitIndexed(t, svc)
	res, err := svc.Search(context.Background(), kite.SearchRequest{Query: "oomkilled", Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	assert.Equal(t, 20, res.Total)

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	b1, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.SplitN(string(b1), "\n", 3)
	require.NoError(t, os.WriteFile(bad, []byte(lines[0]+"\n{not json\n"), 0o600))
	errb.Reset()
	partial := t.TempDir()
	assert.Equal(t, exitError, run([]string{"import", bad, "--data-dir", partial}, nil, &out, &errb, noEnv))
	assert.Contains(t, errb.String(), "line 2: not an exported issue")
	st, err := store.Open(store.Options{Dir: partial})
	require.NoError(t, err)
	n, err := st.Count()
	require.NoError(t, err)
	require.NoError(t, st.Close())
	assert.Equal(t, 1, n, "the lines before a malformed one are imported")
}
