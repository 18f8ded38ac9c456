package watch

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	"github.com/konflux-ci/kite"
)

// ScopeType is the scope resource type of pipeline issues, the same as
// the pipeline-failure webhook's, so that the watcher and a webhook sender
// land on one issue per pipeline.
const ScopeType = "pipelinerun"

// outcome is what a completed run says.
type outcome struct {
	succeeded bool
	reason    string // the Succeeded condition's reason: Failed, Cancelled, PipelineRunTimeout...
	message   string
	completed time.Time
}

// completion reads a run's Succeeded condition: ok is false while the run
// is still going (Unknown, or no condition yet).
func completion(pr *tektonv1.PipelineRun) (o outcome, ok bool) {
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	if c == nil || c.Status == corev1.ConditionUnknown {
		return outcome{}, false
	}
	o = outcome{succeeded: c.Status == corev1.ConditionTrue, reason: c.Reason, message: c.Message}
	switch {
	case pr.Status.CompletionTime != nil:
		o.completed = pr.Status.CompletionTime.UTC()
	case !c.LastTransitionTime.Inner.IsZero():
		o.completed = c.LastTransitionTime.Inner.UTC()
	default:
		o.completed = pr.CreationTimestamp.UTC()
	}
	return o, true
}

// scopeName names what a run is a run of, stable from one run to the next
// so that a later success can resolve an earlier failure; never the
// run's own (unique) name while anything better exists.
func scopeName(pr *tektonv1.PipelineRun) string {
	if ref := pr.Spec.PipelineRef; ref != nil && ref.Name != "" {
		return ref.Name
	}
	// Tekton labels runs of an embedded spec with the run's own name.
	if v := pr.Labels[labelTektonPipeline]; v != "" && v != pr.Name {
		return v
	}
	// Pipelines-as-Code keeps the name the run has in the repository.
	if v := pr.Labels[labelOriginalName]; v != "" {
		return v
	}
	if v := pr.Labels[labelComponent]; v != "" {
		if ev := pr.Labels[labelEventType]; ev != "" {
			return v + "-on-" + strings.ReplaceAll(ev, "_", "-")
		}
		return v
	}
	if g := strings.TrimRight(pr.GenerateName, "-"); g != "" {
		return g
	}
	return pr.Name
}

// issueTypeOf classifies a run by its Konflux labels.
func issueTypeOf(labels map[string]string) kite.IssueType {
	switch {
	case labels[labelRelease] != "" || labels[labelPipelineType] == "release":
		return kite.IssueTypeRelease
	case labels[labelTestScenario] != "" || labels[labelPipelineType] == "test":
		return kite.IssueTypeTest
	case labels[labelEventType] != "" || labels[labelPipelineType] == "build":
		return kite.IssueTypeBuild
	}
	return kite.IssueTypePipeline
}

// TaskFailure is what one failed TaskRun says: its pipeline task, the
// first step that failed and how.
type TaskFailure struct {
	PipelineTask string
	TaskRun      string
	Reason       string
	Message      string
	Step         string
	ExitCode     *int
	LogURL       string
}

// taskFailure reads a TaskRun; ok is false unless it failed.
func taskFailure(pipelineTask string, tr *tektonv1.TaskRun) (f TaskFailure, ok bool) {
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	if c == nil || c.Status != corev1.ConditionFalse {
		return TaskFailure{}, false
	}
	f = TaskFailure{PipelineTask: pipelineTask, TaskRun: tr.Name, Reason: c.Reason, Message: c.Message, LogURL: tr.Annotations[annotationResultsLog]}
	for _, s := range tr.Status.Steps {
		t := s.Terminated
		if t == nil || t.ExitCode == 0 {
			continue
		}
		code := int(t.ExitCode)
		f.Step, f.ExitCode = s.Name, &code
		// A step killed for memory says more than the TaskRun's "Failed".
		if t.Reason != "" && t.Reason != "Error" && t.Reason != "Completed" {
			f.Reason = t.Reason
		}
		break
	}
	return f, true
}

// Mapper turns completed runs into reports and resolutions.
type Mapper struct {
	Severity SeverityRules
	// LogURLTemplate builds a run's log link when Tekton Results did not
	// annotate one; {namespace}, {name} and {uid} are replaced.
	LogURLTemplate string
	// MintMakerNamespaces are where MintMaker runs its dependency updates
	// (docs/watch.md, MintMaker); empty: runs there are pipelines too.
	MintMakerNamespaces []string
}

// logURL is the first failed task's Tekton Results log, else the run's,
// else the template's link, else "".
func (m Mapper) logURL(pr *tektonv1.PipelineRun, failed []TaskFailure) string {
	for _, f := range failed {
		if f.LogURL != "" {
			return f.LogURL
		}
	}
	if v := pr.Annotations[annotationResultsLog]; v != "" {
		return v
	}
	return m.templateLogURL(pr.Namespace, pr.Name, string(pr.UID))
}

// templateLogURL is LogURLTemplate's link for a run, "" without one.
func (m Mapper) templateLogURL(namespace, name, uid string) string {
	if m.LogURLTemplate == "" {
		return ""
	}
	return strings.NewReplacer(
		"{namespace}", url.PathEscape(namespace),
		"{name}", url.PathEscape(name),
		"{uid}", url.PathEscape(uid),
	).Replace(m.LogURLTemplate)
}

func run(pr *tektonv1.PipelineRun, o outcome) *kite.Run {
	return &kite.Run{ID: string(pr.UID), CompletedAt: o.completed}
}

// Resolution is what a succeeded run says: its scope is fixed.
func (m Mapper) Resolution(pr *tektonv1.PipelineRun, o outcome) kite.Resolution {
	if u, ok := m.dependencyUpdate(pr); ok {
		return kite.Resolution{
			Namespace: u.namespace, ResourceType: MintMakerScopeType, ResourceName: u.component,
			At: o.completed, Actor: kite.ActorWatcher, Run: run(pr, o),
		}
	}
	return kite.Resolution{
		Namespace: pr.Namespace, ResourceType: ScopeType, ResourceName: scopeName(pr),
		At: o.completed, Actor: kite.ActorWatcher, Run: run(pr, o),
	}
}

// Report is what a failed (or cancelled, or timed-out) run says, with the
// failures of its TaskRuns.
func (m Mapper) Report(pr *tektonv1.PipelineRun, o outcome, failed []TaskFailure) kite.Report {
	scope := scopeName(pr)
	logURL := m.logURL(pr, failed)
	fc := &kite.FailureContext{Reason: o.reason, Message: o.message, RunID: pr.Name, LogURL: logURL}
	if len(failed) > 0 {
		f := failed[0]
		fc.Task, fc.Step, fc.ExitCode = f.PipelineTask, f.Step, f.ExitCode
		fc.Reason, fc.Message = f.Reason, f.Message
	}
	fc.Sanitize()
	labels := map[string]string{labelLastRun: pr.Name}
	for _, k := range contextLabels {
		if v := pr.Labels[k]; v != "" {
			labels[k] = v
		}
	}
	var links []kite.Link
	if logURL != "" {
		links = []kite.Link{{Title: "PipelineRun logs", URL: logURL}}
	}
	if u, ok := m.dependencyUpdate(pr); ok {
		return u.report(pr, o, failed, fc, links, m.Severity.severityOf(pr.Labels), logURL)
	}
	return kite.Report{
		Namespace:   pr.Namespace,
		Title:       title("Pipeline "+scope, o, failed),
		Description: description(pr, "pipeline "+scope, o, failed, logURL),
		Severity:    m.Severity.severityOf(pr.Labels),
		IssueType:   issueTypeOf(pr.Labels),
		Scope:       kite.Scope{ResourceType: ScopeType, ResourceName: scope, ResourceNamespace: pr.Namespace},
		Links:       links,
		Failure:     fc,
		Labels:      labels,
		At:          o.completed,
		Actor:       kite.ActorWatcher,
		Run:         run(pr, o),
	}
}

// Reasons Tekton gives runs that did not fail by themselves.
const (
	reasonCancelled = string(tektonv1.PipelineRunReasonCancelled)
	reasonTimedOut  = string(tektonv1.PipelineRunReasonTimedOut)
)

// title names what failed: subject is "Pipeline NAME", or MintMaker's
// "Dependency update of COMPONENT".
func title(subject string, o outcome, failed []TaskFailure) string {
	switch {
	case o.reason == reasonCancelled || o.reason == string(tektonv1.PipelineRunReasonCancelledRunningFinally):
		return subject + " was cancelled"
	case o.reason == reasonTimedOut || o.reason == string(tektonv1.PipelineRunReasonTimedOutRunningFinally):
		return subject + " timed out"
	case len(failed) > 0 && failed[0].Step != "":
		return fmt.Sprintf("%s failed: task %s, step %s", subject, failed[0].PipelineTask, failed[0].Step)
	case len(failed) > 0:
		return fmt.Sprintf("%s failed: task %s", subject, failed[0].PipelineTask)
	}
	return subject + " failed"
}

// description tells the run's story; of is what the run is a run of
// ("pipeline NAME", "MintMaker's dependency update of COMPONENT").
func description(pr *tektonv1.PipelineRun, of string, o outcome, failed []TaskFailure, logURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "PipelineRun %s of %s completed at %s: %s", pr.Name, of, o.completed.Format(time.RFC3339), o.reason)
	if o.message != "" {
		fmt.Fprintf(&b, ": %s", o.message)
	}
	b.WriteString("\n")
	for _, f := range failed {
		fmt.Fprintf(&b, "\nTask %s (TaskRun %s) failed: %s", f.PipelineTask, f.TaskRun, f.Reason)
		if f.Step != "" && f.ExitCode != nil {
			fmt.Fprintf(&b, ", step %s exited with code %d", f.Step, *f.ExitCode)
		}
		if f.Message != "" {
			fmt.Fprintf(&b, "\n  %s", f.Message)
		}
	}
	var ctx []string
	for _, kv := range [][2]string{{"Application", labelApplication}, {"Component", labelComponent}, {"Event", labelEventType}, {"Pull request", labelPullRequest}, {"Release", labelRelease}} {
		if v := pr.Labels[kv[1]]; v != "" {
			ctx = append(ctx, kv[0]+": "+v)
		}
	}
	if len(ctx) > 0 {
		fmt.Fprintf(&b, "\n\n%s", strings.Join(ctx, ", "))
	}
	if logURL != "" {
		fmt.Fprintf(&b, "\nLogs: %s", logURL)
	}
	return b.String()
}
