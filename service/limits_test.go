package service_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// stopped checks kite_searches_stopped_total by reason (absent: 0).
func stopped(t *testing.T, reg *prometheus.Registry, want map[string]int) {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]int{}
	for _, mf := range mfs {
		if mf.GetName() == "kite_searches_stopped_total" {
			for _, m := range mf.GetMetric() {
				got[m.GetLabel()[0].GetValue()] = int(m.GetCounter().GetValue())
			}
		}
	}
	for _, r := range []string{"cancelled", "timeout", "too_broad"} {
		assert.Equal(t, want[r], got[r], r)
	}
}

// TestSearchCostLimits: a search whose words expand past its budget is a
// 400 naming the query, except in the v1 list, which answers it from the
// store's scan as the original did; a search past its time limit is a 503
// saying so; a search whose caller left ends with the caller's error.
func TestSearchCostLimits(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := servicetest.OpenWith(t, service.Options{Registerer: reg})
	for i := range 5 {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("nightly-build-%d", i), "OOMKilled"))
		require.NoError(t, err)
	}
	servicetest.WaitIndexed(t, s)
	s.LimitSearches(time.Minute, 3)

	_, err := s.Search(ctx, kite.SearchRequest{Query: "nightly-build", Namespaces: []string{"team-a"}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, index.ErrTooBroad))
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Contains(t, err.Error(), `with "nightly-build", the query's word starts and parts match more than 3 index terms`)

	list, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "ightly-buil"})
	require.NoError(t, err, "the v1 list answers from the store")
	assert.Equal(t, 5, list.Total)
	assert.Len(t, list.Issues, 5)
	stopped(t, reg, map[string]int{"too_broad": 2})

	s.LimitSearches(time.Nanosecond, 0)
	_, err = s.Search(ctx, kite.SearchRequest{Query: "oomkilled", Namespaces: []string{"team-a"}})
	require.Error(t, err)
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	assert.Equal(t, "Search stopped", kite.ErrorMessage(err))
	_, err = s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "oomkilled"})
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	var ke *kite.Error
	require.ErrorAs(t, err, &ke)
	assert.Equal(t, "search", ke.Field, "named as the v1 list names it")
	stopped(t, reg, map[string]int{"too_broad": 2, "timeout": 2})

	s.LimitSearches(time.Minute, 0)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Search(gone, kite.SearchRequest{Query: "oomkilled", Namespaces: []string{"team-a"}})
	assert.ErrorIs(t, err, context.Canceled)
	stopped(t, reg, map[string]int{"too_broad": 2, "timeout": 2, "cancelled": 1})

	// And within the limits the same searches answer.
	assert.Len(t, searchIDs(t, s, "nightly-build", "team-a"), 5)
}
