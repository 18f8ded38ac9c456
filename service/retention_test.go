package service_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestRetention: a pass deletes the resolved issues past the retention,
// counts them, and the index forgets them too.
func TestRetention(t *testing.T) {
	reg := prometheus.NewRegistry()
	clock := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	r, err := kite.ParseRetention("30d", nil)
	require.NoError(t, err)
	s := servicetest.OpenWith(t, service.Options{Registerer: reg, Retention: r, Now: func() time.Time { return clock }})
	for _, name := range []string{"a", "b"} {
		_, err := s.Report(ctx, failure("team-a", name, "OOMKilled"))
		require.NoError(t, err)
	}
	_, err = s.ResolveScope(ctx, kite.Resolution{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "a"})
	require.NoError(t, err)
	servicetest.WaitIndexed(t, s)
	require.Len(t, searchIDs(t, s, "oomkilled", "team-a"), 2)

	clock = clock.AddDate(0, 0, 31)
	gone, err := s.ApplyRetention(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"team-a": 1}, gone)
	assert.InDelta(t, 1, metricValue(t, reg, "kite_retention_deleted_total"), 0)
	servicetest.WaitIndexed(t, s)
	assert.Len(t, searchIDs(t, s, "oomkilled", "team-a"), 1, "the index forgot it")
}
