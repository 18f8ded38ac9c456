package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store/storetest"
)

// TestListMatchesBruteForce fills a store with varied issues and compares
// every filter combination's page and total against a filter over all
// issues, so the index merge, the counters and the scan paths are all held
// to one reference.
func TestListMatchesBruteForce(t *testing.T) {
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	s := storetest.OpenWith(t, storeOptions(func() time.Time { clock = clock.Add(time.Second); return clock }))
	rng := rand.New(rand.NewPCG(1, 2))
	var all []*kite.Issue
	for i := range 300 {
		r := failure([]string{"team-a", "team-b"}[rng.IntN(2)], fmt.Sprintf("p%d", rng.IntN(40)))
		r.Severity = kite.Severities[rng.IntN(4)]
		r.IssueType = kite.IssueTypes[rng.IntN(5)]
		r.Title = fmt.Sprintf("Failure %d of %s", i, []string{"Image Pull", "timeout", "OOM"}[rng.IntN(3)])
		if rng.IntN(4) == 0 {
			r.State = kite.StateResolved
		}
		if rng.IntN(3) == 0 {
			r.Scope.ResourceType = "application"
		}
		_, err := s.Report(ctx, r)
		require.NoError(t, err)
	}
	for _, ns := range []string{"team-a", "team-b"} {
		page, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: ns, Limit: kite.MaxLimit})
		require.NoError(t, err)
		all = append(all, page.Issues...)
	}

	filters := []kite.IssueFilter{
		{Namespace: "team-a"},
		{Namespace: "team-a", State: kite.StateActive},
		{Namespace: "team-a", Severity: kite.SeverityMajor, State: kite.StateActive},
		{Namespace: "team-b", Severity: kite.SeverityCritical, IssueType: kite.IssueTypeBuild, State: kite.StateResolved},
		{Namespace: "team-b", IssueType: kite.IssueTypeTest, Limit: 3, Offset: 2},
		{Namespace: "team-a", Offset: 10_000},
		{Namespace: "team-a", ResourceType: "application"},
		{Namespace: "team-a", ResourceType: "pipelinerun", ResourceName: "p7"},
		{Namespace: "team-b", ResourceName: "p3", State: kite.StateActive},
		{Namespace: "team-a", Search: "image pull"},
		{Namespace: "team-b", Search: "OOM", Severity: kite.SeverityMinor, Limit: 2, Offset: 1},
		{Namespace: "nobody"},
	}
	for _, f := range filters {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			got, err := s.ListIssues(ctx, f)
			require.NoError(t, err)
			want := bruteForce(all, f.Normalize())
			assert.Equal(t, want.Total, got.Total)
			assert.Equal(t, ids(want.Issues), ids(got.Issues))
		})
	}
}

func bruteForce(all []*kite.Issue, f kite.IssueFilter) *kite.IssueList {
	var hits []*kite.Issue
	for _, is := range all {
		if is.Namespace != f.Namespace ||
			(f.State != "" && is.State != f.State) ||
			(f.Severity != "" && is.Severity != f.Severity) ||
			(f.IssueType != "" && is.IssueType != f.IssueType) ||
			(f.ResourceType != "" && is.Scope.ResourceType != f.ResourceType) ||
			(f.ResourceName != "" && is.Scope.ResourceName != f.ResourceName) {
			continue
		}
		// Each search word in the title or the description.
		if slices.ContainsFunc(strings.Fields(strings.ToLower(f.Search)), func(w string) bool {
			return !strings.Contains(strings.ToLower(is.Title), w) && !strings.Contains(strings.ToLower(is.Description), w)
		}) {
			continue
		}
		hits = append(hits, is)
	}
	slices.SortFunc(hits, func(a, b *kite.Issue) int {
		if c := b.DetectedAt.Compare(a.DetectedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	lo, hi := min(f.Offset, len(hits)), min(f.Offset+f.Limit, len(hits))
	return &kite.IssueList{Issues: hits[lo:hi], Total: len(hits)}
}

func ids(issues []*kite.Issue) []string {
	out := []string{}
	for _, is := range issues {
		out = append(out, is.ID)
	}
	return out
}

func TestListValidatesFilter(t *testing.T) {
	s := storetest.Open(t)
	_, err := s.ListIssues(ctx, kite.IssueFilter{})
	require.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Equal(t, "Missing namespace", kite.ErrorMessage(err))
	_, err = s.ListIssues(ctx, kite.IssueFilter{Namespace: "a", State: "open"})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	got, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "a", Severity: "Medium", Limit: 5000})
	require.NoError(t, err)
	assert.NotNil(t, got.Issues)
}
