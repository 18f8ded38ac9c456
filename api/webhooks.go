package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/konflux-ci/kite"
)

// hookResult is a webhook's reply and how to count it in
// kite_webhook_events_total.
type hookResult struct {
	status  int
	body    any
	outcome string
	count   int
}

type hookFunc func(w http.ResponseWriter, r *http.Request) (hookResult, error)

// webhook adapts a hook to an http.Handler and counts every call, including
// the rejected and failed ones, under the hook's kind.
func (s *server) webhook(kind string, h hookFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := h(w, r)
		if err != nil {
			outcome := outcomeRejected
			if errorStatus(err) >= 500 {
				outcome = outcomeError
			}
			s.metrics.webhooks.WithLabelValues(kind, outcome).Inc()
			s.writeError(w, r, err)
			return
		}
		s.metrics.webhooks.WithLabelValues(kind, res.outcome).Add(float64(res.count))
		s.writeJSON(w, r, res.status, res.body)
	})
}

// decodeHook decodes a webhook payload into body and settles its namespace
// from the payload's (at *ns) and the query's.
func (s *server) decodeHook(w http.ResponseWriter, r *http.Request, body any, ns *string) (string, error) {
	if err := decodeBody(w, r, s.maxBody, body); err != nil {
		return "", err
	}
	noteNamespace(r, *ns)
	return hookNamespace(r, *ns)
}

type pipelineFailureBody struct {
	PipelineName  string `json:"pipelineName"`
	Namespace     string `json:"namespace"`
	FailureReason string `json:"failureReason"`
	Severity      string `json:"severity"`
	RunID         string `json:"runId"`
	LogsURL       string `json:"logsUrl"`
	runFields
	// Kite's additions, all optional: what a watcher knows of the run.
	Title       string            `json:"title"`
	Description string            `json:"description"`
	IssueType   string            `json:"issueType"`
	Task        string            `json:"task"`
	Step        string            `json:"step"`
	ExitCode    *int              `json:"exitCode"`
	Message     string            `json:"message"`
	Labels      map[string]string `json:"labels"`
}

// runFields name the run a pipeline hook observes (Kite's addition): with
// them, the hook is applied once per run and in completion order, so a
// sender may retry or re-send freely (see kite.Run).
type runFields struct {
	RunUID      string `json:"runUid"`
	CompletedAt string `json:"completedAt"`
}

// run is the hook's kite.Run, nil when it names none. runUid defaults to
// runId, the field the original bridge operator sends (without
// completedAt): a run known by its id alone is still applied once.
func (f runFields) run(runID string) (*kite.Run, error) {
	id := f.RunUID
	if id == "" {
		id = runID
	}
	if f.CompletedAt == "" {
		if id == "" {
			return nil, nil
		}
		return &kite.Run{ID: id}, nil
	}
	at, err := kite.ParseTime("completedAt", f.CompletedAt)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, kite.Invalid("runUid", "Validation failed", "completedAt needs runUid or runId to tell runs apart")
	}
	return &kite.Run{ID: id, CompletedAt: at}, nil
}

func (s *server) pipelineFailure(w http.ResponseWriter, r *http.Request) (hookResult, error) {
	var b pipelineFailureBody
	ns, err := s.decodeHook(w, r, &b, &b.Namespace)
	if err != nil {
		return hookResult{}, err
	}
	if err := requireFields(
		field{"pipelineName", b.PipelineName},
		field{"namespace", ns},
		field{"failureReason", b.FailureReason},
	); err != nil {
		return hookResult{}, err
	}
	severity := kite.SeverityMajor
	if strings.TrimSpace(b.Severity) != "" {
		if severity, err = kite.ParseSeverity("severity", b.Severity); err != nil {
			return hookResult{}, err
		}
	}
	issueType := kite.IssueTypePipeline
	if strings.TrimSpace(b.IssueType) != "" {
		if issueType, err = kite.ParseIssueType("issueType", b.IssueType); err != nil {
			return hookResult{}, err
		}
	}
	run, err := b.run(b.RunID)
	if err != nil {
		return hookResult{}, err
	}
	logURL := b.LogsURL
	if logURL == "" && b.RunID != "" {
		logURL = s.runLogsURL(ns, b.RunID)
	}
	var ls []kite.Link
	if logURL != "" {
		ls = []kite.Link{{Title: "Pipeline Run Logs", URL: logURL}}
	}
	title, description := b.Title, b.Description
	if title == "" {
		title = "Pipeline run failed: " + b.PipelineName
	}
	if description == "" {
		description = fmt.Sprintf("The pipeline run %s failed with reason: %s", b.PipelineName, b.FailureReason)
	}
	return s.report(r, kite.Report{
		Namespace:   ns,
		Title:       title,
		Description: description,
		Severity:    severity,
		IssueType:   issueType,
		Scope:       kite.Scope{ResourceType: "pipelinerun", ResourceName: b.PipelineName, ResourceNamespace: ns},
		Links:       ls,
		Failure: &kite.FailureContext{Reason: b.FailureReason, RunID: b.RunID, LogURL: logURL,
			Task: b.Task, Step: b.Step, ExitCode: b.ExitCode, Message: b.Message},
		Labels: b.Labels,
		Run:    run,
	}, pipelineFailureFields)
}

// runLogsURL is the original Kite's log link of a run: the cluster URL, the
// logs endpoint and the runId exactly as the sender gave it (the original
// bridge operator sends the run's UID; Kite's own watcher sends the run's
// name and, when it knows one, its own logsUrl). An endpoint with
// placeholders has {namespace} and {runId} replaced instead.
func (s *server) runLogsURL(ns, runID string) string {
	if !strings.Contains(s.logsPath, "{runId}") {
		return s.clusterURL + s.logsPath + url.PathEscape(runID)
	}
	return s.clusterURL + strings.NewReplacer(
		"{namespace}", url.PathEscape(ns),
		"{runId}", url.PathEscape(runID),
	).Replace(s.logsPath)
}

type pipelineSuccessBody struct {
	PipelineName string `json:"pipelineName"`
	Namespace    string `json:"namespace"`
	RunID        string `json:"runId"`
	runFields
}

func (s *server) pipelineSuccess(w http.ResponseWriter, r *http.Request) (hookResult, error) {
	var b pipelineSuccessBody
	ns, err := s.decodeHook(w, r, &b, &b.Namespace)
	if err != nil {
		return hookResult{}, err
	}
	if err := requireFields(field{"pipelineName", b.PipelineName}, field{"namespace", ns}); err != nil {
		return hookResult{}, err
	}
	run, err := b.run(b.RunID)
	if err != nil {
		return hookResult{}, err
	}
	return s.resolveScope(r, kite.Resolution{Namespace: ns, ResourceType: "pipelinerun", ResourceName: b.PipelineName, Run: run}, "pipeline", "pipelineName")
}

type releaseFailureBody struct {
	Application    string `json:"application"`
	Namespace      string `json:"namespace"`
	FailurePhase   string `json:"failurePhase"`
	Release        string `json:"release"`
	PipelineRunURL string `json:"pipelineRunUrl"`
}

func (s *server) releaseFailure(w http.ResponseWriter, r *http.Request) (hookResult, error) {
	var b releaseFailureBody
	ns, err := s.decodeHook(w, r, &b, &b.Namespace)
	if err != nil {
		return hookResult{}, err
	}
	if err := requireFields(
		field{"application", b.Application},
		field{"namespace", ns},
		field{"failurePhase", b.FailurePhase},
		field{"release", b.Release},
	); err != nil {
		return hookResult{}, err
	}
	desc := "The release failed in phase: " + b.FailurePhase
	var ls []kite.Link
	if b.PipelineRunURL != "" {
		desc += ". Link to logs: " + b.PipelineRunURL
		ls = []kite.Link{{Title: "Release PipelineRun", URL: b.PipelineRunURL}}
	}
	return s.report(r, kite.Report{
		Namespace:   ns,
		Title:       fmt.Sprintf("Release %s failed for application %s", b.Release, b.Application),
		Description: desc,
		Severity:    kite.SeverityMajor,
		IssueType:   kite.IssueTypeRelease,
		Scope:       kite.Scope{ResourceType: "application", ResourceName: b.Application, ResourceNamespace: ns},
		Links:       ls,
		Failure:     &kite.FailureContext{Reason: b.FailurePhase, LogURL: b.PipelineRunURL},
	}, releaseFailureFields)
}

// scopeSuccessBody is the generic success hook (Kite's addition): the
// ACTIVE issues of any resource's scope are resolved, once per run when
// runUid names it. kite watch --server resolves other kinds than
// pipelines through it.
type scopeSuccessBody struct {
	Namespace    string `json:"namespace"`
	ResourceType string `json:"resourceType"`
	ResourceName string `json:"resourceName"`
	runFields
}

func (s *server) scopeSuccess(w http.ResponseWriter, r *http.Request) (hookResult, error) {
	var b scopeSuccessBody
	ns, err := s.decodeHook(w, r, &b, &b.Namespace)
	if err != nil {
		return hookResult{}, err
	}
	if err := requireFields(field{"namespace", ns}, field{"resourceType", b.ResourceType}, field{"resourceName", b.ResourceName}); err != nil {
		return hookResult{}, err
	}
	if err := checkNames(field{"resourceType", b.ResourceType}); err != nil {
		return hookResult{}, err
	}
	run, err := b.run("")
	if err != nil {
		return hookResult{}, err
	}
	return s.resolveScope(r, kite.Resolution{Namespace: ns, ResourceType: b.ResourceType, ResourceName: b.ResourceName, Run: run}, b.ResourceType, "resourceName")
}

type releaseSuccessBody struct {
	Application string `json:"application"`
	Namespace   string `json:"namespace"`
}

func (s *server) releaseSuccess(w http.ResponseWriter, r *http.Request) (hookResult, error) {
	var b releaseSuccessBody
	ns, err := s.decodeHook(w, r, &b, &b.Namespace)
	if err != nil {
		return hookResult{}, err
	}
	if err := requireFields(field{"application", b.Application}, field{"namespace", ns}); err != nil {
		return hookResult{}, err
	}
	return s.resolveScope(r, kite.Resolution{Namespace: ns, ResourceType: "application", ResourceName: b.Application}, "application", "application")
}

type mintmakerBody struct {
	PipelineID string   `json:"pipelineId"`
	Namespace  string   `json:"namespace"`
	Type       string   `json:"type"`
	Logs       []string `json:"logs"`
}

// mintmakerSeparator sits between log entries in the issue description.
const mintmakerSeparator = "\n--------------------------------\n"

func (s *server) mintmakerCustom(w http.ResponseWriter, r *http.Request) (hookResult, error) {
	var b mintmakerBody
	ns, err := s.decodeHook(w, r, &b, &b.Namespace)
	if err != nil {
		return hookResult{}, err
	}
	if err := requireFields(
		field{"pipelineId", b.PipelineID},
		field{"namespace", ns},
		field{"type", b.Type},
	); err != nil {
		return hookResult{}, err
	}
	if len(b.Logs) == 0 {
		return hookResult{
			status:  http.StatusOK,
			body:    map[string]string{"info": "No logs provided, no issue created"},
			outcome: outcomeNoop,
			count:   1,
		}, nil
	}
	severity := kite.SeverityInfo
	switch strings.ToLower(b.Type) {
	case "error":
		severity = kite.SeverityMajor
	case "warning":
		severity = kite.SeverityMinor
	}
	return s.report(r, kite.Report{
		Namespace:   ns,
		Title:       fmt.Sprintf("Mintmaker %s(%d): %s", b.Type, len(b.Logs), b.PipelineID),
		Description: strings.Join(b.Logs, mintmakerSeparator),
		Severity:    severity,
		IssueType:   kite.IssueTypeDependency,
		Scope:       kite.Scope{ResourceType: "mintmaker-" + b.Type, ResourceName: b.PipelineID, ResourceNamespace: ns},
		Links: []kite.Link{
			{Title: "MintMaker documentation", URL: "https://konflux-ci.dev/docs/mintmaker/"},
			{Title: "Renovate documentation", URL: "https://docs.renovatebot.com/"},
		},
	}, mintmakerCustomFields)
}

// payloadFields names, for a hook, the payload field each report field
// came from, so that an error names what the sender sent
// (pipelineName, not scope.resourceName).
type payloadFields map[string]string

var (
	pipelineFailureFields = payloadFields{
		"scope.resourceName": "pipelineName", "failure.reason": "failureReason", "failure.runId": "runId",
		"failure.logUrl": "logsUrl", "links[0].url": "logsUrl", "failure.task": "task", "failure.step": "step",
		"failure.message": "message", "run.id": "runUid", "run.completedAt": "completedAt",
	}
	releaseFailureFields  = payloadFields{"scope.resourceName": "application", "links[0].url": "pipelineRunUrl"}
	successFields         = payloadFields{"run.id": "runUid", "run.completedAt": "completedAt"}
	mintmakerCustomFields = payloadFields{"scope.resourceName": "pipelineId", "scope.resourceType": "type", "description": "logs"}
)

// rename returns err naming the payload's field instead of the report's.
func (pf payloadFields) rename(err error) error {
	var e *kite.Error
	if !errors.As(err, &e) || pf[e.Field] == "" {
		return err
	}
	c := *e
	c.Field = pf[e.Field]
	c.Details = strings.ReplaceAll(c.Details, e.Field, c.Field)
	return &c
}

// report files a failure hook's report and shapes the v1 reply; fields
// name the payload's fields in its errors.
func (s *server) report(r *http.Request, rep kite.Report, fields payloadFields) (hookResult, error) {
	rep.Actor = kite.ActorWebhook
	res, err := s.svc.Report(r.Context(), rep)
	if err != nil {
		return hookResult{}, fields.rename(err)
	}
	noteIssue(r, res.Issue)
	return hookResult{
		status:  http.StatusCreated,
		body:    hookIssueBody{Status: "success", Issue: wireIssue(res.Issue), Outcome: res.Outcome},
		outcome: string(res.Outcome),
		count:   1,
	}, nil
}

type hookIssueBody struct {
	Status string      `json:"status"`
	Issue  *kite.Issue `json:"issue"`
	// Outcome is Kite's addition: created, updated, reopened, resolved,
	// stale or duplicate.
	Outcome kite.Outcome `json:"outcome,omitempty"`
}

// resolveScope runs a success hook: nameField is the payload field naming
// the resource, noun how the reply calls it. A storage failure is a 500,
// never "Resolved 0": the caller must be able to tell nothing-to-do from
// failure.
func (s *server) resolveScope(r *http.Request, res kite.Resolution, noun, nameField string) (hookResult, error) {
	if err := checkNames(field{"namespace", res.Namespace}, field{nameField, res.ResourceName}); err != nil {
		return hookResult{}, err
	}
	res.Actor = kite.ActorWebhook
	n, err := s.svc.ResolveScope(r.Context(), res)
	if err != nil {
		return hookResult{}, successFields.rename(err)
	}
	out := hookResult{
		status:  http.StatusOK,
		body:    resolvedBody{Status: "success", Message: fmt.Sprintf("Resolved %d issue(s) for %s %s", n, noun, res.ResourceName), Resolved: n},
		outcome: string(kite.OutcomeResolved),
		count:   n,
	}
	if n == 0 {
		out.outcome, out.count = outcomeNoop, 1
	}
	return out, nil
}

// resolvedBody is a success hook's reply: the original's message, and the
// count as a number (Kite's addition).
type resolvedBody struct {
	Status   string `json:"status"`
	Message  string `json:"message"`
	Resolved int    `json:"resolved"`
}
