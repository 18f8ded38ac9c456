package index

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// manyTimes is an index of n issues in team-a whose times and counts are
// all distinct, so that most ranges over them are wider than narrowWindow;
// every third issue is resolved.
func manyTimes(t *testing.T, n int) (*Index, []*kite.Issue) {
	t.Helper()
	x, _, err := Open(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, x.Close()) })
	var issues []*kite.Issue
	var changes []Change
	for i := range n {
		at := now.Add(-time.Duration(n-i) * time.Minute)
		is := &kite.Issue{
			ID: fmt.Sprintf("id-%04d", i), Namespace: "team-a", Title: fmt.Sprintf("Pipeline run failed: run-%04d", i),
			Severity: kite.Severities[i%len(kite.Severities)], IssueType: kite.IssueTypeBuild, State: kite.StateActive,
			Scope:      kite.Scope{ResourceType: "pipelinerun", ResourceName: fmt.Sprintf("run-%04d", i)},
			DetectedAt: at, FirstSeen: at, LastSeen: at.Add(30 * time.Second), Occurrences: int64(i + 1),
		}
		if i%3 == 0 {
			r := at.Add(time.Hour)
			is.State, is.ResolvedAt = kite.StateResolved, &r
		}
		issues = append(issues, is)
		changes = append(changes, Change{ID: is.ID, Issue: is})
	}
	require.NoError(t, x.Apply(changes, 1))
	return x, issues
}

// TestRangesWiderThanTheIndexLooksUp: ranges of any width, positive or
// negated, alone or together, match what Query.Matches says of each issue,
// whether the index looks their terms up or tests each candidate's value.
func TestRangesWiderThanTheIndexLooksUp(t *testing.T) {
	x, issues := manyTimes(t, 700)
	queries := []string{
		"lastSeen:<1s", "-lastSeen:<1s", "lastSeen:>5h", "-lastSeen:>5h", "lastSeen:>2h",
		"detected:<3h detected:>9h", "-detected:<3h -detected:>9h",
		"occurrences:>10", "occurrences:<=600 -occurrences:<100", "count:7", "count:>=650",
		"resolved:>99999d", "-resolved:>99999d", "resolved:<4h", "-resolved:<4h is:resolved",
		"firstSeen:>99999d lastSeen:<1s severity:>=major", "-severity:minor occurrences:>300",
		"run lastSeen:>6h", "lastSeen:2026-11-27", "lastSeen:2000-01-01..9999-12-31",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			pq, err := kite.ParseQuery(q, now)
			require.NoError(t, err)
			want := []string{}
			for _, is := range issues {
				if pq.Matches(is) {
					want = append(want, is.ID)
				}
			}
			res, err := x.Search(context.Background(), Request{Query: pq, Namespaces: []string{"team-a"}, Limit: 1000})
			require.NoError(t, err)
			got := hitIDs(res)
			slices.Sort(got)
			assert.Equal(t, want, got)
			assert.Equal(t, len(want), res.Total)
		})
	}
}

// TestWindowWidth: the index looks up a range's terms only up to
// narrowWindow of them; a wider one is left to the candidate filter.
func TestWindowWidth(t *testing.T) {
	x, _ := manyTimes(t, 700)
	adv, err := x.idx.Advanced()
	require.NoError(t, err)
	r, err := adv.Reader()
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	for _, c := range []struct {
		q      string
		narrow bool
		terms  int
	}{
		{q: "count:<=256", narrow: true, terms: 256},
		{q: "count:<=257", narrow: false},
		{q: "count:<257", narrow: true, terms: 256}, // the exclusive end is read and dropped
		{q: "lastSeen:<1s", narrow: false},
		{q: "lastSeen:>1h", narrow: true, terms: 60},
		{q: "severity:>=major", narrow: true, terms: 2},
	} {
		pq, err := kite.ParseQuery(c.q, now)
		require.NoError(t, err)
		w, ok := termWindow(pq.Terms[0])
		require.True(t, ok, c.q)
		terms, narrow, err := w.narrowTerms(r)
		require.NoError(t, err)
		assert.Equal(t, c.narrow, narrow, c.q)
		if c.narrow {
			assert.Len(t, terms, c.terms, c.q)
		}
	}
}

// TestExpansionBudget: word starts that expand past MaxExpansion index
// terms stop the search with a 400-class error naming the word and the
// limit, in the chain of which is ErrTooBroad; under it they match.
func TestExpansionBudget(t *testing.T) {
	x, _, err := Open(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, x.Close()) })
	var changes []Change
	for i := range MaxExpansion + 10 {
		is := &kite.Issue{
			ID: fmt.Sprintf("id-%05d", i), Namespace: "team-a", Title: "Pipeline run failed",
			Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, State: kite.StateActive,
			Scope:      kite.Scope{ResourceType: "pipelinerun", ResourceName: fmt.Sprintf("nightly-run-%05d", i)},
			DetectedAt: now, FirstSeen: now, LastSeen: now, Occurrences: 1,
		}
		changes = append(changes, Change{ID: is.ID, Issue: is})
	}
	require.NoError(t, x.Apply(changes, 1))

	run := func(q string, substring bool) (*Result, error) {
		pq, err := kite.ParseQuery(q, now)
		require.NoError(t, err)
		return x.Search(context.Background(), Request{Query: pq, Namespaces: []string{"team-a"}, Limit: 5, Substring: substring})
	}
	res, err := run("nightly-run-00", false) // 1,000 identifiers start with it
	require.NoError(t, err)
	assert.Equal(t, 1000, res.Total)
	// Eight of them expand to 8,000 terms, within the budget.
	// The same word again costs nothing more (nine times it would be over).
	res, err = run(strings.Repeat("nightly-run-00 ", 9), false)
	require.NoError(t, err)
	assert.Equal(t, 1000, res.Total)
	res, err = run("-nightly-run-00 -nightly-run-01 -nightly-run-02 -nightly-run-03 -nightly-run-04 -nightly-run-05 -nightly-run-06 -nightly-run-07", false)
	require.NoError(t, err)
	assert.Equal(t, 202, res.Total)

	for _, c := range []struct {
		q         string
		substring bool
	}{
		{"nightly-run-", false}, // one identifier prefix, 8,202 terms
		{"-nightly-run-00 -nightly-run-01 -nightly-run-02 -nightly-run-03 -nightly-run-04 -nightly-run-05 -nightly-run-06 -nightly-run-07 -nightly-run-08", false}, // together over the budget
		{"ightly-run", true}, // a v1 substring
	} {
		_, err = run(c.q, c.substring)
		require.Error(t, err, c.q)
		assert.True(t, errors.Is(err, ErrTooBroad), c.q)
		var ke *kite.Error
		require.ErrorAs(t, err, &ke)
		assert.Equal(t, kite.EINVALID, ke.Code)
		assert.Equal(t, "q", ke.Field)
		assert.Contains(t, ke.Details, "8192 index terms")
	}
}

// TestSearchStopsWithItsContext: a search whose caller went away returns
// the context's error rather than an answer.
func TestSearchStopsWithItsContext(t *testing.T) {
	x, _ := manyTimes(t, 700)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, q := range []string{"", "lastSeen:<1s", "run"} {
		pq, err := kite.ParseQuery(q, now)
		require.NoError(t, err)
		_, err = x.Search(ctx, Request{Query: pq, Namespaces: []string{"team-a"}, Limit: 10})
		assert.ErrorIs(t, err, context.Canceled, q)
	}
}
