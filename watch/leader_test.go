package watch_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

// TestLeaderElectionOneWriterAtATime runs two replicas of the watcher: one
// leads and writes, the other waits; when the leader stops, the other
// takes over.
func TestLeaderElectionOneWriterAtATime(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	const ns, relNS, leaseNS = "elected", "elected-releases", "kite-lease"
	createNamespace(t, ns)
	createNamespace(t, relNS)
	createNamespace(t, leaseNS)
	type replica struct {
		w       *watch.Watcher
		metrics *watch.Metrics
		stop    func() error
	}
	start := func() *replica {
		m, err := watch.NewMetrics(nil)
		require.NoError(t, err)
		w, err := watch.New(watch.Options{
			Config: cluster.cfg, Tracker: svc, Namespaces: []string{ns, relNS}, Metrics: m, Releases: true,
			LeaderElection: true, LeaderElectionNamespace: leaseNS, Logger: slog.New(slog.DiscardHandler),
		})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		var once sync.Once
		var err2 error
		r := &replica{w: w, metrics: m, stop: func() error {
			once.Do(func() { cancel(); err2 = <-done })
			return err2
		}}
		t.Cleanup(func() { assert.NoError(t, r.stop()) })
		return r
	}
	a := start()
	waitFor(t, "the first replica to lead", func() error {
		if s, _ := a.w.State(); s != watch.StateLeading {
			return fmt.Errorf("%w: %s", errNotYet, s)
		}
		return nil
	})
	b := start()
	mustComplete(t, run{ns: ns, name: "first", pipeline: "p", minute: 1})
	oneIssue(t, svc, ns, "the leader's report", func(*kite.Issue) bool { return true })
	state, _ := b.w.State()
	assert.Equal(t, watch.StateStandby, state)
	assert.Zero(t, testutil.ToFloat64(watch.ReconcilesCounter(b.metrics, "reported")), "the standby does not write")
	// Releases too: only the leader watches them.
	mustCompleteRelease(t, release{ns: relNS, name: "rel-1", plan: "plan", stage: "tenant", minute: 1})
	oneIssue(t, svc, relNS, "the leader's Release report", func(*kite.Issue) bool { return true })
	assert.Zero(t, testutil.ToFloat64(watch.KindWatched(b.metrics, watch.KindRelease)), "the standby does not watch Releases")
	assert.Zero(t, testutil.ToFloat64(watch.KindReconcilesCounter(b.metrics, watch.KindRelease, "reported")))

	// The leader stops and gives up the lease: the standby takes over.
	require.NoError(t, a.stop())
	waitFor(t, "the second replica to lead", func() error {
		if s, _ := b.w.State(); s != watch.StateLeading {
			return fmt.Errorf("%w: %s", errNotYet, s)
		}
		return nil
	})
	mustComplete(t, run{ns: ns, name: "second", pipeline: "p", minute: 2})
	oneIssue(t, svc, ns, "the new leader's report", func(is *kite.Issue) bool { return is.Occurrences == 2 })
	mustCompleteRelease(t, release{ns: relNS, name: "rel-2", plan: "plan", ok: true, minute: 2})
	oneIssue(t, svc, relNS, "the new leader's Release resolution", func(is *kite.Issue) bool { return is.State == kite.StateResolved })
}
