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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
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

func (t *timedTracker) seen(scope string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.written[scope]
	return ok
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
	burst(b, envInt("KITE_BENCH_RUNS", 1000), 0)
}

// BenchmarkCompletionBurstWithReleases is the same burst with
// KITE_BENCH_RELEASES (default 250) Releases of as many plans completed
// among the runs, half failing in their managed pipeline, and reports the
// Releases' latency apart too.
func BenchmarkCompletionBurstWithReleases(b *testing.B) {
	burst(b, envInt("KITE_BENCH_RUNS", 1000), envInt("KITE_BENCH_RELEASES", 250))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func burst(b *testing.B, n, releases int) {
	if cluster.skip != "" {
		b.Skip(cluster.skip)
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
		rels := make([]*unstructured.Unstructured, releases)
		for j := range rels {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(watch.ReleaseGVK)
			u.SetNamespace(ns)
			u.SetName(fmt.Sprintf("release-%04d", j))
			u.Object["spec"] = map[string]any{"snapshot": "snapshot", "releasePlan": fmt.Sprintf("plan-%04d", j)}
			if err := cluster.client.Create(ctx, u); err != nil {
				b.Fatal(err)
			}
			rels[j] = u
		}
		_, w, stop := startWatcherOpts(b, watch.Options{Tracker: tracker, Namespaces: []string{ns}, Releases: releases > 0})
		if !w.WaitSynced(ctx) {
			b.Fatal("the watcher's cache did not sync")
		}
		if releases > 0 {
			// The Release watch has a cache of its own: one Release
			// through it says it is up.
			probe := release{ns: ns, name: "probe", plan: "probe", ok: true}
			if err := completeRelease(ctx, cluster.client, probe); err != nil {
				b.Fatal(err)
			}
			for !tracker.seen("probe") {
				time.Sleep(5 * time.Millisecond)
			}
		}
		b.StartTimer()

		completed := make([]time.Time, n+releases)
		start := time.Now()
		var wg sync.WaitGroup
		work := make(chan int)
		for range 8 {
			wg.Go(func() {
				for j := range work {
					if err := completeOne(ctx, j, runs, rels); err != nil {
						b.Error(err)
						return
					}
					completed[j] = time.Now()
				}
			})
		}
		for _, j := range interleaved(n, releases) {
			work <- j
		}
		close(work)
		wg.Wait()
		want := n + releases
		if releases > 0 {
			want++ // the probe
		}
		for {
			tracker.mu.Lock()
			done := len(tracker.written)
			tracker.mu.Unlock()
			if done == want {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		stop()
		lat := make([]time.Duration, 0, n+releases)
		var relLat []time.Duration
		for j := range n {
			lat = append(lat, tracker.written[fmt.Sprintf("pipeline-%04d", j)].Sub(completed[j]))
		}
		for j := range releases {
			d := tracker.written[fmt.Sprintf("plan-%04d", j)].Sub(completed[n+j])
			lat = append(lat, d)
			relLat = append(relLat, d)
		}
		reportLatency(b, "", lat)
		if releases > 0 {
			reportLatency(b, "release-", relLat)
		}
		b.ReportMetric(float64(n+releases)/elapsed.Seconds(), "reconciles/s")
		b.StartTimer()
	}
}

// interleaved is the order of completion: the n runs, with Release i
// (numbered n+i) among them at even intervals.
func interleaved(n, releases int) []int {
	out := make([]int, 0, n+releases)
	r := 0
	for j := range n {
		out = append(out, j)
		if r < releases && (j+1)*releases >= (r+1)*n {
			out = append(out, n+r)
			r++
		}
	}
	for ; r < releases; r++ {
		out = append(out, n+r)
	}
	return out
}

// completeOne completes run j, or Release j-len(runs), half of them
// failing, as Tekton and the release service would.
func completeOne(ctx context.Context, j int, runs []*tektonv1.PipelineRun, rels []*unstructured.Unstructured) error {
	if j < len(runs) {
		pr := runs[j]
		status, reason := corev1.ConditionTrue, "Succeeded"
		if j%2 == 1 {
			status, reason = corev1.ConditionFalse, "Failed"
		}
		now := metav1.Now()
		pr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: status, Reason: reason, LastTransitionTime: apis.VolatileTime{Inner: now}}}
		pr.Status.CompletionTime = &now
		return cluster.client.Status().Update(ctx, pr)
	}
	r := j - len(runs)
	u := rels[r]
	now := time.Now().UTC()
	conds := []any{releaseCondition("Released", "True", "Succeeded", "", now)}
	status := map[string]any{"completionTime": now.Format(time.RFC3339)}
	if r%2 == 1 {
		conds = []any{
			releaseCondition("Released", "False", "Failed", "Release processing failed", now),
			releaseCondition("ManagedPipelineProcessed", "False", "Failed", "task push-images failed", now),
		}
		status["managedProcessing"] = map[string]any{"pipelineRun": "managed/push-" + strconv.Itoa(r)}
	}
	status["conditions"] = conds
	u.Object["status"] = status
	return cluster.client.Status().Update(ctx, u)
}

func reportLatency(b *testing.B, prefix string, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, prefix+"ms-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, prefix+"ms-p99")
}
