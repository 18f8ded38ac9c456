package watch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/konflux-ci/kite"
)

func TestScopeName(t *testing.T) {
	cases := []struct {
		name string
		pr   func() *tektonv1.PipelineRun
		want string
	}{
		{"pipelineRef", func() *tektonv1.PipelineRun {
			pr := konfluxRun("frontend-on-push-x7k2p")
			pr.Spec = tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "docker-build"}}
			return pr
		}, "docker-build"},
		{"tekton pipeline label", func() *tektonv1.PipelineRun {
			pr := konfluxRun("frontend-on-push-x7k2p")
			pr.Labels[labelTektonPipeline] = "docker-build-oci-ta"
			return pr
		}, "docker-build-oci-ta"},
		{"embedded spec: PaC original name, not the run's own", func() *tektonv1.PipelineRun {
			return konfluxRun("frontend-on-push-x7k2p")
		}, "frontend-on-push"},
		{"component and event", func() *tektonv1.PipelineRun {
			pr := konfluxRun("frontend-on-pull-request-abcde")
			delete(pr.Labels, labelOriginalName)
			pr.Labels[labelEventType] = "pull_request"
			return pr
		}, "frontend-on-pull-request"},
		{"generateName", func() *tektonv1.PipelineRun {
			return &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "nightly-e2e-q8z", GenerateName: "nightly-e2e-"}}
		}, "nightly-e2e"},
		{"nothing better than the name", func() *tektonv1.PipelineRun {
			return &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "one-off"}}
		}, "one-off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, scopeName(c.pr())) })
	}
}

func TestCompletion(t *testing.T) {
	_, done := completion(konfluxRun("r"))
	assert.False(t, done, "no condition yet")
	_, done = completion(finish(konfluxRun("r"), corev1.ConditionUnknown, "Running", "", 1))
	assert.False(t, done, "still running")

	o, done := completion(finish(konfluxRun("r"), corev1.ConditionFalse, "PipelineRunTimeout", "timed out after 1h", 5))
	require.True(t, done)
	assert.False(t, o.succeeded)
	assert.Equal(t, "PipelineRunTimeout", o.reason)
	assert.Equal(t, t0.Add(5*60e9), o.completed)

	o, done = completion(finish(konfluxRun("r"), corev1.ConditionTrue, "Succeeded", "", 7))
	require.True(t, done)
	assert.True(t, o.succeeded)
}

func TestSeverityRules(t *testing.T) {
	rules := DefaultSeverityRules()
	cases := []struct {
		labels map[string]string
		want   kite.Severity
	}{
		{map[string]string{labelRelease: "shop-1.2"}, kite.SeverityCritical},
		{map[string]string{labelPipelineType: "release"}, kite.SeverityCritical},
		{map[string]string{labelEventType: "push"}, kite.SeverityMajor},
		{map[string]string{labelEventType: "pull_request"}, kite.SeverityMinor},
		{map[string]string{}, kite.SeverityMajor},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, rules.severityOf(c.labels), "%v", c.labels)
	}
}

func TestLoadSeverityRules(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "rules.yaml")
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	r, err := LoadSeverityRules(write("rules:\n- label: team\n  value: payments\n  severity: medium\ndefault: minor\n"))
	require.NoError(t, err)
	assert.Equal(t, kite.SeverityMajor, r.severityOf(map[string]string{"team": "payments"}), "medium is an alias of major")
	assert.Equal(t, kite.SeverityMinor, r.severityOf(nil))

	_, err = LoadSeverityRules(write("rules:\n- label: team\n  severity: urgent\n"))
	assert.Equal(t, "rules[0].severity", kite.ErrorField(err))
	_, err = LoadSeverityRules(write("rules:\n- severity: major\n"))
	assert.Equal(t, "rules[0].label", kite.ErrorField(err))
	_, err = LoadSeverityRules(write("rulez: []\n"))
	assert.ErrorContains(t, err, "rulez", "unknown keys are refused")
}

func TestReportOfAFailedRun(t *testing.T) {
	pr := finish(konfluxRun("frontend-on-push-x7k2p"), corev1.ConditionFalse, "Failed", "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 2", 12)
	code := 137
	tf, ok := taskFailure("build-container", failedTaskRun("frontend-on-push-x7k2p-build-container",
		step("step-prepare", 0, "Completed"), step("step-build", 137, "OOMKilled"), step("step-push", 1, "Error")))
	require.True(t, ok)
	assert.Equal(t, TaskFailure{PipelineTask: "build-container", TaskRun: "frontend-on-push-x7k2p-build-container",
		Reason: "OOMKilled", Message: `"step-build" exited with code 1`, Step: "step-build", ExitCode: &code}, tf)

	m := Mapper{Severity: DefaultSeverityRules(), LogURLTemplate: "https://console.example/ns/{namespace}/pipelinerun/{name}"}
	o, _ := completion(pr)
	r := m.Report(pr, o, []TaskFailure{tf})
	require.NoError(t, r.Normalize(), "the report is valid as it is")
	assert.Equal(t, "team-a", r.Namespace)
	assert.Equal(t, kite.Scope{ResourceType: ScopeType, ResourceName: "frontend-on-push", ResourceNamespace: "team-a"}, r.Scope)
	assert.Equal(t, "Pipeline frontend-on-push failed: task build-container, step step-build", r.Title)
	assert.Equal(t, kite.SeverityMajor, r.Severity, "a push build")
	assert.Equal(t, kite.IssueTypeBuild, r.IssueType)
	assert.Equal(t, &kite.Run{ID: "uid-frontend-on-push-x7k2p", CompletedAt: t0.Add(12 * 60e9)}, r.Run)
	assert.Equal(t, "https://console.example/ns/team-a/pipelinerun/frontend-on-push-x7k2p", r.Failure.LogURL)
	assert.Equal(t, []kite.Link{{Title: "PipelineRun logs", URL: r.Failure.LogURL}}, r.Links)
	assert.Equal(t, kite.FailureContext{Reason: "OOMKilled", Task: "build-container", Step: "step-build", ExitCode: &code,
		Message: `"step-build" exited with code 1`, LogURL: r.Failure.LogURL, RunID: "frontend-on-push-x7k2p"}, *r.Failure)
	assert.Equal(t, map[string]string{labelLastRun: "frontend-on-push-x7k2p", labelApplication: "shop", labelComponent: "frontend", labelEventType: "push"}, r.Labels)
	for _, want := range []string{"frontend-on-push-x7k2p", "Task build-container", "step step-build exited with code 137", "Application: shop", "Component: frontend", "Logs: https://console.example/"} {
		assert.Contains(t, r.Description, want)
	}
}

func TestReportTitlesAndLogLinks(t *testing.T) {
	m := Mapper{Severity: DefaultSeverityRules()}
	cancelled := finish(konfluxRun("r1"), corev1.ConditionFalse, "Cancelled", "cancelled by user", 1)
	o, _ := completion(cancelled)
	r := m.Report(cancelled, o, nil)
	assert.Equal(t, "Pipeline frontend-on-push was cancelled", r.Title)
	assert.Equal(t, "Cancelled", r.Failure.Reason)
	assert.Empty(t, r.Links, "no Results annotation and no template: no link")

	timedOut := finish(konfluxRun("r2"), corev1.ConditionFalse, "PipelineRunTimeout", "", 1)
	timedOut.Annotations = map[string]string{annotationResultsLog: "https://results.example/log/r2"}
	o, _ = completion(timedOut)
	r = m.Report(timedOut, o, nil)
	assert.Equal(t, "Pipeline frontend-on-push timed out", r.Title)
	assert.Equal(t, "https://results.example/log/r2", r.Failure.LogURL)

	pr := finish(konfluxRun("r3"), corev1.ConditionFalse, "Failed", "", 1)
	pr.Labels[labelEventType] = "pull_request"
	tf := TaskFailure{PipelineTask: "unit-tests", LogURL: "https://results.example/log/r3-unit"}
	o, _ = completion(pr)
	r = m.Report(pr, o, []TaskFailure{tf})
	assert.Equal(t, kite.SeverityMinor, r.Severity)
	assert.Equal(t, "Pipeline frontend-on-push failed: task unit-tests", r.Title)
	assert.Equal(t, "https://results.example/log/r3-unit", r.Failure.LogURL, "the failed task's own log first")
}

func TestTaskFailureIgnoresSucceededTaskRuns(t *testing.T) {
	tr := failedTaskRun("ok")
	tr.Status.Conditions[0].Status = corev1.ConditionTrue
	_, ok := taskFailure("lint", tr)
	assert.False(t, ok)
}

func TestResolutionOfASucceededRun(t *testing.T) {
	pr := finish(konfluxRun("frontend-on-push-ok"), corev1.ConditionTrue, "Succeeded", "", 20)
	o, _ := completion(pr)
	res := Mapper{}.Resolution(pr, o)
	require.NoError(t, res.Normalize())
	assert.Equal(t, kite.Resolution{Namespace: "team-a", ResourceType: ScopeType, ResourceName: "frontend-on-push",
		At: t0.Add(20 * 60e9), Actor: kite.ActorWatcher, Run: &kite.Run{ID: "uid-frontend-on-push-ok", CompletedAt: t0.Add(20 * 60e9)}}, res)
}

// TestDependencyUpdatesOnlyInMintMakerNamespaces: MintMaker's labels on a
// run elsewhere, or with no MintMaker namespace configured, leave it a
// pipeline run.
func TestDependencyUpdatesOnlyInMintMakerNamespaces(t *testing.T) {
	pr := finish(konfluxRun("renovate-1"), corev1.ConditionFalse, "Failed", "", 1)
	pr.Namespace = "mintmaker"
	pr.Labels[labelMintMakerComponent] = "frontend"
	pr.Labels[labelMintMakerNamespace] = "team-a"
	o, _ := completion(pr)

	on := Mapper{Severity: DefaultSeverityRules(), MintMakerNamespaces: []string{"mintmaker"}}
	r := on.Report(pr, o, nil)
	assert.Equal(t, kite.IssueTypeDependency, r.IssueType)
	assert.Equal(t, "team-a", r.Namespace)
	assert.Equal(t, kite.Scope{ResourceType: MintMakerScopeType, ResourceName: "frontend", ResourceNamespace: "team-a"}, r.Scope)
	assert.Equal(t, "Dependency update of frontend failed", r.Title)
	res := on.Resolution(pr, o)
	assert.Equal(t, [3]string{"team-a", MintMakerScopeType, "frontend"}, [3]string{res.Namespace, res.ResourceType, res.ResourceName})

	for _, m := range []Mapper{{Severity: DefaultSeverityRules()}, {Severity: DefaultSeverityRules(), MintMakerNamespaces: []string{"elsewhere"}}} {
		r := m.Report(pr, o, nil)
		assert.Equal(t, ScopeType, r.Scope.ResourceType)
		assert.Equal(t, "mintmaker", r.Namespace)
	}
}
