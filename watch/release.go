package watch

import (
	"context"
	"fmt"
	"strings"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/konflux-ci/kite"
)

// ReleaseGVK is the Konflux release service's Release, read as
// unstructured so that Kite needs none of that service's Go modules.
var ReleaseGVK = schema.GroupVersionKind{Group: "appstudio.redhat.com", Version: "v1alpha1", Kind: "Release"}

// ReleaseScopeType is the scope resource type of Release issues: one issue
// per ReleasePlan, because a plan is what a next Release retries. An
// application may have several plans (staging, production), and the
// success of one says nothing of another.
const ReleaseScopeType = "releaseplan"

// The Release conditions and reasons Kite reads (release service,
// api/v1alpha1/release_conditions.go).
const (
	conditionReleased  = "Released"
	conditionValidated = "Validated"
	reasonProgressing  = "Progressing"
	reasonFailed       = "Failed"
)

// releaseStage is one pipeline a Release runs: its condition, and the
// status field naming its PipelineRun ("namespace/name").
type releaseStage struct {
	name      string
	condition string
	field     []string
}

// releaseStages in the order a Release runs them.
var releaseStages = []releaseStage{
	{"tenant collectors", "TenantCollectorsPipelineProcessed", []string{"status", "collectorsProcessing", "tenantCollectorsProcessing", "pipelineRun"}},
	{"managed collectors", "ManagedCollectorsPipelineProcessed", []string{"status", "collectorsProcessing", "managedCollectorsProcessing", "pipelineRun"}},
	{"tenant", "TenantPipelineProcessed", []string{"status", "tenantProcessing", "pipelineRun"}},
	{"managed", "ManagedPipelineProcessed", []string{"status", "managedProcessing", "pipelineRun"}},
	{"final", "FinalPipelineProcessed", []string{"status", "finalProcessing", "pipelineRun"}},
}

// releaseKind is the built-in Release watcher: a Release whose Released
// condition turns False with a failure reason reports against its
// ReleasePlan; one that turns True resolves the plan's issues.
//
// +kubebuilder:rbac:groups=appstudio.redhat.com,resources=releases,verbs=get;list;watch
type releaseKind struct {
	mapper Mapper
}

func (releaseKind) label() string                { return KindRelease }
func (releaseKind) gvk() schema.GroupVersionKind { return ReleaseGVK }
func (releaseKind) namespaces() []string         { return nil }
func (releaseKind) selector() labels.Selector    { return nil }

func (releaseKind) completion(obj *unstructured.Unstructured) string {
	c, ok := conditionOf(obj, conditionReleased)
	switch {
	case !ok:
		return ""
	case c.Status == "True":
		return "released"
	case c.Status == "False" && c.Reason != reasonProgressing && c.Reason != "":
		return "failed"
	}
	return ""
}

// releaseCompleted is when a Release finished: its completionTime, else
// when Released last changed, else its creation.
func releaseCompleted(obj *unstructured.Unstructured, released condition) time.Time {
	if t := timeOf(nestedString(obj, "status", "completionTime")); !t.IsZero() {
		return t
	}
	if !released.LastTransition.IsZero() {
		return released.LastTransition
	}
	return obj.GetCreationTimestamp().UTC()
}

// releaseFailure is where a failed Release failed: the first stage whose
// condition is False with a failure reason, else its validation.
type releaseFailure struct {
	stage       string
	reason      string
	message     string
	pipelineRun types.NamespacedName // zero when the stage names none
}

func failedStage(obj *unstructured.Unstructured) (releaseFailure, bool) {
	for _, s := range releaseStages {
		c, ok := conditionOf(obj, s.condition)
		if !ok || c.Status != "False" || c.Reason == reasonProgressing {
			continue
		}
		f := releaseFailure{stage: s.name, reason: c.Reason, message: c.Message}
		if ns, name, ok := strings.Cut(nestedString(obj, s.field...), "/"); ok {
			f.pipelineRun = types.NamespacedName{Namespace: ns, Name: name}
		}
		return f, true
	}
	if c, ok := conditionOf(obj, conditionValidated); ok && c.Status == "False" {
		return releaseFailure{stage: "validation", reason: c.Reason, message: c.Message}, true
	}
	return releaseFailure{}, false
}

func (k releaseKind) evaluate(ctx context.Context, obj *unstructured.Unstructured, api client.Reader) (verdict, error) {
	released, _ := conditionOf(obj, conditionReleased)
	at := releaseCompleted(obj, released)
	plan := nestedString(obj, "spec", "releasePlan")
	if plan == "" {
		// The CRD requires it; without one there is no scope to resolve.
		plan = obj.GetName()
	}
	run := &kite.Run{ID: string(obj.GetUID()), CompletedAt: at}
	if released.Status == "True" {
		return verdict{completed: at, resolution: &kite.Resolution{
			Namespace: obj.GetNamespace(), ResourceType: ReleaseScopeType, ResourceName: plan,
			At: at, Actor: kite.ActorWatcher, Run: run,
		}}, nil
	}
	f, _ := failedStage(obj)
	logURL, err := k.pipelineRunLog(ctx, api, f.pipelineRun)
	if err != nil {
		return verdict{}, err
	}
	r := k.mapper.releaseReport(obj, plan, released, f, logURL)
	r.At, r.Run = at, run
	return verdict{completed: at, report: &r}, nil
}

// pipelineRunLog is the log link of a stage's PipelineRun, built as the
// PipelineRun watcher builds it: its Tekton Results log, else the
// --watch-log-url template (with the run's UID when it still exists).
func (k releaseKind) pipelineRunLog(ctx context.Context, api client.Reader, key types.NamespacedName) (string, error) {
	if key.Name == "" {
		return "", nil
	}
	var pr tektonv1.PipelineRun
	err := api.Get(ctx, key, &pr)
	switch {
	case apierrors.IsNotFound(err):
		return k.mapper.templateLogURL(key.Namespace, key.Name, ""), nil
	case err != nil:
		return "", fmt.Errorf("get PipelineRun %s: %w", key, err)
	}
	if v := pr.Annotations[annotationResultsLog]; v != "" {
		return v, nil
	}
	return k.mapper.templateLogURL(pr.Namespace, pr.Name, string(pr.UID)), nil
}

// releaseReport is a failed Release's report, without its time and run.
func (m Mapper) releaseReport(obj *unstructured.Unstructured, plan string, released condition, f releaseFailure, logURL string) kite.Report {
	name := obj.GetName()
	title := fmt.Sprintf("Release %s of %s failed", name, plan)
	switch {
	case f.stage == "validation":
		title = fmt.Sprintf("Release %s of %s failed validation", name, plan)
	case f.stage != "":
		title = fmt.Sprintf("Release %s of %s failed in the %s pipeline", name, plan, f.stage)
	}
	fc := &kite.FailureContext{Reason: released.Reason, Message: released.Message, RunID: name, LogURL: logURL, Task: f.stage}
	if f.stage != "" {
		fc.Reason, fc.Message = f.reason, f.message
	}
	if f.pipelineRun.Name != "" {
		fc.RunID = f.pipelineRun.String()
	}
	fc.Sanitize()
	lbls := map[string]string{labelRelease: name}
	for _, k := range contextLabels {
		if v := obj.GetLabels()[k]; v != "" && k != labelRelease {
			lbls[k] = v
		}
	}
	var links []kite.Link
	if logURL != "" {
		links = []kite.Link{{Title: "Release PipelineRun logs", URL: logURL}}
	}
	// Severity rules see the Release's labels and its own name under the
	// label its pipeline runs carry, so the rule that makes release
	// pipelines critical makes failed Releases critical too.
	sev := map[string]string{}
	for k, v := range obj.GetLabels() {
		sev[k] = v
	}
	sev[labelRelease] = name
	return kite.Report{
		Namespace:   obj.GetNamespace(),
		Title:       title,
		Description: releaseDescription(obj, plan, released, f, logURL),
		Severity:    m.Severity.severityOf(sev),
		IssueType:   kite.IssueTypeRelease,
		Scope:       kite.Scope{ResourceType: ReleaseScopeType, ResourceName: plan, ResourceNamespace: obj.GetNamespace()},
		Links:       links,
		Failure:     fc,
		Labels:      lbls,
		Actor:       kite.ActorWatcher,
	}
}

func releaseDescription(obj *unstructured.Unstructured, plan string, released condition, f releaseFailure, logURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Release %s of release plan %s (snapshot %s", obj.GetName(), plan, nestedString(obj, "spec", "snapshot"))
	if t := nestedString(obj, "status", "target"); t != "" {
		fmt.Fprintf(&b, ", target %s", t)
	}
	fmt.Fprintf(&b, ") failed: %s", released.Reason)
	if released.Message != "" {
		fmt.Fprintf(&b, ": %s", released.Message)
	}
	b.WriteString("\n")
	if f.stage != "" {
		fmt.Fprintf(&b, "\nThe %s pipeline", f.stage)
		if f.pipelineRun.Name != "" {
			fmt.Fprintf(&b, " (PipelineRun %s)", f.pipelineRun)
		}
		fmt.Fprintf(&b, " failed: %s", f.reason)
		if f.message != "" {
			fmt.Fprintf(&b, "\n  %s", f.message)
		}
	}
	if a := obj.GetLabels()[labelApplication]; a != "" {
		fmt.Fprintf(&b, "\n\nApplication: %s", a)
	}
	if logURL != "" {
		fmt.Fprintf(&b, "\nLogs: %s", logURL)
	}
	return b.String()
}
