package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/store"
)

// filledDir is a data directory with n issues in store and index.
func filledDir(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	svc, err := service.Open(service.Options{Dir: dir})
	require.NoError(t, err)
	servicetest.WaitReady(t, svc)
	for i := range n {
		_, err := svc.Report(context.Background(), kite.Report{
			Namespace: "team-a", Title: fmt.Sprintf("Build %d failed", i), Description: "OOMKilled", Severity: "major", IssueType: "build",
			Scope: kite.Scope{ResourceType: "component", ResourceName: fmt.Sprintf("c%d", i)},
		})
		require.NoError(t, err)
	}
	servicetest.WaitIndexed(t, svc)
	require.NoError(t, svc.Close())
	return dir
}

// TestCheck: kite check says ok of a sound data directory, and names the
// file, the problem and the way out of a damaged store, an index of
// another store and a store older than its index, with exit code 1.
func TestCheck(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	checkDir := func(dir string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run([]string{"check", "--data-dir", dir}, nil, &out, &errb, noEnv)
		return code, out.String(), errb.String()
	}
	dir := filledDir(t, 30)
	code, out, errb := checkDir(dir)
	require.Equal(t, exitOK, code, errb)
	assert.Contains(t, out, "ok, 30 issues at revision 30")
	assert.Contains(t, out, "index  "+filepath.Join(dir, "index.bleve")+": ok, 30 issues")

	good, err := os.ReadFile(filepath.Join(dir, store.FileName))
	require.NoError(t, err)

	// A page of the store overwritten.
	damaged := t.TempDir()
	bad := append([]byte(nil), good...)
	page := os.Getpagesize()
	for pg := 2; (pg+1)*page <= len(bad); pg++ {
		copy(bad[pg*page:], bytes.Repeat([]byte{0xff}, 16))
	}
	require.NoError(t, os.WriteFile(filepath.Join(damaged, store.FileName), bad, 0o600))
	code, _, errb = checkDir(damaged)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb, filepath.Join(damaged, store.FileName)+" cannot be used: its pages are damaged")
	assert.Contains(t, errb, "restore it from a backup")

	// Another store's file beside the index.
	other := filledDir(t, 2)
	b, err := os.ReadFile(filepath.Join(other, store.FileName))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, store.FileName), b, 0o600))
	code, _, errb = checkDir(dir)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb, "was built from another store file")
	assert.Contains(t, errb, "kite reindex --data-dir "+dir)

	// An older copy of the store beside its newer index.
	older := filledDir(t, 3)
	b, err = os.ReadFile(filepath.Join(older, store.FileName))
	require.NoError(t, err)
	svc, err := service.Open(service.Options{Dir: older})
	require.NoError(t, err)
	servicetest.WaitReady(t, svc)
	_, err = svc.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "later", Description: "OOMKilled", Severity: "major", IssueType: "build",
		Scope: kite.Scope{ResourceType: "component", ResourceName: "later"}})
	require.NoError(t, err)
	servicetest.WaitIndexed(t, svc)
	require.NoError(t, svc.Close())
	require.NoError(t, os.WriteFile(filepath.Join(older, store.FileName), b, 0o600))
	code, _, errb = checkDir(older)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb, "has seen revision 4, the store only 3")

	// No store at all.
	code, _, errb = checkDir(t.TempDir())
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb, "no store to check")
}

// TestCompactCmd compacts a filled data directory, after which it checks
// clean with its index; a damaged file is refused with exit code 1.
func TestCompactCmd(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	dir := filledDir(t, 30)
	var out, errb bytes.Buffer
	code := run([]string{"compact", "--data-dir", dir}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "compacted "+dir+":")
	out.Reset()
	code = run([]string{"check", "--data-dir", dir}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "ok, 30 issues")

	damaged := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(damaged, store.FileName), bytes.Repeat([]byte{0xff}, 64<<10), 0o600))
	errb.Reset()
	code = run([]string{"compact", "--data-dir", damaged}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb.String(), "cannot be used")
}
