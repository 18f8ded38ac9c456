package index

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/konflux-ci/kite"
)

// benchIssue is a realistic issue: a webhook-made pipeline failure with
// varied reason text.
func benchIssue(i int) *kite.Issue {
	reasons := []string{
		"ImagePullBackOff: registry.io/org/img-%d:latest not found",
		"OOMKilled in step build (exit code 137), container memory limit 2Gi",
		"TaskRunTimeout: TaskRun build-%d exceeded its 1h0m0s timeout",
		"%d tests failed in pkg/orders: TestCheckout, TestRefund",
		"Dependency resolution failed for github.com/acme/ledger v1.%d.0",
	}
	reason := fmt.Sprintf(reasons[i%len(reasons)], i%97)
	pipeline := fmt.Sprintf("bench-%d", i)
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return &kite.Issue{
		ID: fmt.Sprintf("id-%08d", i), Title: "Pipeline run failed: " + pipeline,
		Description: "The pipeline run " + pipeline + " failed with reason: " + reason,
		Namespace:   fmt.Sprintf("bench-%d", i%10), Severity: kite.Severities[i%4], IssueType: kite.IssueTypePipeline,
		State: kite.StateActive, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: pipeline},
		DetectedAt: at, FirstSeen: at, LastSeen: at, Occurrences: 1,
		Failure: &kite.FailureContext{Reason: reason},
	}
}

// BenchmarkApply measures indexing cost per issue by batch size: small
// batches as at light load, larger ones as under a webhook burst.
func BenchmarkApply(b *testing.B) {
	for _, batch := range []int{50, 500, 2000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchApply(b, batch) })
	}
}

func benchApply(b *testing.B, batch int) {
	x, _, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = x.Close() }()
	b.ResetTimer()
	for n := 0; n < b.N; n += batch {
		changes := make([]Change, 0, batch)
		for i := n; i < n+batch; i++ {
			is := benchIssue(i)
			changes = append(changes, Change{ID: is.ID, Issue: is})
		}
		if err := x.Apply(changes, uint64(n+batch)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch runs the search workload of kite bench against an index
// of KITE_BENCH_ISSUES (default 100,000) issues over ten namespaces.
func BenchmarkSearch(b *testing.B) {
	x := benchIndex(b)
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ name, q string }{
		{"word+filters", "timeout is:active severity:>=major"},
		{"filters", "is:active severity:>=major"},
		{"word", "pull"},
	} {
		q, err := kite.ParseQuery(c.q, now)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := x.Search(context.Background(), Request{Query: q, Namespaces: []string{fmt.Sprintf("bench-%d", i%10)}, Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("facets", func(b *testing.B) {
		q := &kite.Query{}
		for i := 0; b.Loop(); i++ {
			if _, err := x.Search(context.Background(), Request{Query: q, Namespaces: []string{fmt.Sprintf("bench-%d", i%10)}, Limit: 1, Facets: kite.FacetFields}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var (
	benchIndexOnce sync.Once
	benchIndexDir  string
	benchIndexX    *Index
	benchIndexErr  error
)

// TestMain removes the shared benchmark index, which outlives any one
// benchmark and so any one b.TempDir.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchIndexX != nil {
		_ = benchIndexX.Close()
	}
	if benchIndexDir != "" {
		_ = os.RemoveAll(benchIndexDir)
	}
	os.Exit(code)
}

func benchIndex(b *testing.B) *Index {
	benchIndexOnce.Do(func() {
		n := 100_000
		if v, err := strconv.Atoi(os.Getenv("KITE_BENCH_ISSUES")); err == nil && v > 0 {
			n = v
		}
		benchIndexDir, benchIndexErr = os.MkdirTemp("", "kite-index-bench-")
		if benchIndexErr != nil {
			return
		}
		benchIndexX, _, benchIndexErr = Open(Options{Dir: benchIndexDir})
		if benchIndexErr != nil {
			return
		}
		for start := 0; start < n && benchIndexErr == nil; start += 2000 {
			var changes []Change
			for i := start; i < min(start+2000, n); i++ {
				is := benchIssue(i)
				if i%3 == 0 {
					is.State = kite.StateResolved
				}
				changes = append(changes, Change{ID: is.ID, Issue: is})
			}
			benchIndexErr = benchIndexX.Apply(changes, uint64(start+2000))
		}
	})
	if benchIndexErr != nil {
		b.Fatal(benchIndexErr)
	}
	return benchIndexX
}

// BenchmarkPlanPrices measures what the service's planner prices its plans
// by (service/plan.go), over the same index of KITE_BENCH_ISSUES issues:
// a search ordered by detection per match it sorts, counting without
// scores per match counted, and testing a batch of 64 or 1,024 walked
// candidates per candidate. Every issue's title has "pipeline", so it matches the
// whole namespace.
func BenchmarkPlanPrices(b *testing.B) {
	x := benchIndex(b)
	ctx := context.Background()
	word := &kite.Query{Terms: []kite.Term{{Kind: kite.TermWord, Text: "pipeline"}}}
	ns := func(i int) []string { return []string{fmt.Sprintf("bench-%d", i%10)} }
	matches, _, _, err := x.CountMatch(ctx, Request{Query: word, Namespaces: ns(0)}, 0, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sorted", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := x.Search(ctx, Request{Query: word, Namespaces: ns(i), Limit: 50}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(matches), "ns/match")
	})
	b.Run("counted", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, _, _, err := x.CountMatch(ctx, Request{Query: word, Namespaces: ns(i)}, 0, 0, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(matches), "ns/match")
	})
	for _, batch := range []int{64, 1024} {
		res, err := x.Search(ctx, Request{Query: &kite.Query{}, Namespaces: ns(0), Limit: batch})
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		b.Run(fmt.Sprintf("tested/batch=%d", batch), func(b *testing.B) {
			for b.Loop() {
				if _, err := x.Match(ctx, Request{Query: word, Namespaces: ns(0)}, ids); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ids)), "ns/candidate")
		})
	}
}
