package service

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Retention (Options.Retention): resolved issues past their namespace's
// retention are deleted a small transaction at a time, a minute after the
// start and then every retentionEvery.
const (
	retentionFirst = time.Minute
	retentionEvery = time.Hour
)

func newRetentionMetric() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{
		Name: "kite_retention_deleted_total",
		Help: "Resolved issues deleted because their namespace's retention (--retain-resolved) ran out.",
	})
}

func (s *Service) runRetention(ctx context.Context) {
	defer s.wg.Done()
	wait := retentionFirst
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = retentionEvery
		if _, err := s.applyRetention(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("removing expired resolved issues failed; retrying later", "err", err)
		}
	}
}

// applyRetention runs one pass of the retention and returns how many
// issues went, by namespace.
func (s *Service) applyRetention(ctx context.Context) (map[string]int, error) {
	gone, err := s.Store.PruneResolved(ctx, s.retention, s.now())
	total := 0
	for _, n := range gone {
		total += n
	}
	s.retentionDeleted.Add(float64(total))
	if total > 0 {
		s.log.Info("removed resolved issues past their retention", "removed", gone)
	}
	return gone, err
}
