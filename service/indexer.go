package service

import (
	"context"
	"errors"
	"time"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
	"github.com/konflux-ci/kite/store"
)

// batchEntries bounds the change log entries applied in one index batch.
// A batch's analysed documents stay in memory until Bleve has built its
// segment (about 30 KB an issue): during a burst of webhooks, batches of
// 5,000 took the server's anonymous memory to 300-500 MB, batches of 500
// to 70-110 MB (with GOGC 100 or 200), at the same CPU per webhook;
// batches of 250 cost 12% more CPU (docs/benchmarks.md, "Memory while
// indexing").
const batchEntries = 500

// Bleve's cost per issue falls by half from batches of 50 to batches of
// 2,000 (BenchmarkApply), and every batch adds a segment to merge later.
// So once a sync has applied burstEntries or more (writes are arriving in
// a burst), the next waits until burstInterval after it, gathering a
// larger batch; at a quieter pace every write is indexed at once. A search
// waits for the index (indexWait), so during a burst it answers within
// about a second of the writes before it.
const (
	burstEntries  = 10
	burstInterval = time.Second
)

// runIndexer keeps the index up to date until ctx ends: a rebuild first
// when needed, then a catch-up after every commit (and every few seconds,
// in case a wake-up was coalesced away).
func (s *Service) runIndexer(ctx context.Context, rebuild bool) {
	defer s.wg.Done()
	backoff := time.Second
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	var lastSync time.Time
	applied := 0
	for {
		if wait := burstInterval - time.Since(lastSync); applied >= burstEntries && wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
		}
		lastSync = time.Now()
		rebuild = s.recoverIndex(rebuild)
		if !rebuild && s.idx.Missing() {
			// Deleted while serving: searches are refused (the v1 list
			// falls back to the store) until it is rebuilt, as at start.
			s.log.Error("the search index's files are gone; rebuilding it from the store")
			s.ready.Store(false)
			s.metrics.ready.Set(0)
			rebuild = true
		}
		var err error
		applied, err = s.sync(ctx, rebuild)
		switch {
		case err == nil:
			rebuild = false
			backoff = time.Second
			s.indexFailing.Store(false)
			if !s.ready.Swap(true) {
				s.readyOnce.Do(func() { close(s.readyC) })
				s.log.Info("search index is up to date")
			}
			s.metrics.ready.Set(1)
		case ctx.Err() != nil:
			return
		default:
			s.metrics.errors.Inc()
			s.indexFailing.Store(true)
			s.log.Error("updating the search index", "err", err, "retry_in", backoff)
			rebuild = rebuild || errors.Is(err, store.ErrChangesPruned)
			// Reopened at once, the index answers searches (with what it
			// held before the failed batch) while the retry waits.
			rebuild = s.recoverIndex(rebuild)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			backoff = min(2*backoff, time.Minute)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// recoverIndex reopens the index from its files after a fault (fault.go
// in the index package), and says whether it must be rebuilt instead.
func (s *Service) recoverIndex(rebuild bool) bool {
	if rebuild || !s.idx.Faulted() {
		return rebuild
	}
	if err := s.idx.Recover(); err != nil {
		s.log.Error("the search index cannot be reopened after a fault; rebuilding it from the store", "err", err)
		s.ready.Store(false)
		s.metrics.ready.Set(0)
		return true
	}
	s.log.Warn("search index reopened after a fault; catching up from the change log")
	return false
}

// sync rebuilds the index if asked, then applies the change log from the
// index's revision to the end. It returns how many log entries it applied.
func (s *Service) sync(ctx context.Context, rebuild bool) (int, error) {
	if rebuild {
		if err := s.rebuild(ctx); err != nil {
			return 0, err
		}
	}
	applied, err := s.idx.Rev()
	if err != nil {
		return 0, err
	}
	from := applied
	s.applied.set(applied)
	for {
		changes, last, err := s.Store.Changes(ctx, applied, batchEntries)
		if err != nil {
			return int(applied - from), err
		}
		if last == applied {
			break
		}
		batch := make([]index.Change, len(changes))
		for i, c := range changes {
			batch[i] = index.Change{ID: c.ID, Issue: c.Issue}
		}
		if err := s.idx.Apply(batch, last); err != nil {
			return int(applied - from), err
		}
		fullPage := last-applied >= batchEntries
		applied = last
		s.applied.set(applied)
		if !fullPage {
			// What arrived meanwhile waits for the next sync, which the
			// burst pacing may delay to gather a larger batch.
			break
		}
	}
	s.metrics.lag.Set(float64(s.storeRev.Load() - min(applied, s.storeRev.Load())))
	return int(applied - from), s.prune(ctx, applied)
}

// prune trims the change log to RetainChanges entries behind the index, in
// steps, so the log neither grows without bound nor is trimmed per commit.
func (s *Service) prune(ctx context.Context, applied uint64) error {
	step := s.retain/10 + 1
	if applied <= s.retain+step {
		return nil
	}
	upTo := applied - s.retain
	return s.Store.PruneChanges(ctx, upTo-upTo%step)
}

// rebuild fills a new index from the records, starting at the store's
// current revision; the change log from that revision then covers whatever
// the scan saw in an older or newer state.
func (s *Service) rebuild(ctx context.Context) error {
	total, err := s.Store.Count()
	if err != nil {
		return err
	}
	rev, err := s.Store.Rev()
	if err != nil {
		return err
	}
	p := &Progress{Total: total, Started: time.Now()}
	s.progress.Store(p)
	defer s.progress.Store(nil)
	s.log.Info("rebuilding the search index", "issues", total, "from_rev", rev)
	done := 0
	err = s.idx.Rebuild(rev, func(add func(*kite.Issue) error) error {
		return s.Store.ScanIssues(ctx, 1000, func(page []*kite.Issue) error {
			for _, is := range page {
				if err := add(is); err != nil {
					return err
				}
			}
			done += len(page)
			s.progress.Store(&Progress{Done: done, Total: max(total, done), Started: p.Started})
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.log.Info("search index rebuilt", "issues", done, "took", time.Since(p.Started).Round(time.Millisecond))
	return nil
}
