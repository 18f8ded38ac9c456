package index

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// fixture issues, named by their ID suffix for readable expectations.
func fixtures() []*kite.Issue {
	code := 1
	mk := func(name, ns, title, desc string, sev kite.Severity, ty kite.IssueType, st kite.State, age time.Duration, edit func(*kite.Issue)) *kite.Issue {
		is := &kite.Issue{
			ID: name, Title: title, Description: desc, Namespace: ns, Severity: sev, IssueType: ty, State: st,
			Scope:      kite.Scope{ResourceType: "pipelinerun", ResourceName: name + "-pipeline"},
			DetectedAt: now.Add(-age), FirstSeen: now.Add(-age), LastSeen: now.Add(-age / 2), Occurrences: 1,
		}
		if st == kite.StateResolved {
			at := now.Add(-age / 4)
			is.ResolvedAt = &at
		}
		if edit != nil {
			edit(is)
		}
		return is
	}
	return []*kite.Issue{
		mk("pull", "team-a", "Pipeline run failed: frontend-ui", "Task build failed: ImagePullBackOff for registry.io/org/img:tag",
			kite.SeverityMajor, kite.IssueTypeBuild, kite.StateActive, 2*time.Hour, func(is *kite.Issue) {
				is.Failure = &kite.FailureContext{Reason: "ImagePullBackOff", Task: "build-container", Step: "step-build", ExitCode: &code}
				is.Labels = map[string]string{"appstudio.openshift.io/component": "frontend-ui"}
				is.Occurrences = 7
				acked := now
				is.AckedBy, is.AckedAt, is.Assignee, is.Comments = "alice", &acked, "alice", 2
			}),
		mk("deps", "team-a", "Mintmaker error(2): renovate-frontend", "Dependency lookup failed for github.com/acme/ledger",
			kite.SeverityMinor, kite.IssueTypeDependency, kite.StateActive, 30*time.Hour, func(is *kite.Issue) { is.Assignee = "team-deps" }),
		mk("timeout", "team-a", "Pipeline run failed: e2e", "The pipeline run e2e failed with reason: TaskRunTimeout",
			kite.SeverityCritical, kite.IssueTypePipeline, kite.StateResolved, 72*time.Hour, func(is *kite.Issue) {
				is.Failure = &kite.FailureContext{Reason: "TaskRunTimeout"}
				is.Occurrences = 3
			}),
		mk("regress", "team-a", "Release 1.2 failed for application shop", "The release failed in phase: Processing",
			kite.SeverityMajor, kite.IssueTypeRelease, kite.StateActive, 10*time.Hour, func(is *kite.Issue) {
				is.ReopenCount = 2
				is.Scope = kite.Scope{ResourceType: "application", ResourceName: "shop"}
			}),
		mk("other-ns", "team-b", "Pipeline run failed: frontend-ui", "ImagePullBackOff in team-b",
			kite.SeverityInfo, kite.IssueTypeBuild, kite.StateActive, time.Hour, nil),
	}
}

func openFilled(t *testing.T) *Index {
	t.Helper()
	x, fresh, err := Open(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	require.True(t, fresh)
	t.Cleanup(func() { require.NoError(t, x.Close()) })
	var changes []Change
	for _, is := range fixtures() {
		changes = append(changes, Change{ID: is.ID, Issue: is})
	}
	require.NoError(t, x.Apply(changes, 42))
	rev, err := x.Rev()
	require.NoError(t, err)
	require.Equal(t, uint64(42), rev)
	return x
}

func search(t *testing.T, x *Index, q string, ns ...string) *Result {
	t.Helper()
	if len(ns) == 0 {
		ns = []string{"team-a"}
	}
	pq, err := kite.ParseQuery(q, now)
	require.NoError(t, err)
	res, err := x.Search(context.Background(), Request{Query: pq, Namespaces: ns, Limit: 50})
	require.NoError(t, err)
	return res
}

func hitIDs(r *Result) []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchOperators(t *testing.T) {
	x := openFilled(t)
	cases := []struct {
		q       string
		want    []string // in order when ordered, else sorted
		ordered bool
	}{
		{q: "", want: []string{"deps", "pull", "regress", "timeout"}},
		{q: "pull", want: []string{"pull"}},
		{q: "imagepullbackoff", want: []string{"pull"}},
		{q: "ImagePull", want: []string{"pull"}},
		{q: "depend", want: []string{"deps"}},
		{q: "dependencies", want: []string{"deps"}},
		{q: "frontend-ui", want: []string{"pull"}},
		{q: `"registry.io/org/img:tag"`, want: []string{"pull"}},
		{q: "registry.io/org/img:tag", want: []string{"pull"}},
		{q: `"pipeline run failed"`, want: []string{"pull", "timeout"}},
		{q: `"failed pipeline run"`, want: []string{}},
		{q: "severity:>minor", want: []string{"pull", "regress", "timeout"}},
		{q: "is:active severity:>=critical", want: []string{}},
		{q: "failed -frontend", want: []string{"regress", "timeout"}}, // renovate-frontend is out too
		{q: "is:active", want: []string{"deps", "pull", "regress"}},
		{q: "is:resolved", want: []string{"timeout"}},
		{q: "is:regressed", want: []string{"regress"}},
		{q: "severity:>=major", want: []string{"pull", "regress", "timeout"}},
		{q: "severity:<major", want: []string{"deps"}},
		{q: "severity:critical", want: []string{"timeout"}},
		{q: "type:build", want: []string{"pull"}},
		{q: "-type:build -type:dependency", want: []string{"regress", "timeout"}},
		{q: "scope:shop", want: []string{"regress"}},
		{q: "scope:application/shop", want: []string{"regress"}},
		{q: "scope:pipelinerun/shop", want: []string{}},
		{q: "label:appstudio.openshift.io/component=frontend-ui", want: []string{"pull"}},
		{q: "label:appstudio.openshift.io/component", want: []string{"pull"}},
		{q: "reason:timeout", want: []string{"timeout"}},
		{q: "-reason:timeout", want: []string{"deps", "pull", "regress"}},
		{q: "task:build-container", want: []string{"pull"}},
		{q: "detected:>24h", want: []string{"pull", "regress"}},
		{q: "detected:<24h", want: []string{"deps", "timeout"}},
		{q: "detected:2026-11-24", want: []string{"timeout"}},
		{q: "detected:2026-11-24..2026-11-26", want: []string{"deps", "timeout"}},
		{q: "resolved:>7d", want: []string{"timeout"}},
		{q: "is:acked", want: []string{"pull"}},
		{q: "is:unacked", want: []string{"deps", "regress", "timeout"}},
		{q: "-is:unacked", want: []string{"pull"}},
		{q: "assignee:alice", want: []string{"pull"}},
		{q: "assignee:team-deps", want: []string{"deps"}},
		{q: "has:assignee", want: []string{"deps", "pull"}},
		{q: "-has:assignee is:active", want: []string{"regress"}},
		{q: "has:comments", want: []string{"pull"}},
		// Ends beyond the times the store keeps (1970-2262) are open, and
		// windows wholly beyond them empty: never a wrapped-around time.
		{q: "detected:<9999-01-01", want: []string{"deps", "pull", "regress", "timeout"}},
		{q: "lastSeen:2000-01-01..9999-12-31", want: []string{"deps", "pull", "regress", "timeout"}},
		{q: "detected:>0001-01-01", want: []string{"deps", "pull", "regress", "timeout"}},
		{q: "detected:>9999-01-01", want: []string{}},
		{q: "detected:<0001-01-02", want: []string{}},
		{q: "lastSeen:>99999999d", want: []string{"deps", "pull", "regress", "timeout"}},
		{q: "lastSeen:<99999999d", want: []string{}},
		{q: "occurrences:>5", want: []string{"pull"}},
		{q: "occurrences:2..3", want: []string{"timeout"}},
		{q: "ns:team-b", want: []string{}},
		{q: "sort:detected", want: []string{"timeout", "deps", "regress", "pull"}, ordered: true},
		{q: "sort:-severity sort:detected", want: []string{"timeout", "regress", "pull", "deps"}, ordered: true},
		{q: "sort:-occurrences", want: []string{"pull", "timeout", "regress", "deps"}, ordered: true}, // ties: id descending
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			got := hitIDs(search(t, x, c.q))
			if !c.ordered {
				slices.Sort(got)
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestSearchRelevanceAndDefaultOrder(t *testing.T) {
	x := openFilled(t)
	// Without text: newest detection first.
	assert.Equal(t, []string{"pull", "regress", "deps", "timeout"}, hitIDs(search(t, x, "")))
	// With text too: relevance is asked for, not the default.
	assert.Equal(t, []string{"pull", "regress", "deps", "timeout"}, hitIDs(search(t, x, "failed")))
	// A word in the title outranks the same word in the description only,
	// and sort:relevance is best first however it is written.
	for _, q := range []string{"failed sort:relevance", "failed sort:-relevance"} {
		got := hitIDs(search(t, x, q))
		require.Len(t, got, 4)
		assert.Equal(t, "deps", got[3], q)
	}
}

func TestSearchNeverLeavesItsNamespaces(t *testing.T) {
	x := openFilled(t)
	assert.Equal(t, []string{"pull"}, hitIDs(search(t, x, "imagepullbackoff")))
	assert.Equal(t, []string{"other-ns"}, hitIDs(search(t, x, "imagepullbackoff", "team-b")))
	got := hitIDs(search(t, x, "imagepullbackoff", "team-a", "team-b"))
	slices.Sort(got)
	assert.Equal(t, []string{"other-ns", "pull"}, got)
	// ns: narrows the allowed set; it cannot widen it.
	assert.Empty(t, hitIDs(search(t, x, "ns:team-b imagepullbackoff", "team-a")))
	_, err := x.Search(context.Background(), Request{Query: &kite.Query{}, Limit: 10})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
}

// Several ns: terms mean any of them (an issue has one namespace), within
// the namespaces the search is restricted to. The service restricts a
// search without a namespace parameter to the query's ns: terms.
func TestSearchSeveralNamespaces(t *testing.T) {
	x := openFilled(t)
	both := []string{"team-a", "team-b"}
	cases := []struct {
		q    string
		ns   []string
		want []string
	}{
		{"ns:team-a ns:team-b", both, []string{"deps", "other-ns", "pull", "regress", "timeout"}},
		{"ns:team-a ns:team-b imagepullbackoff", both, []string{"other-ns", "pull"}},
		{"ns:team-b is:active ns:team-a severity:<major", both, []string{"deps", "other-ns"}},
		{"ns:team-a ns:team-b -ns:team-a", both, []string{"other-ns"}},
		{"ns:team-a ns:team-b imagepullbackoff", []string{"team-a"}, []string{"pull"}},
		{"ns:team-b ns:team-c", []string{"team-a"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			got := hitIDs(search(t, x, c.q, c.ns...))
			slices.Sort(got)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestSearchFacets(t *testing.T) {
	x := openFilled(t)
	pq, err := kite.ParseQuery("failed", now)
	require.NoError(t, err)
	res, err := x.Search(context.Background(), Request{
		Query: pq, Namespaces: []string{"team-a", "team-b"}, Limit: 10,
		Facets: kite.FacetFields,
	})
	require.NoError(t, err)
	assert.Equal(t, 5, res.Total)
	assert.ElementsMatch(t, []kite.FacetCount{{Value: "team-a", Count: 4}, {Value: "team-b", Count: 1}}, res.Facets[kite.FieldNamespace])
	assert.ElementsMatch(t, []kite.FacetCount{{Value: "ACTIVE", Count: 4}, {Value: "RESOLVED", Count: 1}}, res.Facets[kite.FieldState])
	assert.Len(t, res.Facets[kite.FieldSeverity], 4)

	_, err = x.Search(context.Background(), Request{Query: pq, Namespaces: []string{"team-a"}, Limit: 10, Facets: []string{"colour"}})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
}

func TestSearchCursorPages(t *testing.T) {
	x := openFilled(t)
	for _, q := range []string{"", "failed", "sort:-severity"} {
		pq, err := kite.ParseQuery(q, now)
		require.NoError(t, err)
		all := hitIDs(search(t, x, q))
		var paged []string
		cursor := ""
		for range 10 {
			res, err := x.Search(context.Background(), Request{Query: pq, Namespaces: []string{"team-a"}, Limit: 1, Cursor: cursor})
			require.NoError(t, err)
			paged = append(paged, hitIDs(res)...)
			if res.NextCursor == "" {
				break
			}
			cursor = res.NextCursor
		}
		assert.Equal(t, all, paged, "query %q", q)
	}
	pq, _ := kite.ParseQuery("sort:detected", now)
	first, err := x.Search(context.Background(), Request{Query: pq, Namespaces: []string{"team-a"}, Limit: 1})
	require.NoError(t, err)
	other, _ := kite.ParseQuery("", now)
	_, err = x.Search(context.Background(), Request{Query: other, Namespaces: []string{"team-a"}, Limit: 1, Cursor: first.NextCursor})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err), "a cursor of another sort is refused")
	_, err = x.Search(context.Background(), Request{Query: other, Namespaces: []string{"team-a"}, Limit: 1, Cursor: "!!"})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
}

func TestApplyDeletesAndUpdates(t *testing.T) {
	x := openFilled(t)
	pull := fixtures()[0]
	pull.Title = "renamed entirely"
	pull.Description = "nothing here"
	pull.Failure = nil
	require.NoError(t, x.Apply([]Change{{ID: "pull", Issue: pull}, {ID: "deps"}}, 43))
	assert.Empty(t, hitIDs(search(t, x, "imagepullbackoff")))
	assert.Equal(t, []string{"pull"}, hitIDs(search(t, x, "renamed")))
	assert.Empty(t, hitIDs(search(t, x, "depend")))
	rev, err := x.Rev()
	require.NoError(t, err)
	assert.Equal(t, uint64(43), rev)
}

func TestOpenRebuildsOnMappingChangeAndDamage(t *testing.T) {
	dir := t.TempDir()
	x, fresh, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	require.True(t, fresh, "a missing index is fresh")
	require.NoError(t, x.Apply([]Change{{ID: "pull", Issue: fixtures()[0]}}, 5))
	require.NoError(t, x.Close())

	x, fresh, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	assert.False(t, fresh, "a current index is kept")
	rev, err := x.Rev()
	require.NoError(t, err)
	assert.Equal(t, uint64(5), rev)
	require.NoError(t, x.idx.SetInternal(keyMapping, []byte("0")))
	require.NoError(t, x.Close())

	x, fresh, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	assert.True(t, fresh, "another mapping version is rebuilt")
	rev, err = x.Rev()
	require.NoError(t, err)
	assert.Zero(t, rev)
	require.NoError(t, x.Close())

	require.NoError(t, writeGarbage(dir))
	x, fresh, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	assert.True(t, fresh, "an unreadable index is rebuilt")
	require.NoError(t, x.Close())
}

func TestRebuildSwapsInACompleteIndex(t *testing.T) {
	x := openFilled(t)
	err := x.Rebuild(100, func(add func(*kite.Issue) error) error {
		for i := range 1200 { // more than one internal chunk
			is := fixtures()[1]
			is.ID = fmt.Sprintf("deps-%04d", i)
			if err := add(is); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	rev, err := x.Rev()
	require.NoError(t, err)
	assert.Equal(t, uint64(100), rev)
	assert.Equal(t, 1200, search(t, x, "depend").Total)
	assert.Zero(t, search(t, x, "imagepullbackoff").Total, "the old documents are gone")
}

// TestIndexKnowsItsStore: an index records the store it follows; one that
// recorded none adopts the store it is opened with, and one built from
// another store is refused.
func TestIndexKnowsItsStore(t *testing.T) {
	dir := t.TempDir()
	x, _, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	require.NoError(t, x.Close())
	x, fresh, err := Open(Options{Dir: dir, StoreID: "store-a"})
	require.NoError(t, err)
	assert.False(t, fresh, "adopted, not rebuilt")
	require.NoError(t, x.Close())
	_, _, err = Open(Options{Dir: dir, StoreID: "store-b"})
	require.ErrorIs(t, err, ErrOtherStore)
	assert.Contains(t, err.Error(), "built from store store-a, not store-b")
	x, fresh, err = Open(Options{Dir: dir, StoreID: "store-b", Reset: true})
	require.NoError(t, err)
	assert.True(t, fresh)
	require.NoError(t, x.Close())
	x, _, err = Open(Options{Dir: dir, StoreID: "store-b"})
	require.NoError(t, err)
	require.NoError(t, x.Close())
}
