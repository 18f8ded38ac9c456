package watch_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
)

// timedTracker records when each scope's write returned.
type timedTracker struct {
	kite.Tracker
	mu      sync.Mutex
	written map[string]time.Time
}

func (t *timedTracker) Report(ctx context.Context, r kite.Report) (*kite.ReportResult, error) {
	res, err := t.Tracker.Report(ctx, r)
	t.mark(r.Scope.ResourceName, err)
	return res, err
}

func (t *timedTracker) ResolveScope(ctx context.Context, r kite.Resolution) (int, error) {
	n, err := t.Tracker.ResolveScope(ctx, r)
	t.mark(r.ResourceName, err)
	return n, err
}

func (t *timedTracker) mark(scope string, err error) {
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.written[scope]; !ok {
		t.written[scope] = time.Now()
	}
}

var bursts atomic.Int64

// BenchmarkCompletionBurst completes KITE_BENCH_RUNS (default 1,000)
// PipelineRuns at once, half failing, through the API server, and reports
// the time from each run's completion (its status update accepted) to its
// issue written, and reconciles per second.
func BenchmarkCompletionBurst(b *testing.B) {
	if cluster.skip != "" {
		b.Skip(cluster.skip)
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("KITE_BENCH_RUNS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		ns := fmt.Sprintf("burst-%d", bursts.Add(1))
		if err := cluster.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			b.Fatal(err)
		}
		svc := servicetest.Open(b)
		tracker := &timedTracker{Tracker: svc, written: map[string]time.Time{}}
		// Created, not yet completed: the watcher ignores them.
		runs := make([]*tektonv1.PipelineRun, n)
		for j := range runs {
			runs[j] = &tektonv1.PipelineRun{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("run-%04d", j), Namespace: ns},
				Spec:       tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: fmt.Sprintf("pipeline-%04d", j)}},
			}
			if err := cluster.client.Create(ctx, runs[j]); err != nil {
				b.Fatal(err)
			}
		}
		_, w, stop := startWatcherWith(b, tracker, ns)
		if !w.WaitSynced(ctx) {
			b.Fatal("the watcher's cache did not sync")
		}
		b.StartTimer()

		completed := make([]time.Time, n)
		start := time.Now()
		var wg sync.WaitGroup
		work := make(chan int)
		for range 8 {
			wg.Go(func() {
				for j := range work {
					pr := runs[j]
					status, reason := corev1.ConditionTrue, "Succeeded"
					if j%2 == 1 {
						status, reason = corev1.ConditionFalse, "Failed"
					}
					now := metav1.Now()
					pr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: status, Reason: reason, LastTransitionTime: apis.VolatileTime{Inner: now}}}
					pr.Status.CompletionTime = &now
					if err := cluster.client.Status().Update(ctx, pr); err != nil {
						b.Error(err)
						return
					}
					completed[j] = time.Now()
				}
			})
		}
		for j := range n {
			work <- j
		}
		close(work)
		wg.Wait()
		for {
			tracker.mu.Lock()
			done := len(tracker.written)
			tracker.mu.Unlock()
			if done == n {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		stop()
		lat := make([]time.Duration, n)
		for j := range n {
			lat[j] = tracker.written[fmt.Sprintf("pipeline-%04d", j)].Sub(completed[j])
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "ms-p50")
		b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "ms-p99")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "reconciles/s")
		b.StartTimer()
	}
}
