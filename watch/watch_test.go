package watch_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

var ctx = context.Background()

// issues lists a namespace's issues from the store.
func issues(t *testing.T, svc *service.Service, ns string) []*kite.Issue {
	t.Helper()
	list, err := svc.ListIssues(ctx, kite.IssueFilter{Namespace: ns, Limit: kite.MaxLimit})
	require.NoError(t, err)
	return list.Issues
}

// oneIssue waits until the namespace has exactly one issue that passes
// check, and returns it.
func oneIssue(t *testing.T, svc *service.Service, ns, what string, check func(*kite.Issue) bool) *kite.Issue {
	t.Helper()
	var got *kite.Issue
	waitFor(t, what, func() error {
		list := issues(t, svc, ns)
		if len(list) != 1 || !check(list[0]) {
			return fmt.Errorf("%w: %d issue(s)", errNotYet, len(list))
		}
		got = list[0]
		return nil
	})
	return got
}

func TestWatcherFollowsAPipelineThroughFailuresAndSuccess(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	const ns = "lifecycle"
	createNamespace(t, ns)
	metrics, stop := startWatcher(t, svc, ns)

	labels := map[string]string{"appstudio.openshift.io/component": "frontend", "pipelinesascode.tekton.dev/event-type": "push"}
	mustComplete(t, run{ns: ns, name: "build-1", pipeline: "docker-build", minute: 10, labels: labels})
	is := oneIssue(t, svc, ns, "the failure's issue", func(is *kite.Issue) bool { return true })
	assert.Equal(t, kite.StateActive, is.State)
	assert.Equal(t, kite.Scope{ID: is.Scope.ID, ResourceType: watch.ScopeType, ResourceName: "docker-build", ResourceNamespace: ns}, is.Scope)
	assert.Equal(t, kite.SeverityMajor, is.Severity)
	assert.Equal(t, kite.IssueTypeBuild, is.IssueType)
	require.NotNil(t, is.Failure)
	assert.Equal(t, "build-container", is.Failure.Task)
	assert.Equal(t, "build", is.Failure.Step)
	assert.Equal(t, 2, *is.Failure.ExitCode)
	assert.Equal(t, "Failed", is.Failure.Reason)
	assert.Equal(t, "https://console.example/ns/lifecycle/pipelinerun/build-1", is.Failure.LogURL)
	assert.Equal(t, "frontend", is.Labels["appstudio.openshift.io/component"])
	assert.Equal(t, int64(1), is.Occurrences)
	waitFor(t, "the IssueOpened event on the run", func() error {
		var list eventsv1.EventList
		if err := cluster.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range list.Items {
			if e.Regarding.Name == "build-1" && e.Reason == "IssueOpened" && strings.Contains(e.Note, is.ID) {
				return nil
			}
		}
		return fmt.Errorf("%w: %d events", errNotYet, len(list.Items))
	})

	// A rerun fails too: the same issue, a second occurrence.
	mustComplete(t, run{ns: ns, name: "build-2", pipeline: "docker-build", minute: 20, labels: labels})
	oneIssue(t, svc, ns, "a second occurrence", func(is *kite.Issue) bool { return is.Occurrences == 2 })

	// The pipeline passes: resolved.
	mustComplete(t, run{ns: ns, name: "build-3", pipeline: "docker-build", ok: true, minute: 30, labels: labels})
	resolved := oneIssue(t, svc, ns, "the resolution", func(is *kite.Issue) bool { return is.State == kite.StateResolved })
	assert.Equal(t, is.ID, resolved.ID)

	// An older run that finishes late changes nothing.
	mustComplete(t, run{ns: ns, name: "build-late", pipeline: "docker-build", minute: 25, labels: labels})
	waitFor(t, "the late run's reconcile", func() error {
		if testutil.ToFloat64(watch.ReportsCounter(metrics, kite.OutcomeStale)) < 1 {
			return errNotYet
		}
		return nil
	})
	after := issues(t, svc, ns)
	require.Len(t, after, 1)
	assert.Equal(t, kite.StateResolved, after[0].State)
	assert.Equal(t, int64(2), after[0].Occurrences)

	// A restarted watcher sees every run again and changes nothing.
	stop()
	again, _ := startWatcher(t, svc, ns)
	waitFor(t, "the restarted watcher's reconciles", func() error {
		if n := testutil.ToFloat64(watch.ReconcilesCounter(again, "reported")) + testutil.ToFloat64(watch.ReconcilesCounter(again, "resolved")); n < 4 {
			return fmt.Errorf("%w: %v reconciles", errNotYet, n)
		}
		return nil
	})
	final := issues(t, svc, ns)
	require.Len(t, final, 1)
	assert.Equal(t, resolved.Rev, final[0].Rev, "nothing was written")
}

func TestWatcherManyRunsAcrossNamespaces(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	const namespaces, pipelines = 20, 25 // 500 runs
	var nsNames []string
	for i := range namespaces {
		nsNames = append(nsNames, fmt.Sprintf("many-%02d", i))
		createNamespace(t, nsNames[i])
	}
	metrics, _ := startWatcher(t, svc, nsNames...)

	// Pipeline j of namespace i fails unless (i+j)%3 == 0; every fifth
	// failing pipeline gets a second, failing run, every seventh a later
	// success. Expected: one ACTIVE issue per pipeline whose newest run
	// failed, counting its failed runs; none for the others (a pipeline
	// whose success was reconciled before its failures may have no issue
	// at all rather than a resolved one: workers run concurrently, and the
	// older failures are then stale).
	expected := map[string]map[string]int64{}
	runs := 0
	for i, ns := range nsNames {
		expected[ns] = map[string]int64{}
		for j := range pipelines {
			p := fmt.Sprintf("pipeline-%02d", j)
			ok := (i+j)%3 == 0
			mustComplete(t, run{ns: ns, name: p + "-a", pipeline: p, ok: ok, minute: 1})
			runs++
			if ok {
				continue
			}
			occurrences := int64(1)
			if j%5 == 0 {
				mustComplete(t, run{ns: ns, name: p + "-b", pipeline: p, minute: 2})
				runs++
				occurrences = 2
			}
			if j%7 == 0 {
				mustComplete(t, run{ns: ns, name: p + "-c", pipeline: p, ok: true, minute: 3})
				runs++
				continue
			}
			expected[ns][p] = occurrences
		}
	}
	waitFor(t, "every run's reconcile", func() error {
		n := testutil.ToFloat64(watch.ReconcilesCounter(metrics, "reported")) + testutil.ToFloat64(watch.ReconcilesCounter(metrics, "resolved"))
		if int(n) < runs {
			return fmt.Errorf("%w: %v of %d", errNotYet, n, runs)
		}
		return nil
	})
	active := 0
	for _, ns := range nsNames {
		got := map[string]int64{}
		for _, is := range issues(t, svc, ns) {
			if is.State == kite.StateActive {
				got[is.Scope.ResourceName] = is.Occurrences
				active++
			}
		}
		assert.Equal(t, expected[ns], got, ns)
	}
	t.Logf("%d runs, %d active issues", runs, active)
}
