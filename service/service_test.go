package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/index"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/store"
)

var ctx = context.Background()

func failure(ns, pipeline, reason string) kite.Report {
	return kite.Report{
		Namespace: ns, Title: "Pipeline run failed: " + pipeline,
		Description: "The pipeline run " + pipeline + " failed with reason: " + reason,
		Severity:    kite.SeverityMajor, IssueType: kite.IssueTypePipeline,
		Scope:   kite.Scope{ResourceType: "pipelinerun", ResourceName: pipeline},
		Failure: &kite.FailureContext{Reason: reason},
	}
}

func searchIDs(t *testing.T, s *service.Service, q string, ns ...string) []string {
	t.Helper()
	res, err := s.Search(ctx, kite.SearchRequest{Query: q, Namespaces: ns, Limit: kite.MaxLimit})
	require.NoError(t, err)
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.Issue.ID)
	}
	slices.Sort(out)
	return out
}

func TestSearchReadsRecordsFromTheStore(t *testing.T) {
	s := servicetest.Open(t)
	a, err := s.Report(ctx, failure("team-a", "frontend", "ImagePullBackOff"))
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "backend", "OOMKilled"))
	require.NoError(t, err)
	servicetest.WaitIndexed(t, s)

	res, err := s.Search(ctx, kite.SearchRequest{Query: "pull", Namespaces: []string{"team-a"}, Limit: 10, Highlight: true, Facets: []string{"state"}})
	require.NoError(t, err)
	require.Equal(t, 1, res.Total)
	require.Len(t, res.Hits, 1)
	assert.Equal(t, a.Issue.ID, res.Hits[0].Issue.ID)
	assert.NotEmpty(t, res.Hits[0].Highlights)
	assert.Equal(t, []kite.FacetCount{{Value: "ACTIVE", Count: 1}}, res.Facets["state"])

	// ns: in the query is enough when the request names no namespace.
	assert.Equal(t, []string{a.Issue.ID}, searchIDs(t, s, "ns:team-a pull"))
	_, err = s.Search(ctx, kite.SearchRequest{Query: "pull"})
	assert.Equal(t, "Missing namespace", kite.ErrorMessage(err))
	_, err = s.Search(ctx, kite.SearchRequest{Query: "severity:urgent", Namespaces: []string{"team-a"}})
	assert.Equal(t, "Invalid query", kite.ErrorMessage(err))
	assert.Empty(t, searchIDs(t, s, "pull", "team-b"))
}

func TestListSearchParameterUsesTheIndex(t *testing.T) {
	s := servicetest.Open(t)
	dep, err := s.Report(ctx, kite.Report{
		Namespace: "team-a", Title: "Mintmaker error(1): renovate-x", Description: "Dependency lookup failed",
		Severity: "minor", IssueType: "dependency", Scope: kite.Scope{ResourceType: "mintmaker-error", ResourceName: "renovate-x"},
	})
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "frontend", "ImagePullBackOff"))
	require.NoError(t, err)
	servicetest.WaitIndexed(t, s)
	for _, q := range []string{"depend", "Dependency", "dependency lookup", "renovate-x", "mintmaker"} {
		got, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: q})
		require.NoError(t, err, q)
		require.Equal(t, 1, got.Total, q)
		assert.Equal(t, dep.Issue.ID, got.Issues[0].ID, q)
	}
	got, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "failed", Severity: "minor"})
	require.NoError(t, err)
	assert.Equal(t, 1, got.Total, "filters combine with the search")
	got, err = s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "failed", Limit: 1, Offset: 1})
	require.NoError(t, err)
	assert.Equal(t, 2, got.Total)
	assert.Len(t, got.Issues, 1)
}

// TestIndexCatchesUpAfterACrash writes to the store while no indexer runs
// (as if the process died between commit and indexing) and expects the
// next start to index those writes from the change log.
func TestIndexCatchesUpAfterACrash(t *testing.T) {
	dir := t.TempDir()
	s, err := service.Open(service.Options{Dir: dir})
	require.NoError(t, err)
	servicetest.WaitReady(t, s)
	before, err := s.Report(ctx, failure("team-a", "before", "OOMKilled"))
	require.NoError(t, err)
	servicetest.WaitIndexed(t, s)
	require.NoError(t, s.Close())

	st, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	missed, err := st.Report(ctx, failure("team-a", "missed", "OOMKilled"))
	require.NoError(t, err)
	require.NoError(t, st.DeleteIssue(ctx, before.Issue.ID))
	require.NoError(t, st.Close())

	s = servicetest.OpenWith(t, service.Options{Dir: dir})
	servicetest.WaitIndexed(t, s)
	assert.Equal(t, []string{missed.Issue.ID}, searchIDs(t, s, "oomkilled", "team-a"))
}

func TestIndexIsRebuiltWhenMissingOrDamaged(t *testing.T) {
	dir := t.TempDir()
	s, err := service.Open(service.Options{Dir: dir})
	require.NoError(t, err)
	var want []string
	for i := range 30 {
		res, err := s.Report(ctx, failure("team-a", fmt.Sprintf("p%d", i), "OOMKilled"))
		require.NoError(t, err)
		want = append(want, res.Issue.ID)
	}
	slices.Sort(want)
	servicetest.WaitIndexed(t, s)
	require.NoError(t, s.Close())

	for name, damage := range map[string]func() error{
		"missing": func() error { return os.RemoveAll(filepath.Join(dir, index.DirName)) },
		"damaged": func() error {
			return os.WriteFile(filepath.Join(dir, index.DirName, "index_meta.json"), []byte("garbage"), 0o600)
		},
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, damage())
			s, err := service.Open(service.Options{Dir: dir})
			require.NoError(t, err)
			servicetest.WaitReady(t, s)
			assert.Equal(t, want, searchIDs(t, s, "oomkilled", "team-a"))
			require.NoError(t, s.Close())
		})
	}
}

func TestChangeLogIsPrunedBehindTheIndex(t *testing.T) {
	s := servicetest.OpenWith(t, service.Options{RetainChanges: 10})
	for i := range 50 {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("p%d", i), "OOMKilled"))
		require.NoError(t, err)
		servicetest.WaitIndexed(t, s)
	}
	require.Eventually(t, func() bool {
		_, _, err := s.Changes(ctx, 0, 10)
		return err != nil
	}, 10e9, 10e6, "old entries are pruned")
	rev, err := s.Rev()
	require.NoError(t, err)
	_, _, err = s.Changes(ctx, rev-10, 10)
	assert.NoError(t, err, "the retained window is readable")
}

// TestIndexMatchesStoreUnderConcurrentWrites races creates, repeats,
// resolves and deletes against the indexer and then compares what the
// index finds with what the store holds.
func TestIndexMatchesStoreUnderConcurrentWrites(t *testing.T) {
	s := servicetest.Open(t)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 60 {
				ns := fmt.Sprintf("ns-%d", rng.IntN(3))
				res, err := s.Report(ctx, failure(ns, fmt.Sprintf("p%d", rng.IntN(40)), "OOMKilled"))
				if !assert.NoError(t, err) {
					return
				}
				switch i % 5 {
				case 1:
					_, err = s.ResolveIssue(ctx, res.Issue.ID, "w")
				case 3:
					err = s.DeleteIssue(ctx, res.Issue.ID)
				}
				if kite.ErrorCode(err) == kite.ENOTFOUND {
					err = nil // another writer deleted it first
				}
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	servicetest.WaitIndexed(t, s)
	for n := range 3 {
		ns := fmt.Sprintf("ns-%d", n)
		list, err := s.Store.ListIssues(ctx, kite.IssueFilter{Namespace: ns, Limit: kite.MaxLimit})
		require.NoError(t, err)
		var want []string
		for _, is := range list.Issues {
			want = append(want, is.ID)
		}
		slices.Sort(want)
		if want == nil {
			want = []string{}
		}
		assert.Equal(t, want, searchIDs(t, s, "", ns), ns)
		active, err := s.Store.ListIssues(ctx, kite.IssueFilter{Namespace: ns, State: kite.StateActive, Limit: kite.MaxLimit})
		require.NoError(t, err)
		assert.Len(t, searchIDs(t, s, "is:active", ns), active.Total, ns)
	}
}

// TestIndexDeletedWhileServing: the index directory removed under a
// running service is noticed and rebuilt, as at start; meanwhile searches
// are refused with a 503-class error, never a panic, and the v1 list
// answers from the store.
func TestIndexDeletedWhileServing(t *testing.T) {
	dir := t.TempDir()
	s := servicetest.OpenWith(t, service.Options{Dir: dir})
	first, err := s.Report(ctx, failure("team-a", "p1", "OOMKilled"))
	require.NoError(t, err)
	servicetest.WaitIndexed(t, s)

	require.NoError(t, os.RemoveAll(filepath.Join(dir, index.DirName)))
	second, err := s.Report(ctx, failure("team-a", "p2", "OOMKilled"))
	require.NoError(t, err)

	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := s.Search(ctx, kite.SearchRequest{Query: "oomkilled", Namespaces: []string{"team-a"}, Limit: 10})
		if err == nil && res.Total == 2 {
			break
		}
		if err != nil {
			assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err), "while rebuilding: %v", err)
		}
		list, lerr := s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Search: "OOMKilled"})
		require.NoError(t, lerr, "the v1 list answers throughout")
		assert.GreaterOrEqual(t, list.Total, 1)
		require.True(t, time.Now().Before(deadline), "the index was not rebuilt within 30s (last: %v)", err)
		time.Sleep(20 * time.Millisecond)
	}
	assert.ElementsMatch(t, []string{first.Issue.ID, second.Issue.ID}, searchIDs(t, s, "oomkilled", "team-a"))
	assert.DirExists(t, filepath.Join(dir, index.DirName))
}

// TestIndexOfAnotherStoreIsRefused: a store file replaced by another one,
// or by an older copy of itself, beside the index is refused at start with
// the files named and the way out, rather than served with an index that
// answers for issues the store does not have; reindexing is the way out.
func TestIndexOfAnotherStoreIsRefused(t *testing.T) {
	fill := func(dir string, pipelines ...string) {
		s, err := service.Open(service.Options{Dir: dir})
		require.NoError(t, err)
		servicetest.WaitReady(t, s)
		for _, p := range pipelines {
			_, err := s.Report(ctx, failure("team-a", p, "OOMKilled"))
			require.NoError(t, err)
		}
		servicetest.WaitIndexed(t, s)
		require.NoError(t, s.Close())
	}
	copyStore := func(from, to string) {
		b, err := os.ReadFile(filepath.Join(from, store.FileName))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, store.FileName), b, 0o600))
	}
	refused := func(dir, says string) {
		_, err := service.Open(service.Options{Dir: dir})
		require.Error(t, err)
		assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
		assert.Contains(t, err.Error(), filepath.Join(dir, index.DirName))
		assert.Contains(t, err.Error(), filepath.Join(dir, store.FileName))
		assert.Contains(t, err.Error(), says)
		assert.Contains(t, err.Error(), "kite reindex --data-dir "+dir)
	}

	a, b := t.TempDir(), t.TempDir()
	fill(a, "a1", "a2", "a3")
	fill(b, "b1")
	copyStore(b, a)
	refused(a, "built from another store file")
	s := servicetest.OpenWith(t, service.Options{Dir: a, RebuildIndex: true})
	servicetest.WaitIndexed(t, s)
	assert.Len(t, searchIDs(t, s, "oomkilled", "team-a"), 1, "rebuilt from the store that is there")

	older, saved := t.TempDir(), t.TempDir()
	fill(older, "o1")
	copyStore(older, saved)
	fill(older, "o2", "o3")
	copyStore(saved, older)
	refused(older, "the store file is older than the index")
}
