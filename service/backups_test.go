package service_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/store"
)

// TestScheduledBackups: each scheduled backup lands whole in the backup
// directory under a name that sorts by time, the newest BackupKeep stay
// (files that are not Kite's are left alone), each restores, and the
// metrics say when and how large the last one was.
func TestScheduledBackups(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	clock := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	s := servicetest.OpenWith(t, service.Options{Registerer: reg, BackupDir: dir, BackupEvery: time.Hour, BackupKeep: 2,
		Now: func() time.Time { return clock }})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not Kite's"), 0o600))
	var paths []string
	for i := range 3 {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("p%d", i), "OOMKilled"))
		require.NoError(t, err)
		p, err := s.BackupNow(ctx)
		require.NoError(t, err)
		paths = append(paths, p)
		clock = clock.Add(time.Hour)
	}
	assert.Equal(t, "kite-20261130T060000Z.backup", filepath.Base(paths[0]))
	assert.NoFileExists(t, paths[0], "beyond the two newest")
	assert.FileExists(t, paths[1])
	assert.FileExists(t, paths[2])
	assert.FileExists(t, filepath.Join(dir, "notes.txt"))

	b, err := os.ReadFile(paths[2])
	require.NoError(t, err)
	restored := t.TempDir()
	info, err := store.Restore(bytes.NewReader(b), restored, false)
	require.NoError(t, err)
	st, err := store.Open(store.Options{Dir: restored})
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	n, err := st.Count()
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	assert.InDelta(t, float64(info.Size), metricValue(t, reg, "kite_backup_last_size_bytes"), 0)
	assert.InDelta(t, float64(clock.Add(-time.Hour).Unix()), metricValue(t, reg, "kite_backup_last_success_timestamp_seconds"), 0)
	assert.Zero(t, metricValue(t, reg, "kite_backup_failures_total"))
}

// metricValue reads the value of a registered gauge or counter without
// labels; it fails the test when the registry has no such series.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		if g := m.GetGauge(); g != nil {
			return g.GetValue()
		}
		return m.GetCounter().GetValue()
	}
	t.Fatalf("no %s on the registry", name)
	return 0
}
