package service_test

import (
	"fmt"
	"log/slog"
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
