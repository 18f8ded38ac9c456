package store_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// benchIssues is the store size the benchmarks run against
// (KITE_BENCH_ISSUES, default 100,000).
func benchIssues() int {
	if n, err := strconv.Atoi(os.Getenv("KITE_BENCH_ISSUES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

var (
	seedOnce  sync.Once
	seedDir   string
	seeded    *store.Store
	seededIDs []string
	seedErr   error
)

// TestMain removes the shared benchmark store, which outlives any one
// benchmark and so any one b.TempDir.
func TestMain(m *testing.M) {
	code := m.Run()
	if seeded != nil {
		_ = seeded.Close()
	}
	if seedDir != "" {
		_ = os.RemoveAll(seedDir)
	}
	os.Exit(code)
}

// seededStore fills one store per test binary run with benchIssues issues
// over ten namespaces, written by 64 concurrent reporters the way a webhook
// burst arrives, and shares it between benchmarks.
func seededStore(b *testing.B) (*store.Store, []string) {
	b.Helper()
	seedOnce.Do(func() {
		seedDir, seedErr = os.MkdirTemp("", "kite-bench-")
		if seedErr != nil {
			return
		}
		seeded, seedErr = store.Open(store.Options{Dir: seedDir})
		if seedErr != nil {
			return
		}
		n := benchIssues()
		seededIDs = make([]string, n)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= n || seedErr != nil {
						return
					}
					res, err := seeded.Report(ctx, benchReport(i, fmt.Sprintf("seed-%d", i)))
					if err != nil {
						seedErr = err
						return
					}
					seededIDs[i] = res.Issue.ID
				}
			})
		}
		wg.Wait()
	})
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	return seeded, seededIDs
}

func benchReport(i int, pipeline string) kite.Report {
	r := failure(fmt.Sprintf("bench-%d", i%10), pipeline)
	r.Severity = kite.Severities[(i/10)%4]
	return r
}

func BenchmarkReportNewScope(b *testing.B) {
	s, _ := seededStore(b)
	reportNewScopes(b, s)
}

// reportNewScopes reports b.N failures of new scopes from 16 writers per
// core, timing only them. Besides the wall time, which the disk's fsync
// rules, it reports the process's CPU time per report (cpu-ns/op), which
// is what Kite's own work costs.
func reportNewScopes(b *testing.B, s *store.Store) {
	var n atomic.Int64
	b.SetParallelism(16) // 16 × GOMAXPROCS concurrent writers
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			if _, err := s.Report(ctx, benchReport(i, fmt.Sprintf("new-%d-%d", b.N, i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkGetIssue(b *testing.B) {
	s, ids := seededStore(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.GetIssue(ctx, ids[(i*7919)%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListNamespaceSeverityState(b *testing.B) {
	s, _ := seededStore(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		f := kite.IssueFilter{Namespace: fmt.Sprintf("bench-%d", i%10), Severity: kite.Severities[i%4], State: kite.StateActive, Limit: 50}
		if _, err := s.ListIssues(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListNamespace(b *testing.B) {
	s, _ := seededStore(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: fmt.Sprintf("bench-%d", i%10), Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListSubstringSearch measures the interim substring search, which
// reads every record of the namespace.
func BenchmarkListSubstringSearch(b *testing.B) {
	s, _ := seededStore(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.ListIssues(ctx, kite.IssueFilter{Namespace: fmt.Sprintf("bench-%d", i%10), Search: "seed-42", Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportWithSilences is new-scope ingest with no silence and with
// 100 active silences over every namespace written to (each report is
// tested against all of them; none matches, the common case).
func BenchmarkReportWithSilences(b *testing.B) {
	for _, silences := range []int{0, 100} {
		b.Run(fmt.Sprintf("silences=%d", silences), func(b *testing.B) {
			s, err := store.Open(store.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			namespaces := make([]string, 10)
			for i := range namespaces {
				namespaces[i] = fmt.Sprintf("bench-%d", i)
			}
			for i := range silences {
				_, err := s.CreateSilence(ctx, kite.SilenceRequest{
					Namespaces: namespaces, Query: fmt.Sprintf("reason:flaky%d scope:component-%d", i, i),
					EndsAt: time.Now().Add(time.Hour), Comment: "bench",
				}, "bench")
				if err != nil {
					b.Fatal(err)
				}
			}
			reportNewScopes(b, s)
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReportWithSubscriptions measures what webhook subscriptions
// cost ingest: none, ten that match no report (a query test each), and
// ten that match every report (ten outbox entries written per report).
func BenchmarkReportWithSubscriptions(b *testing.B) {
	for _, c := range []struct {
		name  string
		n     int
		query string
	}{{"none", 0, ""}, {"10-unmatched", 10, "reason:never-this"}, {"10-matched", 10, ""}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := store.Open(store.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			for i := range c.n {
				if _, err := s.CreateSubscription(ctx, kite.SubscriptionRequest{Name: fmt.Sprintf("s%d", i), URL: "https://hooks.example/kite",
					Query: c.query}, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			reportNewScopes(b, s)
		})
	}
}

// BenchmarkRawGroupCommit is this machine's storage ceiling for Kite's
// kind of write, without Kite: 32 writers, each write a ~1 KB record and
// three index keys, grouped into commits by bbolt's own Batch (one fsync
// per commit). Ingest through HTTP is measured against it (docs).
func BenchmarkRawGroupCommit(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	buckets := [][]byte{[]byte("records"), []byte("by_ns"), []byte("by_scope"), []byte("fp")}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	db.MaxBatchDelay = time.Millisecond
	record := bytes.Repeat([]byte("x"), 1024)
	var n atomic.Int64
	b.SetParallelism(16) // 32 writers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id, err := uuid.NewV7()
			if err != nil {
				b.Error(err)
				return
			}
			i := n.Add(1)
			err = db.Batch(func(tx *bolt.Tx) error {
				if err := tx.Bucket(buckets[0]).Put(id[:], record); err != nil {
					return err
				}
				for j, name := range buckets[1:] {
					k := fmt.Appendf(nil, "bench-%d\x00%d\x00%x", i%10, j, id[:])
					if err := tx.Bucket(name).Put(k, nil); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
