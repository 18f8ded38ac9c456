package watch_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

// agreed is what the built-in and the rule-driven watchers must agree on:
// an issue without its ids, revisions and times of writing.
type agreed struct {
	Namespace, Title, Description string
	Severity                      kite.Severity
	IssueType                     kite.IssueType
	ScopeType, ScopeName          string
	State                         kite.State
	Occurrences                   int64
	Labels                        map[string]string
	Links                         []string
	Failure                       kite.FailureContext
	ResolvedAt                    string
}

func agreedIssues(t *testing.T, svc *service.Service, namespaces ...string) []agreed {
	t.Helper()
	var out []agreed
	for _, ns := range namespaces {
		for _, is := range issues(t, svc, ns) {
			a := agreed{Namespace: is.Namespace, Title: is.Title, Description: is.Description, Severity: is.Severity, IssueType: is.IssueType,
				ScopeType: is.Scope.ResourceType, ScopeName: is.Scope.ResourceName, State: is.State, Occurrences: is.Occurrences, Labels: is.Labels}
			for _, l := range is.Links {
				a.Links = append(a.Links, l.Title+" "+l.URL)
			}
			if is.Failure != nil {
				a.Failure = *is.Failure
			}
			if is.ResolvedAt != nil {
				a.ResolvedAt = is.ResolvedAt.UTC().String()
			}
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+out[i].ScopeType+out[i].ScopeName < out[j].Namespace+out[j].ScopeType+out[j].ScopeName
	})
	return out
}

// TestRulesAgreeWithTheBuiltInWatchers runs the same PipelineRuns and
// Releases through the built-in watchers and through the rules of
// deploy/examples/watch-rules, each into a Kite of its own, and compares
// the issues.
func TestRulesAgreeWithTheBuiltInWatchers(t *testing.T) {
	needCluster(t)
	const ns, team, mm, managed = "agree", "agree-team", "mintmaker", "agree-managed"
	for _, n := range []string{ns, team, mm, managed} {
		err := cluster.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}})
		if !apierrors.IsAlreadyExists(err) {
			require.NoError(t, err)
		}
	}
	watched := []string{ns, team, mm}
	builtIn, byRules := servicetest.Open(t), servicetest.Open(t)
	startWatcherOpts(t, watch.Options{Tracker: builtIn, Namespaces: watched, Releases: true,
		Mapper: watch.Mapper{MintMakerNamespaces: []string{mm}}})
	for _, f := range []string{"pipelineruns.yaml", "releases.yaml"} {
		rules, err := watch.LoadRules(filepath.Join("..", "deploy", "examples", "watch-rules", f), testLogURL)
		require.NoError(t, err, f)
		require.True(t, rules.Len() > 0)
		startWatcherOpts(t, watch.Options{Tracker: byRules, Namespaces: watched, Rules: rules, Releases: true,
			Mapper: watch.Mapper{MintMakerNamespaces: []string{mm}}})
	}

	push := map[string]string{"appstudio.openshift.io/application": "shop", "appstudio.openshift.io/component": "cart",
		"pipelinesascode.tekton.dev/event-type": "push"}
	pr := map[string]string{"appstudio.openshift.io/component": "cart", "pipelinesascode.tekton.dev/event-type": "pull_request",
		"pipelinesascode.tekton.dev/pull-request": "42"}
	for _, r := range []run{
		// Named by the component and event (no pipelineRef): fails twice, then passes.
		{ns: ns, name: "cart-push-1", minute: 1, labels: push},
		{ns: ns, name: "cart-pr-1", minute: 4, labels: pr},
		{ns: ns, name: "deploy-1", pipeline: "deploy", minute: 5, labels: map[string]string{"pipelines.appstudio.openshift.io/type": "release"}},
		{ns: ns, name: "e2e-1", minute: 6, labels: map[string]string{"pipelinesascode.tekton.dev/original-prname": "e2e", "test.appstudio.openshift.io/scenario": "smoke"}},
		{ns: mm, name: "renovate-x1", minute: 7, labels: map[string]string{"mintmaker.appstudio.redhat.com/component": "cart",
			"mintmaker.appstudio.redhat.com/namespace": team, "mintmaker.appstudio.redhat.com/application": "shop"}},
	} {
		mustComplete(t, r)
	}
	stageRun := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "managed-9", Namespace: managed, Annotations: map[string]string{"results.tekton.dev/log": "https://results.example/managed-9"}},
		Spec:       tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "push"}},
	}
	require.NoError(t, cluster.client.Create(ctx, stageRun))
	for _, r := range []release{
		{ns: ns, name: "shop-1", plan: "shop-prod", stage: "managed", pipelineRun: managed + "/managed-9", minute: 10, labels: map[string]string{"appstudio.openshift.io/application": "shop"}},
		{ns: ns, name: "shop-3", plan: "shop-stage", stage: "tenant", pipelineRun: ns + "/tenant-gone", minute: 12},
		{ns: ns, name: "shop-4", plan: "shop-dev", minute: 13},
	} {
		mustCompleteRelease(t, r)
	}

	// Both Kites have every failure before the successes come, so that
	// neither sees a success first (workers run concurrently, and older
	// failures would then be stale).
	count := func(svc *service.Service, n, resolved int) func() error {
		return func() error {
			got := agreedIssues(t, svc, ns, team)
			r := 0
			for _, a := range got {
				if a.State == kite.StateResolved {
					r++
				}
			}
			if len(got) != n || r != resolved {
				return fmt.Errorf("%w: %d issues, %d resolved", errNotYet, len(got), r)
			}
			return nil
		}
	}
	waitFor(t, "the built-in watchers' issues", count(builtIn, 8, 0))
	waitFor(t, "the rules' issues", count(byRules, 8, 0))
	// Which failure's description an issue keeps depends on the order of
	// writes: a second failure waits for the first in both.
	mustComplete(t, run{ns: ns, name: "cart-push-2", minute: 2, labels: push})
	for _, svc := range []*service.Service{builtIn, byRules} {
		waitFor(t, "the second failure", func() error {
			for _, a := range agreedIssues(t, svc, ns) {
				if a.ScopeName == "cart-on-push" && a.Occurrences == 2 {
					return nil
				}
			}
			return errNotYet
		})
	}
	mustComplete(t, run{ns: ns, name: "cart-push-3", ok: true, minute: 3, labels: push})
	mustCompleteRelease(t, release{ns: ns, name: "shop-2", plan: "shop-prod", ok: true, minute: 11})
	waitFor(t, "the built-in watchers' resolutions", count(builtIn, 8, 2))
	waitFor(t, "the rules' resolutions", count(byRules, 8, 2))
	require.Equal(t, agreedIssues(t, builtIn, ns, team), agreedIssues(t, byRules, ns, team))
}
