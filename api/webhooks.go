package api

import (
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
	return hookNamespace(r, *ns)
}

type pipelineFailureBody struct {
	PipelineName  string `json:"pipelineName"`
	Namespace     string `json:"namespace"`
	FailureReason string `json:"failureReason"`
	Severity      string `json:"severity"`
	RunID         string `json:"runId"`
	LogsURL       string `json:"logsUrl"`
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
	logURL := b.LogsURL
	if logURL == "" && b.RunID != "" && s.clusterURL != "" {
		logURL = s.clusterURL + strings.NewReplacer(
			"{namespace}", url.PathEscape(ns),
			"{runId}", url.PathEscape(b.RunID),
		).Replace(s.logsPath)
	}
	var ls []kite.Link
	if logURL != "" {
		ls = []kite.Link{{Title: "Pipeline Run Logs", URL: logURL}}
	}
	return s.report(r, kite.Report{
		Namespace:   ns,
		Title:       "Pipeline run failed: " + b.PipelineName,
		Description: fmt.Sprintf("The pipeline run %s failed with reason: %s", b.PipelineName, b.FailureReason),
		Severity:    severity,
		IssueType:   kite.IssueTypePipeline,
		Scope:       kite.Scope{ResourceType: "pipelinerun", ResourceName: b.PipelineName, ResourceNamespace: ns},
		Links:       ls,
		Failure:     &kite.FailureContext{Reason: b.FailureReason, RunID: b.RunID, LogURL: logURL},
	})
}

type pipelineSuccessBody struct {
	PipelineName string `json:"pipelineName"`
	Namespace    string `json:"namespace"`
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
	return s.resolveScope(r, ns, "pipelinerun", "pipeline", field{"pipelineName", b.PipelineName})
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
	})
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
	return s.resolveScope(r, ns, "application", "application", field{"application", b.Application})
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
	})
}

// report files a failure hook's report and shapes the v1 reply.
func (s *server) report(r *http.Request, rep kite.Report) (hookResult, error) {
	rep.Actor = kite.ActorWebhook
	res, err := s.svc.Report(r.Context(), rep)
	if err != nil {
		return hookResult{}, err
	}
	return hookResult{
		status:  http.StatusCreated,
		body:    hookIssueBody{Status: "success", Issue: wireIssue(res.Issue)},
		outcome: string(res.Outcome),
		count:   1,
	}, nil
}

type hookIssueBody struct {
	Status string      `json:"status"`
	Issue  *kite.Issue `json:"issue"`
}

// resolveScope runs a success hook: name is the payload field naming the
// resource, noun how the reply calls it. A storage failure is a 500, never
// "Resolved 0": the caller must be able to tell nothing-to-do from failure.
func (s *server) resolveScope(r *http.Request, ns, resourceType, noun string, name field) (hookResult, error) {
	if err := checkNames(field{"namespace", ns}, name); err != nil {
		return hookResult{}, err
	}
	n, err := s.svc.ResolveScope(r.Context(), kite.Resolution{
		Namespace:    ns,
		ResourceType: resourceType,
		ResourceName: name.value,
		Actor:        kite.ActorWebhook,
	})
	if err != nil {
		return hookResult{}, err
	}
	res := hookResult{
		status:  http.StatusOK,
		body:    messageStatusBody{Status: "success", Message: fmt.Sprintf("Resolved %d issue(s) for %s %s", n, noun, name.value)},
		outcome: string(kite.OutcomeResolved),
		count:   n,
	}
	if n == 0 {
		res.outcome, res.count = outcomeNoop, 1
	}
	return res, nil
}

type messageStatusBody struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}
