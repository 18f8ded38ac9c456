package service_test

import (
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// BenchmarkReportIndexed measures new-scope reports from 32 concurrent
// writers with the indexer keeping up: the timer stops only once the index
// has applied every report, so indexing cost is in the figure.
func BenchmarkReportIndexed(b *testing.B) {
	s, err := service.Open(service.Options{Dir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	servicetest.WaitReady(b, s)
	reasons := []string{"ImagePullBackOff: registry.io/org/img-%d:latest not found", "OOMKilled in step build (exit code 137)",
		"TaskRunTimeout: TaskRun build-%d exceeded its 1h0m0s timeout", "%d tests failed in pkg/orders: TestCheckout"}
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			r := failure(fmt.Sprintf("bench-%d", i%10), fmt.Sprintf("p-%d", i), fmt.Sprintf(reasons[i%len(reasons)], i%97))
			r.Severity = kite.Severities[i%4]
			if _, err := s.Report(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	servicetest.WaitIndexed(b, s)
}

// searchSet is the search benchmark set (scripts/search-set.sh): a word in
// every issue of a bench namespace, one in about 1%, an identifier,
// filters only, the last-seen order, and a word with the usual filters.
var searchSet = []string{
	"pipeline", "42", "registry.io/org/img-42:latest", "is:active severity:>=major",
	"sort:-lastSeen", "pipeline is:active severity:>=major",
}

// BenchmarkSearchSet runs each query of the set through the service, with
// highlights, a page of 50, one bench namespace per search in turn, over
// the data directory KITE_BENCH_DATA_DIR (filled by make load, make
// battery or scripts/compare.sh: no server may hold it).
func BenchmarkSearchSet(b *testing.B) {
	dir := os.Getenv("KITE_BENCH_DATA_DIR")
	if dir == "" {
		b.Skip("set KITE_BENCH_DATA_DIR to a data directory filled by kite bench -w new-failure")
	}
	s, err := service.Open(service.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	servicetest.WaitReady(b, s)
	for _, q := range searchSet {
		b.Run(q, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				_, err := s.Search(ctx, kite.SearchRequest{Query: q, Namespaces: []string{fmt.Sprintf("bench-%d", i%10)}, Limit: 50, Highlight: true})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
