package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// pruneResolvedBatch is how many issues one retention transaction deletes:
// small enough that a webhook never waits long behind it.
var pruneResolvedBatch = 100

// ExpiredResolved lists the resolved issues whose namespace's retention
// (kite.Retention.For) ran out at now: resolved before now minus it. It
// reads the namespaces' resolved ranges of by_ns and each of their
// records, in one read transaction.
func (s *Store) ExpiredResolved(ctx context.Context, r kite.Retention, now time.Time) (map[string][]string, error) {
	if r.Off() {
		return nil, nil
	}
	namespaces, err := s.Namespaces(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	err = s.view(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketIssues)
		for _, nc := range namespaces {
			keep := r.For(nc.Namespace)
			if keep <= 0 {
				continue
			}
			cutoff := now.Add(-keep)
			var err error
			walkNewest(tx, []string{nc.Namespace}, matchingTuples(kite.IssueFilter{State: kite.StateResolved}), nil, func(k []byte, _ tuple) bool {
				if err = ctx.Err(); err != nil {
					return false
				}
				id := k[len(k)-idLen:]
				var is *kite.Issue
				if is, err = decodeRecord(id, records.Get(id)); err != nil {
					err = fmt.Errorf("issue %s: %w", formatID(id), err)
					return false
				}
				if is.ResolvedAt != nil && is.ResolvedAt.Before(cutoff) {
					out[nc.Namespace] = append(out[nc.Namespace], is.ID)
				}
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// PruneResolved deletes the issues ExpiredResolved lists, with their
// timelines, comments and relations (the index follows from the change
// log), a small transaction at a time. Each issue is checked again as it
// is deleted: one reopened since stays. It returns how many went, by
// namespace.
func (s *Store) PruneResolved(ctx context.Context, r kite.Retention, now time.Time) (map[string]int, error) {
	expired, err := s.ExpiredResolved(ctx, r, now)
	if err != nil {
		return nil, err
	}
	gone := map[string]int{}
	for ns, ids := range expired {
		cutoff := now.Add(-r.For(ns))
		for len(ids) > 0 {
			batch := ids[:min(pruneResolvedBatch, len(ids))]
			ids = ids[len(batch):]
			n := 0
			err := s.update(ctx, func(t *txn) error {
				n = 0
				for _, id := range batch {
					key, err := parseID(id)
					if err != nil {
						return err
					}
					is, err := loadIssue(t.tx, key)
					if err != nil {
						return err
					}
					if is == nil || is.State != kite.StateResolved || is.ResolvedAt == nil || !is.ResolvedAt.Before(cutoff) {
						continue // deleted, reopened or resolved again since
					}
					if err := t.deleteIssue(key, is); err != nil {
						return err
					}
					n++
				}
				return nil
			})
			if err != nil {
				return gone, err
			}
			gone[ns] += n
		}
	}
	return gone, nil
}
