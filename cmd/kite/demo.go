package main

import (
	"context"
	"fmt"
	"time"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
)

// demoReport is one sample observation; ago places it in the past so the
// sample has a believable history.
type demoReport struct {
	ago     time.Duration
	report  kite.Report
	resolve bool
}

// loadDemo fills an empty store with a realistic sample across a few
// namespaces, through the same Tracker the webhooks use, so the sample has
// real timelines, occurrences, a regression and a relation. It does nothing
// when the store already has data and returns how many reports it made.
func loadDemo(ctx context.Context, st *service.Service) (int, error) {
	rev, err := st.Rev()
	if err != nil || rev > 0 {
		return 0, err
	}
	reports := demoReports()
	ids := map[string]string{}
	for _, d := range reports {
		r := d.report
		r.At = time.Now().Add(-d.ago)
		res, err := st.Report(ctx, r)
		if err != nil {
			return 0, err
		}
		ids[r.Scope.ResourceName] = res.Issue.ID
		if d.resolve {
			if _, err := st.ResolveScope(ctx, kite.Resolution{
				Namespace: r.Namespace, ResourceType: r.Scope.ResourceType, ResourceName: r.Scope.ResourceName,
				At: r.At.Add(10 * time.Minute), Actor: kite.ActorWebhook,
			}); err != nil {
				return 0, err
			}
		}
	}
	// The release failed because the build it ships failed.
	if err := st.RelateIssues(ctx, ids["frontend-release"], ids["frontend-on-push"]); err != nil {
		return 0, err
	}
	return len(reports), nil
}

func pipelineFailure(ns, pipeline, reason, severity string) kite.Report {
	return kite.Report{
		Namespace:   ns,
		Title:       "Pipeline run failed: " + pipeline,
		Description: fmt.Sprintf("The pipeline run %s failed with reason: %s", pipeline, reason),
		Severity:    kite.Severity(severity),
		IssueType:   kite.IssueTypePipeline,
		Scope:       kite.Scope{ResourceType: "pipelinerun", ResourceName: pipeline},
		Links:       []kite.Link{{Title: "Pipeline Run Logs", URL: fmt.Sprintf("https://console.example/ns/%s/pipelinerun/%s", ns, pipeline)}},
		Failure:     &kite.FailureContext{Reason: reason},
		Actor:       kite.ActorWebhook,
	}
}

func demoReports() []demoReport {
	h := time.Hour
	buildFail := func(ns, component, task, step, reason string, code int, sev string) kite.Report {
		r := pipelineFailure(ns, component+"-on-push", reason, sev)
		r.IssueType = kite.IssueTypeBuild
		r.Description = fmt.Sprintf("Task %s failed in step %s (exit code %d): %s", task, step, code, reason)
		r.Failure = &kite.FailureContext{Reason: reason, Task: task, Step: step, ExitCode: &code}
		r.Labels = map[string]string{"appstudio.openshift.io/component": component, "pipelinesascode.tekton.dev/event-type": "push"}
		return r
	}
	release := kite.Report{
		Namespace: "team-a", Title: "Release frontend-2026-11-20 failed for application frontend",
		Description: "The release failed in phase: Processing. Link to logs: https://console.example/ns/rhtap-releng/pipelinerun/release-frontend-x7k2q",
		Severity:    kite.SeverityMajor, IssueType: kite.IssueTypeRelease,
		Scope: kite.Scope{ResourceType: "application", ResourceName: "frontend-release"},
		Links: []kite.Link{{Title: "Release PipelineRun", URL: "https://console.example/ns/rhtap-releng/pipelinerun/release-frontend-x7k2q"}},
		Actor: kite.ActorWebhook,
	}
	mintmaker := kite.Report{
		Namespace: "team-b", Title: "Mintmaker error(2): renovate-payments-api-9f2c",
		Description: "Dependency lookup failed for registry.io/org/payments-base:1.4\n--------------------------------\nPackage lookup failures: github.com/acme/ledger",
		Severity:    kite.SeverityMajor, IssueType: kite.IssueTypeDependency,
		Scope: kite.Scope{ResourceType: "mintmaker-error", ResourceName: "renovate-payments-api-9f2c"},
		Links: []kite.Link{{Title: "MintMaker documentation", URL: "https://konflux-ci.dev/docs/mintmaker/"}, {Title: "Renovate documentation", URL: "https://docs.renovatebot.com/"}},
		Actor: kite.ActorWebhook,
	}
	return []demoReport{
		{ago: 72 * h, report: buildFail("team-a", "frontend", "build-container", "step-build", "ImagePullBackOff: registry.io/org/node:20 not found", 1, "major"), resolve: true},
		{ago: 30 * h, report: buildFail("team-a", "frontend", "build-container", "step-build", "ImagePullBackOff: registry.io/org/node:20 not found", 1, "major")},
		{ago: 29 * h, report: release},
		{ago: 26 * h, report: buildFail("team-a", "backend", "run-unit-tests", "step-test", "3 tests failed in pkg/orders", 2, "minor")},
		{ago: 20 * h, report: buildFail("team-a", "backend", "run-unit-tests", "step-test", "3 tests failed in pkg/orders", 2, "minor")},
		{ago: 50 * h, report: pipelineFailure("team-a", "docs-pull-request", "TaskRunTimeout", "minor"), resolve: true},
		{ago: 6 * h, report: pipelineFailure("team-a", "e2e-nightly", "PipelineRunTimeout", "major")},
		{ago: 40 * h, report: buildFail("team-b", "payments-api", "sast-snyk-check", "step-scan", "2 high severity vulnerabilities", 1, "critical")},
		{ago: 12 * h, report: buildFail("team-b", "payments-api", "sast-snyk-check", "step-scan", "2 high severity vulnerabilities", 1, "critical")},
		{ago: 9 * h, report: mintmaker},
		{ago: 8 * h, report: buildFail("team-b", "ledger", "prefetch-dependencies", "step-prefetch", "OOMKilled", 137, "major")},
		{ago: 90 * h, report: pipelineFailure("team-b", "ledger-enterprise-contract", "Violations: 1 (tasks.required_untrusted_task_found)", "major"), resolve: true},
		{ago: 3 * h, report: pipelineFailure("release-service", "release-to-quay", "Failed to push image: unauthorized", "critical")},
		{ago: 2 * h, report: pipelineFailure("release-service", "collect-data", "CouldntGetTask", "info")},
		{ago: 1 * h, report: buildFail("team-a", "frontend", "build-container", "step-build", "ImagePullBackOff: registry.io/org/node:20 not found", 1, "major")},
	}
}
