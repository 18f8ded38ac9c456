package watch

import (
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// konfluxRun is a Konflux push build as Pipelines-as-Code creates it: an
// embedded spec (so Tekton labels it with its own name), PaC and
// application labels.
func konfluxRun(name string) *tektonv1.PipelineRun {
	return &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "team-a", UID: types.UID("uid-" + name), GenerateName: "frontend-on-push-",
			Labels: map[string]string{
				labelTektonPipeline: name,
				labelOriginalName:   "frontend-on-push",
				labelApplication:    "shop",
				labelComponent:      "frontend",
				labelEventType:      "push",
			},
		},
		Spec: tektonv1.PipelineRunSpec{PipelineSpec: &tektonv1.PipelineSpec{}},
	}
}

// finish marks a run completed at minute m with the Succeeded condition.
func finish(pr *tektonv1.PipelineRun, status corev1.ConditionStatus, reason, message string, m int) *tektonv1.PipelineRun {
	at := metav1.NewTime(t0.Add(time.Duration(m) * time.Minute))
	pr.Status.CompletionTime = &at
	pr.Status.Conditions = duckv1.Conditions{{
		Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: message,
		LastTransitionTime: apis.VolatileTime{Inner: at},
	}}
	return pr
}

func failedTaskRun(name string, steps ...tektonv1.StepState) *tektonv1.TaskRun {
	tr := &tektonv1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team-a"}}
	tr.Status.Conditions = duckv1.Conditions{{
		Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "Failed",
		Message: `"step-build" exited with code 1`,
	}}
	tr.Status.Steps = steps
	return tr
}

func step(name string, code int32, reason string) tektonv1.StepState {
	return tektonv1.StepState{Name: name, ContainerState: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason},
	}}
}
