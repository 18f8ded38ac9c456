package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// encodeLedgerV1 writes schema 1's ledger, as Kite before schema 2 did.
func encodeLedgerV1(lastSuccess time.Time, runs ...ledgerRunV1) []byte {
	b := []byte{1}
	b = binary.AppendVarint(b, nanos(lastSuccess))
	b = binary.AppendUvarint(b, uint64(len(runs)))
	for _, r := range runs {
		b = binary.AppendVarint(b, nanos(r.at))
		b = binary.AppendUvarint(b, uint64(len(r.id)))
		b = append(b, r.id...)
	}
	return b
}

// TestMigrateSchema1Runs opens a file as schema 1 left it (run ids in a
// bounded per-scope ledger) and expects the ids and the newest success to
// carry over.
func TestMigrateSchema1Runs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	fail := func(id string, at time.Time) kite.Report {
		return kite.Report{Namespace: "team-a", Title: "t", Description: "d", Severity: kite.SeverityMajor,
			IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: "p"},
			Run: &kite.Run{ID: id, CompletedAt: at}}
	}
	s, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	_, err = s.Report(ctx, fail("r1", base))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		require.NoError(t, tx.DeleteBucket(bucketRunIDs))
		key := scopePrefix("team-a", "pipelinerun", "p")
		require.NoError(t, tx.Bucket(bucketRuns).Put(key, encodeLedgerV1(base.Add(time.Hour),
			ledgerRunV1{"r1", base}, ledgerRunV1{"ok", base.Add(time.Hour)})))
		require.NoError(t, tx.Bucket(bucketRuns).Put(scopePrefix("team-a", "pipelinerun", "never-ok"),
			encodeLedgerV1(time.Time{}, ledgerRunV1{"x", base})))
		return tx.Bucket(bucketMeta).Put(keySchema, u64(1))
	}))
	require.NoError(t, db.Close())

	s, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	res, err := s.Report(ctx, fail("r1", base))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeDuplicate, res.Outcome, "a run id from the old ledger is remembered")
	res, err = s.Report(ctx, fail("r0", base.Add(30*time.Minute)))
	require.NoError(t, err)
	assert.Equal(t, kite.OutcomeStale, res.Outcome, "the newest success carried over")
	require.NoError(t, s.Check())
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		assert.Equal(t, uint64(schemaVersion), be64(tx.Bucket(bucketMeta).Get(keySchema)))
		assert.Nil(t, tx.Bucket(bucketRuns).Get(scopePrefix("team-a", "pipelinerun", "never-ok")), "no success, no ledger")
		return nil
	}))
}

func TestPruneRunsInBatches(t *testing.T) {
	defer func(n int) { pruneRunsBatch = n }(pruneRunsBatch)
	pruneRunsBatch = 7
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s, err := Open(Options{Dir: t.TempDir(), Now: func() time.Time { return now }})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	const runs = 100
	for i := range runs {
		_, err := s.Report(ctx, kite.Report{Namespace: "team-a", Title: "t", Description: "d", Severity: kite.SeverityMajor,
			IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: "p"},
			Run: &kite.Run{ID: fmt.Sprintf("run-%03d", i)}})
		require.NoError(t, err)
	}
	now = now.Add(time.Hour)
	removed, err := s.PruneRuns(ctx, now)
	require.NoError(t, err)
	assert.Equal(t, runs, removed, "every batch visited")
	require.NoError(t, s.Check())
}

// TestMigrateSchema3BySeen opens a file as schema 3 left it (no by_seen)
// and expects the index filled from the records, and Check clean.
func TestMigrateSchema3BySeen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	for i := range 3 {
		_, err = s.Report(ctx, kite.Report{Namespace: "team-a", Title: "t", Description: "d", Severity: kite.SeverityMajor,
			IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: fmt.Sprint("p", i)}})
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())

	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		require.NoError(t, tx.DeleteBucket(bucketBySeen))
		return tx.Bucket(bucketMeta).Put(keySchema, u64(3))
	}))
	require.NoError(t, db.Close())

	s, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	require.NoError(t, s.Check())
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		assert.Equal(t, 3, tx.Bucket(bucketBySeen).Stats().KeyN)
		return nil
	}))
}
