package watch_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

// release describes one Release to create and complete, as the release
// service would: a failure names the stage that failed and its
// PipelineRun ("namespace/name").
type release struct {
	ns, name, plan string
	ok             bool
	stage          string // tenant, managed or final; "" fails without a stage
	pipelineRun    string
	minute         int
	labels         map[string]string
}

var stageFields = map[string]struct{ condition, field string }{
	"tenant":  {"TenantPipelineProcessed", "tenantProcessing"},
	"managed": {"ManagedPipelineProcessed", "managedProcessing"},
	"final":   {"FinalPipelineProcessed", "finalProcessing"},
}

func releaseCondition(typ, status, reason, message string, at time.Time) map[string]any {
	return map[string]any{"type": typ, "status": status, "reason": reason, "message": message, "lastTransitionTime": at.Format(time.RFC3339)}
}

// completeRelease creates the Release and sets its status through the
// status subresource.
func completeRelease(ctx context.Context, c client.Client, r release) error {
	at := t0.Add(time.Duration(r.minute) * time.Minute)
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(watch.ReleaseGVK)
	u.SetNamespace(r.ns)
	u.SetName(r.name)
	u.SetLabels(r.labels)
	u.Object["spec"] = map[string]any{"snapshot": "snapshot-" + r.name, "releasePlan": r.plan}
	if err := c.Create(ctx, u); err != nil {
		return err
	}
	conds := []any{releaseCondition("Validated", "True", "Succeeded", "", at.Add(-10*time.Minute))}
	status := map[string]any{"target": "managed-prod", "completionTime": at.Format(time.RFC3339)}
	if r.ok {
		conds = append(conds, releaseCondition("Released", "True", "Succeeded", "", at))
	} else {
		conds = append(conds, releaseCondition("Released", "False", "Failed", "Release processing failed", at))
		if s, ok := stageFields[r.stage]; ok {
			conds = append(conds, releaseCondition(s.condition, "False", "Failed", "Release pipeline "+r.stage+" failed: task push-images failed", at))
			if r.pipelineRun != "" {
				status[s.field] = map[string]any{"pipelineRun": r.pipelineRun}
			}
		}
	}
	status["conditions"] = conds
	u.Object["status"] = status
	return c.Status().Update(ctx, u)
}

func mustCompleteRelease(t *testing.T, r release) {
	t.Helper()
	require.NoError(t, completeRelease(context.Background(), cluster.client, r))
}

func TestReleaseWatcherFollowsAPlan(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	const ns, managed = "releases", "releases-managed"
	createNamespace(t, ns)
	createNamespace(t, managed)
	// The managed pipeline's run of the first failure, with its Tekton
	// Results log; the second failure's run is gone.
	pr := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "managed-1", Namespace: managed, Annotations: map[string]string{"results.tekton.dev/log": "https://results.example/logs/managed-1"}},
		Spec:       tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "push-to-registry"}},
	}
	require.NoError(t, cluster.client.Create(ctx, pr))
	metrics, _, stop := startWatcherOpts(t, watch.Options{Tracker: svc, Namespaces: []string{ns}, Releases: true})

	labels := map[string]string{"appstudio.openshift.io/application": "shop"}
	mustCompleteRelease(t, release{ns: ns, name: "shop-1", plan: "shop-prod", stage: "managed", pipelineRun: managed + "/managed-1", minute: 10, labels: labels})
	is := oneIssue(t, svc, ns, "the failed Release's issue", func(*kite.Issue) bool { return true })
	assert.Equal(t, "Release shop-1 of shop-prod failed in the managed pipeline", is.Title)
	assert.Equal(t, kite.Scope{ID: is.Scope.ID, ResourceType: watch.ReleaseScopeType, ResourceName: "shop-prod", ResourceNamespace: ns}, is.Scope)
	assert.Equal(t, kite.IssueTypeRelease, is.IssueType)
	assert.Equal(t, kite.SeverityCritical, is.Severity, "the built-in rule on release.appstudio.openshift.io/name")
	require.NotNil(t, is.Failure)
	assert.Equal(t, "managed", is.Failure.Task)
	assert.Equal(t, managed+"/managed-1", is.Failure.RunID)
	assert.Equal(t, "Failed", is.Failure.Reason)
	assert.Equal(t, "Release pipeline managed failed: task push-images failed", is.Failure.Message)
	assert.Equal(t, "https://results.example/logs/managed-1", is.Failure.LogURL)
	assert.Contains(t, is.Description, "PipelineRun "+managed+"/managed-1")
	assert.Contains(t, is.Description, "Application: shop")
	assert.Equal(t, "shop", is.Labels["appstudio.openshift.io/application"])
	assert.Equal(t, "shop-1", is.Labels["release.appstudio.openshift.io/name"])
	require.Len(t, is.Links, 1)
	assert.Equal(t, "https://results.example/logs/managed-1", is.Links[0].URL)
	assert.Equal(t, float64(1), testutil.ToFloat64(watch.KindWatched(metrics, watch.KindRelease)))

	// A retry fails in the tenant pipeline, whose run is gone: the link
	// comes from the template.
	mustCompleteRelease(t, release{ns: ns, name: "shop-2", plan: "shop-prod", stage: "tenant", pipelineRun: ns + "/tenant-2", minute: 20, labels: labels})
	is = oneIssue(t, svc, ns, "a second occurrence", func(is *kite.Issue) bool { return is.Occurrences == 2 })
	assert.Equal(t, "tenant", is.Failure.Task)
	assert.Equal(t, "https://console.example/ns/releases/pipelinerun/tenant-2", is.Failure.LogURL)

	// Another plan's failure is another issue; the final stage is read too.
	mustCompleteRelease(t, release{ns: ns, name: "shop-stage-1", plan: "shop-stage", stage: "final", pipelineRun: managed + "/final-1", minute: 21})
	waitFor(t, "the other plan's issue", func() error {
		if n := len(issues(t, svc, ns)); n != 2 {
			return fmt.Errorf("%w: %d issues", errNotYet, n)
		}
		return nil
	})

	// The retry succeeds: the plan's issue resolves, the other stays.
	mustCompleteRelease(t, release{ns: ns, name: "shop-3", plan: "shop-prod", ok: true, minute: 30})
	var resolved *kite.Issue
	waitFor(t, "the resolution", func() error {
		for _, i := range issues(t, svc, ns) {
			switch i.Scope.ResourceName {
			case "shop-prod":
				if i.State != kite.StateResolved {
					return errNotYet
				}
				resolved = i
			case "shop-stage":
				assert.Equal(t, kite.StateActive, i.State)
				assert.Equal(t, "final", i.Failure.Task)
				assert.Equal(t, "Release shop-stage-1 of shop-stage failed in the final pipeline", i.Title)
			}
		}
		return nil
	})
	assert.Equal(t, t0.Add(30*time.Minute), resolved.ResolvedAt.UTC())

	// A Release still in progress changes nothing.
	inProgress := release{ns: ns, name: "shop-4", plan: "shop-prod", minute: 40}
	require.NoError(t, createProgressing(inProgress))

	// A restarted watcher sees every Release again and writes nothing.
	before := map[string]uint64{}
	for _, i := range issues(t, svc, ns) {
		before[i.ID] = i.Rev
	}
	stop()
	again, _, _ := startWatcherOpts(t, watch.Options{Tracker: svc, Namespaces: []string{ns}, Releases: true})
	waitFor(t, "the restarted watcher's reconciles", func() error {
		n := testutil.ToFloat64(watch.KindReconcilesCounter(again, watch.KindRelease, "reported")) + testutil.ToFloat64(watch.KindReconcilesCounter(again, watch.KindRelease, "resolved"))
		if n < 4 {
			return fmt.Errorf("%w: %v reconciles", errNotYet, n)
		}
		return nil
	})
	assert.Equal(t, float64(3), testutil.ToFloat64(watch.KindReportsCounter(again, watch.KindRelease, kite.OutcomeDuplicate)))
	for _, i := range issues(t, svc, ns) {
		assert.Equal(t, before[i.ID], i.Rev, "nothing was written to %s", i.ID)
	}
}

// createProgressing creates a Release the release service is still
// working on.
func createProgressing(r release) error {
	at := t0.Add(time.Duration(r.minute) * time.Minute)
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(watch.ReleaseGVK)
	u.SetNamespace(r.ns)
	u.SetName(r.name)
	u.Object["spec"] = map[string]any{"snapshot": "s", "releasePlan": r.plan}
	if err := cluster.client.Create(ctx, u); err != nil {
		return err
	}
	u.Object["status"] = map[string]any{"conditions": []any{releaseCondition("Released", "False", "Progressing", "", at)}}
	return cluster.client.Status().Update(ctx, u)
}
