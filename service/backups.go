package service

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// Scheduled backups (Options.BackupDir): every BackupEvery the service
// writes a backup of the store into the directory (a second volume, or a
// mounted bucket), as kite backup would, and keeps the newest BackupKeep.
// A failed backup is logged and counted; the next one is tried on time.

// backupPrefix and backupSuffix name scheduled backups; the time in
// between sorts as the name does.
const (
	backupPrefix = "kite-"
	backupSuffix = ".backup"
	backupStamp  = "20060102T150405Z"
)

type backupMetrics struct {
	lastSuccess prometheus.Gauge
	size        prometheus.Gauge
	duration    prometheus.Gauge
	failures    prometheus.Counter
}

func newBackupMetrics() *backupMetrics {
	return &backupMetrics{
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_backup_last_success_timestamp_seconds", Help: "When the last scheduled backup was written (0: none since start).",
		}),
		size: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_backup_last_size_bytes", Help: "Size of the last scheduled backup.",
		}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_backup_last_duration_seconds", Help: "How long the last scheduled backup took.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_backup_failures_total", Help: "Scheduled backups that failed.",
		}),
	}
}

func (m *backupMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.lastSuccess, m.size, m.duration, m.failures}
}

// runBackups writes a backup every s.backupEvery until ctx ends.
func (s *Service) runBackups(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.backupEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.backupNow(ctx); err != nil && ctx.Err() == nil {
			s.backups.failures.Inc()
			s.log.Error("scheduled backup failed; the next one is tried on time", "dir", s.backupDir, "err", err)
		}
	}
}

// backupNow writes one backup into s.backupDir (beside its name, then
// renamed) and removes the oldest beyond s.backupKeep. It returns the
// backup's path.
func (s *Service) backupNow(ctx context.Context) (string, error) {
	start := time.Now()
	if err := os.MkdirAll(s.backupDir, 0o750); err != nil {
		return "", err
	}
	name := backupPrefix + s.now().UTC().Format(backupStamp) + backupSuffix
	path := filepath.Join(s.backupDir, name)
	var info *kite.BackupInfo
	err := store.WriteFileAtomic(path, func(w io.Writer) (err error) {
		info, err = s.Store.Backup(ctx, w)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	took := time.Since(start)
	s.backups.lastSuccess.Set(float64(s.now().Unix()))
	s.backups.size.Set(float64(info.Size))
	s.backups.duration.Set(took.Seconds())
	s.log.Info("backup written", "path", path, "rev", info.Rev, "bytes", info.Size, "took", took)
	return path, s.pruneBackups()
}

// pruneBackups removes the oldest scheduled backups beyond s.backupKeep
// (and partial ones a crash left); other files in the directory are not
// Kite's and stay.
func (s *Service) pruneBackups() error {
	entries, err := os.ReadDir(s.backupDir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case !strings.HasPrefix(n, backupPrefix):
		case strings.HasSuffix(n, backupSuffix):
			names = append(names, n)
		case strings.HasSuffix(n, backupSuffix+".partial"):
			names = append(names, n) // sorts among them; removed when old
		}
	}
	slices.Sort(names)
	var errs []error
	for len(names) > s.backupKeep {
		if err := os.Remove(filepath.Join(s.backupDir, names[0])); err != nil {
			errs = append(errs, err)
		}
		names = names[1:]
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove old backups: %w", errs[0])
	}
	return nil
}
