package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// TestCompact: after most issues are deleted the file keeps its size;
// Compact gives the freed pages back, and the store it leaves holds every
// remaining issue with its identity and revision (so the index stays
// valid). A store in use is not compacted.
func TestCompact(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	s, err := store.Open(store.Options{Dir: dir, Registerer: reg})
	require.NoError(t, err)
	var ids []string
	for i := range 600 {
		res, err := s.Report(ctx, failure("team-a", fmt.Sprintf("pipeline-%03d", i)))
		require.NoError(t, err)
		ids = append(ids, res.Issue.ID)
	}
	for _, id := range ids[:500] {
		require.NoError(t, s.DeleteIssue(ctx, id))
	}
	assert.Greater(t, freeRatio(t, reg), 0.3, "the deletions freed pages the file keeps")
	storeID, err := s.ID()
	require.NoError(t, err)
	rev, err := s.Rev()
	require.NoError(t, err)

	_, err = store.Compact(dir, 50*time.Millisecond)
	require.Error(t, err, "the store is open")
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	require.NoError(t, s.Close())

	c, err := store.Compact(dir, time.Second)
	require.NoError(t, err)
	assert.Less(t, c.After, c.Before/2, "%d -> %d bytes", c.Before, c.After)

	reg = prometheus.NewRegistry()
	s, err = store.Open(store.Options{Dir: dir, Registerer: reg})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	assert.Less(t, freeRatio(t, reg), 0.1)
	require.NoError(t, s.Check())
	n, err := s.Count()
	require.NoError(t, err)
	assert.Equal(t, 100, n)
	got, err := s.GetIssue(ctx, ids[550])
	require.NoError(t, err)
	assert.Equal(t, "Pipeline run failed: pipeline-550", got.Title)
	id2, err := s.ID()
	require.NoError(t, err)
	rev2, err := s.Rev()
	require.NoError(t, err)
	assert.Equal(t, storeID, id2)
	assert.Equal(t, rev, rev2)
	_, err = s.Report(ctx, failure("team-a", "after-compaction"))
	require.NoError(t, err, "a compacted store takes writes")
}

func freeRatio(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == "kite_store_free_pages_ratio" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no kite_store_free_pages_ratio")
	return 0
}
