package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

// TestWalkOrders: a walk visits the admitted issues of its namespaces in its
// order (newest detection, or most recently seen, first; the larger id
// first among equal times), and pages of any size continue each other.
func TestWalkOrders(t *testing.T) {
	s := storetest.Open(t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var all []*kite.Issue
	for i := range 30 {
		r := failure(fmt.Sprintf("team-%c", 'a'+i%3), fmt.Sprintf("p%d", i))
		r.Severity = kite.Severities[i%4]
		r.At = base.Add(time.Duration(i%10) * time.Minute) // ties across namespaces
		_, err := s.Report(ctx, r)
		require.NoError(t, err)
	}
	for i := 0; i < 30; i += 4 { // seen again later, out of detection order
		r := failure(fmt.Sprintf("team-%c", 'a'+i%3), fmt.Sprintf("p%d", i))
		r.Severity = kite.Severities[i%4]
		r.At = base.Add(time.Hour + time.Duration(30-i)*time.Second)
		_, err := s.Report(ctx, r)
		require.NoError(t, err)
	}
	for _, ns := range []string{"team-a", "team-b", "team-c"} {
		l, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: ns, Limit: 100})
		require.NoError(t, err)
		all = append(all, l.Issues...)
	}
	admit := func(_ kite.State, sev kite.Severity, _ kite.IssueType) bool {
		return sev.Rank() >= kite.SeverityMajor.Rank()
	}
	for _, order := range []store.Order{store.ByDetected, store.ByLastSeen} {
		at := func(is *kite.Issue) time.Time {
			if order == store.ByLastSeen {
				return is.LastSeen
			}
			return is.DetectedAt
		}
		var want []string
		sorted := slices.Clone(all)
		slices.SortFunc(sorted, func(a, b *kite.Issue) int {
			if c := at(b).Compare(at(a)); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		for _, is := range sorted {
			if is.Namespace != "team-c" && admit(is.State, is.Severity, is.IssueType) {
				want = append(want, is.ID)
			}
		}
		require.NotEmpty(t, want)
		for _, n := range []int{1, 3, 100} {
			w := &store.Walk{Namespaces: []string{"team-a", "team-b"}, Order: order, Admit: admit}
			var got []string
			for {
				cands, done, err := s.Next(ctx, w, n)
				require.NoError(t, err)
				for _, c := range cands {
					got = append(got, c.ID)
					assert.GreaterOrEqual(t, c.Severity.Rank(), kite.SeverityMajor.Rank())
				}
				if done {
					break
				}
			}
			assert.Equal(t, want, got, "order %d, pages of %d", order, n)
		}
	}
	require.NoError(t, s.Check())
}
