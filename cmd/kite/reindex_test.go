package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

func TestReindexRebuildsFromRecords(t *testing.T) {
	dir := t.TempDir()
	svc, err := service.Open(service.Options{Dir: dir})
	require.NoError(t, err)
	for i := range 40 {
		_, err := svc.Report(context.Background(), kite.Report{
			Namespace: "team-a", Title: fmt.Sprintf("Build %d failed", i), Description: "OOMKilled",
			Severity: "major", IssueType: "build", Scope: kite.Scope{ResourceType: "component", ResourceName: fmt.Sprintf("c%d", i)},
		})
		require.NoError(t, err)
	}
	noEnv := func(string) (string, bool) { return "", false }

	var out, errb bytes.Buffer
	code := run([]string{"reindex", "--data-dir", dir}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitError, code, "refused while the data directory is in use")
	assert.Contains(t, errb.String(), "in use by another Kite process")
	require.NoError(t, svc.Close())

	// Damage the index: reindex must not care.
	require.NoError(t, os.WriteFile(filepath.Join(dir, index.DirName, "index_meta.json"), []byte("x"), 0o600))
	errb.Reset()
	code = run([]string{"reindex", "--data-dir", dir}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, errb.String(), "indexed 40 issues")
	assert.Contains(t, errb.String(), "peak memory")

	again := servicetest.OpenWith(t, service.Options{Dir: dir})
	res, err := again.Search(context.Background(), kite.SearchRequest{Query: "oomkilled", Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	assert.Equal(t, 40, res.Total)

	code = run([]string{"reindex", "--data-dir", filepath.Join(dir, "nope")}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitError, code)
}

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	line := progressLine(service.Progress{Done: 2500, Total: 10000, Started: start}, start.Add(10*time.Second))
	assert.Contains(t, line, " 25% 2500/10000 issues  250/s  ETA 30s")
	assert.Contains(t, line, "[=======       ")
	assert.Contains(t, progressLine(service.Progress{Total: 10, Started: start}, start), "ETA ?")
}

// fakeRebuild is an index rebuild that ends when the test closes ready.
type fakeRebuild struct {
	ready    chan struct{}
	progress service.Progress
}

func (f *fakeRebuild) ReadyC() <-chan struct{} { return f.ready }

func (f *fakeRebuild) RebuildProgress() *service.Progress {
	p := f.progress
	return &p
}

// The wait ends when the index is ready, not at the next progress line:
// with output to a log (a line every few seconds) it used to take until
// then.
func TestAwaitReadyNeedsNoProgressTick(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	svc := &fakeRebuild{ready: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		// A nil channel never ticks.
		done <- awaitReady(ctx, svc, nil, func(service.Progress) { t.Error("progress shown without a tick") })
	}()
	close(svc.ready)
	require.NoError(t, <-done)
}

func TestAwaitReadyShowsProgressAtEachTick(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	svc := &fakeRebuild{ready: make(chan struct{}), progress: service.Progress{Done: 5, Total: 10}}
	draw := make(chan time.Time)
	shown := make(chan service.Progress)
	done := make(chan error, 1)
	go func() {
		done <- awaitReady(ctx, svc, draw, func(p service.Progress) { shown <- p })
	}()
	for range 2 {
		draw <- time.Now()
		assert.Equal(t, service.Progress{Done: 5, Total: 10}, <-shown)
	}
	close(svc.ready)
	require.NoError(t, <-done)
}
