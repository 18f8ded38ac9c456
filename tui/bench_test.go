package tui_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/tui"
)

// BenchmarkKeystroke is one key in the list (j, then k at the bottom of
// the loaded rows) and the redraw that follows, with 1,000 rows loaded.
func BenchmarkKeystroke(b *testing.B) {
	s := benchServer(b)
	m := tui.New(ctx, s.client, tui.Options{Namespace: "bench-0", Now: func() time.Time { return now }})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	loadAll(b, m, 10) // ten pages of 100
	down, up := tea.KeyPressMsg{Code: 'j', Text: "j"}, tea.KeyPressMsg{Code: 'k', Text: "k"}
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		k := down
		if i/500%2 == 1 {
			k = up
		}
		start := time.Now()
		m.Update(k)
		_ = m.View()
		took = append(took, time.Since(start))
	}
	// The tail is what a user feels: one frame is 16 ms at 60 Hz.
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(took[len(took)-1].Microseconds()), "max-µs")
}

// BenchmarkFirstScreen is kite tui's start against a server over HTTP
// holding KITE_BENCH_ISSUES (default 100,000) issues: the first page and
// facets requested, received and drawn.
func BenchmarkFirstScreen(b *testing.B) {
	s := benchServer(b)
	for b.Loop() {
		m := tui.New(ctx, s.client, tui.Options{Namespace: "bench-0", Now: func() time.Time { return now }})
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		m.Update(runFirstPage(b, m))
		_ = m.View()
	}
}

// runFirstPage runs Init's page request (not its feed subscription, which
// would block) and returns its answer.
func runFirstPage(b *testing.B, m *tui.Model) tea.Msg {
	return m.FirstPage()()
}

func loadAll(b *testing.B, m *tui.Model, pages int) {
	m.Update(runFirstPage(b, m))
	for range pages - 1 {
		cmd := m.NextPage()
		if cmd == nil {
			return
		}
		m.Update(cmd())
	}
}

type benchEnv struct {
	client *api.Client
}

var (
	benchOnce sync.Once
	benchEnvV *benchEnv
	benchErr  error
)

// benchServer is one service with the benchmark issues behind an HTTP
// server, shared by the benchmarks of a run.
func benchServer(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() {
		n := 100_000
		if v, err := strconv.Atoi(os.Getenv("KITE_BENCH_ISSUES")); err == nil && v > 0 {
			n = v
		}
		dir, err := os.MkdirTemp("", "kite-tui-bench-")
		if err != nil {
			benchErr = err
			return
		}
		svc, err := service.Open(service.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			benchErr = err
			return
		}
		var wg sync.WaitGroup
		for w := range 32 {
			wg.Go(func() {
				for i := w; i < n; i += 32 {
					_, err := svc.Report(ctx, kite.Report{
						Namespace: fmt.Sprintf("bench-%d", i%10), Title: fmt.Sprintf("Pipeline run failed: bench-%d", i),
						Description: "The pipeline run failed with reason: OOMKilled", Severity: kite.Severities[i%4],
						IssueType: kite.IssueTypePipeline, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: fmt.Sprintf("bench-%d", i)},
					})
					if err != nil {
						benchErr = err
						return
					}
				}
			})
		}
		wg.Wait()
		for lag, _ := svc.IndexLag(); lag > 0 || !svc.Ready(); lag, _ = svc.IndexLag() {
			time.Sleep(50 * time.Millisecond)
		}
		h, err := api.New(api.Options{Service: svc})
		if err != nil {
			benchErr = err
			return
		}
		srv := httptest.NewServer(h)
		c, err := api.NewClient(api.ClientOptions{Server: srv.URL})
		benchEnvV, benchErr = &benchEnv{client: c}, err
		benchCleanup = func() { srv.Close(); _ = svc.Close(); _ = os.RemoveAll(dir) }
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchEnvV
}

var benchCleanup = func() {}
