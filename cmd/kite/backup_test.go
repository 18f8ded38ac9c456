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

// TestBackupAndRestore: a backup from a serving Kite (over its API) and one
// from a data directory (offline) both restore into a directory whose
// store checks clean and whose rebuilt index finds the issues; restoring
// over a store needs --force, and a damaged backup changes nothing.
func TestBackupAndRestore(t *testing.T) {
	home := t.TempDir()
	noEnv := func(k string) (string, bool) {
		if k == "HOME" {
			return home, true
		}
		return "", false
	}
	st, srv := benchTarget(t)
	for i := range 40 {
		_, err := st.Report(context.Background(), kite.Report{Namespace: "team-a", Title: fmt.Sprintf("Build %d failed", i),
			Description: "ImagePullBackOff", Severity: "major", IssueType: "build",
			Scope: kite.Scope{ResourceType: "component", ResourceName: fmt.Sprintf("c%d", i)}})
		require.NoError(t, err)
	}
	backups := t.TempDir()
	online := filepath.Join(backups, "online.backup")
	var out, errb bytes.Buffer
	code := run([]string{"backup", "--server", srv.URL, "-o", online}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, errb.String(), "backup written to "+online)
	assert.NoFileExists(t, online+".partial")

	offline := filepath.Join(backups, "offline.backup")
	code = run([]string{"backup", "--data-dir", filledDir(t, 25), "-o", offline}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())

	for file, want := range map[string]int{online: 40, offline: 25} {
		dir := t.TempDir()
		errb.Reset()
		code = run([]string{"restore", file, "--data-dir", dir}, nil, &out, &errb, noEnv)
		require.Equal(t, exitOK, code, errb.String())
		assert.Contains(t, errb.String(), "restored "+filepath.Join(dir, store.FileName))
		assert.Contains(t, errb.String(), fmt.Sprintf("indexed %d issues", want))

		svc, err := service.Open(service.Options{Dir: dir})
		require.NoError(t, err)
		servicetest.WaitReady(t, svc)
		require.NoError(t, svc.Check())
		res, err := svc.Search(context.Background(), kite.SearchRequest{Query: "imagepullbackoff", Namespaces: []string{"team-a"}})
		if file == online {
			require.NoError(t, err)
			assert.Equal(t, want, res.Total)
		}
		require.NoError(t, svc.Close())

		errb.Reset()
		code = run([]string{"restore", file, "--data-dir", dir}, nil, &out, &errb, noEnv)
		assert.Equal(t, exitError, code)
		assert.Contains(t, errb.String(), "--force")
		code = run([]string{"restore", file, "--data-dir", dir, "--force"}, nil, &out, &errb, noEnv)
		assert.Equal(t, exitOK, code, errb.String())
	}

	damaged := filepath.Join(backups, "damaged.backup")
	b, err := os.ReadFile(online)
	require.NoError(t, err)
	b[len(b)/2] ^= 0xff
	require.NoError(t, os.WriteFile(damaged, b, 0o600))
	dir := t.TempDir()
	errb.Reset()
	code = run([]string{"restore", damaged, "--data-dir", dir}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb.String(), "checksum does not match")
	assert.NoFileExists(t, filepath.Join(dir, store.FileName))
}
