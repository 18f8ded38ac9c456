package watch

// Labels and annotations the watcher reads. Tekton's own keys are spelled
// out here rather than imported: the watcher imports only Tekton's v1 API
// types.
const (
	labelTektonPipeline = "tekton.dev/pipeline"

	// Konflux and Pipelines-as-Code context.
	labelApplication     = "appstudio.openshift.io/application"
	labelComponent       = "appstudio.openshift.io/component"
	labelPipelineType    = "pipelines.appstudio.openshift.io/type"
	labelEventType       = "pipelinesascode.tekton.dev/event-type"
	labelPullRequest     = "pipelinesascode.tekton.dev/pull-request"
	labelOriginalName    = "pipelinesascode.tekton.dev/original-prname"
	labelRelease         = "release.appstudio.openshift.io/name"
	labelTestScenario    = "test.appstudio.openshift.io/scenario"
	annotationResultsLog = "results.tekton.dev/log"

	// labelLastRun is set on the issue: the run that reported last.
	labelLastRun = "tekton.dev/pipelineRun"
)

// contextLabels are copied from a run onto its issue, for search
// (label:appstudio.openshift.io/component=frontend) and triage.
var contextLabels = []string{labelApplication, labelComponent, labelEventType, labelPullRequest, labelRelease, labelTestScenario}
