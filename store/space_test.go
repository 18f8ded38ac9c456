package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

// TestFullVolume fills a real (tmpfs) volume: writes then fail with a
// Storage full error saying what to do, the store reports it, every
// acknowledged write stays readable and consistent, and once the volume
// has room again writes resume by themselves, across a restart too.
func TestFullVolume(t *testing.T) {
	dir := storetest.Tmpfs(t, 2<<20)
	reg := prometheus.NewRegistry()
	s, err := store.Open(store.Options{Dir: dir, Registerer: reg})
	require.NoError(t, err)

	// Eight writers at once, so that commits carry several writes.
	big := strings.Repeat("A line of build log that explains the failure. ", 80)
	var mu sync.Mutex
	var acked []string
	var refused []error
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; i < 5000; i++ {
				r := failure("team-a", fmt.Sprintf("p%d-%d", w, i))
				r.Description = big
				res, err := s.Report(ctx, r)
				mu.Lock()
				if err != nil {
					refused = append(refused, err)
					mu.Unlock()
					return
				}
				acked = append(acked, res.Issue.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, refused, 8, "every writer ended on a refused write")
	require.NotEmpty(t, acked)
	for _, err := range refused {
		assert.Equal(t, kite.ENOSPACE, kite.ErrorCode(err), "%v", err)
		assert.Equal(t, "Storage full", kite.ErrorMessage(err))
		assert.Contains(t, kite.ErrorDetails(err), "the volume holding "+dir+" has no space left")
	}
	fault := s.WriteFault()
	require.Error(t, fault)
	assert.Equal(t, kite.ENOSPACE, kite.ErrorCode(fault))
	assert.Contains(t, kite.ErrorDetails(fault), "writes fail since")
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP kite_store_volume_full 1 while writes fail because the store's volume is full (they answer 507), else 0.
# TYPE kite_store_volume_full gauge
kite_store_volume_full 1
`), "kite_store_volume_full"))

	// Reads go on, and hold every acknowledged write.
	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, len(acked), list.Total)
	got, err := s.GetIssues(ctx, acked)
	require.NoError(t, err)
	assert.Len(t, got, len(acked))
	require.NoError(t, s.Check())

	// Room again: the store says so without waiting for a write, and
	// writes succeed.
	storetest.ResizeTmpfs(t, dir, 64<<20)
	assert.NoError(t, s.WriteFault())
	res, err := s.Report(ctx, failure("team-a", "after"))
	require.NoError(t, err)
	acked = append(acked, res.Issue.ID)
	require.NoError(t, s.Close())

	s, err = store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	got, err = s.GetIssues(ctx, acked)
	require.NoError(t, err)
	assert.Len(t, got, len(acked), "every acknowledged write survived")
	require.NoError(t, s.Check())
}
