package service

import (
	"context"
	"time"
)

// runPruneEvery is how often the ids of old runs are forgotten. Pruning
// visits the whole set in small transactions, so once an hour is cheap
// and keeps the set within an hour of RunRetention.
const runPruneEvery = time.Hour

// runRunPruner forgets the run ids older than the retention, at start and
// then every runPruneEvery, until ctx ends.
func (s *Service) runRunPruner(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(runPruneEvery)
	defer t.Stop()
	for {
		n, err := s.Store.PruneRuns(ctx, s.now().Add(-s.runTTL))
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("forgetting old run ids failed; retrying later", "err", err)
		case n > 0:
			s.log.Info("forgot old run ids", "removed", n, "retention", s.runTTL)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
