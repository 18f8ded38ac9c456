package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// hookIssue decodes the issue of a failure hook's reply.
func hookIssue(t *testing.T, res *response) map[string]any {
	t.Helper()
	body := res.JSON(t)
	require.Equal(t, "success", body["status"], "body: %s", res.Raw)
	require.IsType(t, map[string]any{}, body["issue"])
	return body["issue"].(map[string]any)
}

func wantResolved(msg string) func(*testing.T, *response) {
	return func(t *testing.T, res *response) {
		var n int
		_, err := fmt.Sscanf(msg, "Resolved %d issue(s)", &n)
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"status": "success", "message": msg, "resolved": float64(n)}, res.JSON(t))
	}
}

func failure(ns, name string, extra ...string) map[string]string {
	b := map[string]string{"pipelineName": name, "failureReason": "TaskRunFailed"}
	if ns != "" {
		b["namespace"] = ns
	}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i]] = extra[i+1]
	}
	return b
}

func TestPipelineFailureWebhook(t *testing.T) {
	ts := newTestServer(t)
	const path = "/api/v1/webhooks/pipeline-failure"
	var id string

	runCases(t, ts, []routeCase{
		{name: "created", method: "POST", path: path + "?namespace=team-a",
			body: failure("team-a", "build-app", "logsUrl", "https://logs/1", "runId", "run-1"), status: 201,
			check: func(t *testing.T, res *response) {
				is := hookIssue(t, res)
				id = is["id"].(string)
				assert.Equal(t, "Pipeline run failed: build-app", is["title"])
				assert.Equal(t, "The pipeline run build-app failed with reason: TaskRunFailed", is["description"])
				assert.Equal(t, "major", is["severity"])
				assert.Equal(t, "pipeline", is["issueType"])
				assert.Equal(t, "ACTIVE", is["state"])
				assert.Equal(t, "team-a", is["namespace"])
				scope := is["scope"].(map[string]any)
				assert.Equal(t, "pipelinerun", scope["resourceType"])
				assert.Equal(t, "build-app", scope["resourceName"])
				assert.Equal(t, "team-a", scope["resourceNamespace"])
				links := is["links"].([]any)
				require.Len(t, links, 1)
				assert.Equal(t, "Pipeline Run Logs", links[0].(map[string]any)["title"])
				assert.Equal(t, "https://logs/1", links[0].(map[string]any)["url"])
				fc := is["failure"].(map[string]any)
				assert.Equal(t, "TaskRunFailed", fc["reason"])
				assert.Equal(t, "run-1", fc["runId"])
			}},
		{name: "repeat updates the same issue", method: "POST", path: path,
			body: failure("team-a", "build-app", "failureReason", "Timeout", "logsUrl", "https://logs/2"), status: 201,
			check: func(t *testing.T, res *response) {
				is := hookIssue(t, res)
				assert.Equal(t, id, is["id"])
				assert.Equal(t, float64(2), is["occurrences"])
				assert.Equal(t, "The pipeline run build-app failed with reason: Timeout", is["description"])
				links := is["links"].([]any)
				require.Len(t, links, 1)
				assert.Equal(t, "https://logs/2", links[0].(map[string]any)["url"])
			}},
		{name: "body namespace is enough", method: "POST", path: path, body: failure("team-b", "p"), status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, "team-b", hookIssue(t, res)["namespace"]) }},
		{name: "query namespace is enough", method: "POST", path: path + "?namespace=team-c", body: failure("", "p"), status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, "team-c", hookIssue(t, res)["namespace"]) }},
		{name: "body and query disagree", method: "POST", path: path + "?namespace=team-b", body: failure("team-a", "p"),
			status: 400, details: []string{"namespace", "team-a", "team-b"}},
		{name: "log link from cluster URL and runId", method: "POST", path: path, body: failure("team-a", "p2", "runId", "p2-run-7"), status: 201,
			check: func(t *testing.T, res *response) {
				links := hookIssue(t, res)["links"].([]any)
				require.Len(t, links, 1)
				assert.Equal(t, "https://konflux.dev/logs/pipelineruns/p2-run-7",
					links[0].(map[string]any)["url"])
			}},
		{name: "no link without logsUrl or runId", method: "POST", path: path, body: failure("team-a", "p3"), status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, []any{}, hookIssue(t, res)["links"]) }},
		{name: "severity from payload", method: "POST", path: path, body: failure("team-a", "p4", "severity", "critical"), status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, "critical", hookIssue(t, res)["severity"]) }},
		{name: "operator's medium is major", method: "POST", path: path, body: failure("team-a", "p5", "severity", "medium"), status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, "major", hookIssue(t, res)["severity"]) }},
		{name: "unknown severity", method: "POST", path: path, body: failure("team-a", "p6", "severity", "bad"), status: 400,
			details: []string{"severity must be one of: info, minor, major, critical"}},
		{name: "missing fields all named", method: "POST", path: path, body: map[string]string{"namespace": "team-a"}, status: 400,
			errMsg: "Missing required fields", details: []string{"missing: pipelineName, failureReason"}},
		{name: "empty object", method: "POST", path: path, body: `{}`, status: 400,
			errMsg: "Missing required fields", details: []string{"missing: pipelineName, namespace, failureReason"}},
		{name: "blank fields are missing", method: "POST", path: path, body: failure("team-a", "  "), status: 400,
			errMsg: "Missing required fields", details: []string{"missing: pipelineName"}},
		{name: "wrong type names the field", method: "POST", path: path, body: `{"pipelineName":"p","namespace":"n","failureReason":"r","runId":5}`,
			status: 400, errMsg: "Invalid request body", details: []string{"runId"}},
		{name: "control characters", method: "POST", path: path, body: failure("team-a", "p\x00q"), status: 400, errMsg: "Validation failed"},
		{name: "malformed JSON", method: "POST", path: path, body: `{"pipelineName":`, status: 400, errMsg: "Invalid request body"},
		{name: "empty body", method: "POST", path: path, body: ``, status: 400, errMsg: "Invalid request body"},
		{name: "trailing garbage", method: "POST", path: path, body: `{"pipelineName":"p","namespace":"n","failureReason":"r"}x`,
			status: 400, errMsg: "Invalid request body"},
		{name: "oversize body", method: "POST", path: path,
			body: failure("team-a", "p", "failureReason", strings.Repeat("r", 2<<20)), status: 413, errMsg: "Request body too large"},
		{name: "trailing slash", method: "POST", path: path + "/", body: failure("team-a", "p7"), status: 201},
		{name: "wrong method", method: "GET", path: path, status: 405, errMsg: "Method not allowed"},
	})

	assert.Equal(t, float64(8), ts.counterValue(t, "kite_webhook_events_total", map[string]string{"kind": "pipeline-failure", "outcome": "created"}))
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_webhook_events_total", map[string]string{"kind": "pipeline-failure", "outcome": "updated"}))
	assert.Equal(t, float64(11), ts.counterValue(t, "kite_webhook_events_total", map[string]string{"kind": "pipeline-failure", "outcome": "rejected"}))
}

func TestPipelineFailureLogLink(t *testing.T) {
	const path = "/api/v1/webhooks/pipeline-failure"
	const uid = "5e9c1c5a-8b1f-4d7e-9f0a-1c2d3e4f5a6b"
	for _, c := range []struct {
		name              string
		cluster, endpoint string
		body              map[string]string
		want              string
	}{
		// The original Kite's defaults: https://konflux.dev + /logs/pipelineruns/ + runId.
		{"original defaults", "", "", failure("team-a", "p", "runId", uid), "https://konflux.dev/logs/pipelineruns/" + uid},
		{"cluster and endpoint", "https://konflux.example.com/", "/ui/logs/", failure("team-a", "p", "runId", uid), "https://konflux.example.com/ui/logs/" + uid},
		{"endpoint with placeholders", "https://cluster.example.com", "/logs/{namespace}/runs/{runId}", failure("team a", "p", "runId", "r/1"), "https://cluster.example.com/logs/team%20a/runs/r%2F1"},
		{"logsUrl wins", "", "", failure("team-a", "p", "runId", uid, "logsUrl", "https://logs.example.com/1"), "https://logs.example.com/1"},
		{"no runId, no link", "", "", failure("team-a", "p"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestServer(t, func(o *Options) { o.ClusterURL, o.LogsEndpoint = c.cluster, c.endpoint })
			res := ts.do(t, http.MethodPost, path, c.body)
			require.Equal(t, http.StatusCreated, res.Code, "body: %s", res.Raw)
			links := hookIssue(t, res)["links"].([]any)
			if c.want == "" {
				assert.Empty(t, links)
				return
			}
			require.Len(t, links, 1)
			assert.Equal(t, "Pipeline Run Logs", links[0].(map[string]any)["title"])
			assert.Equal(t, c.want, links[0].(map[string]any)["url"])
		})
	}
}

func TestPipelineSuccessWebhook(t *testing.T) {
	ts := newTestServer(t)
	const path = "/api/v1/webhooks/pipeline-success"
	fail := func(ns, name string) string {
		res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure(ns, name))
		require.Equal(t, http.StatusCreated, res.Code, "body: %s", res.Raw)
		return hookIssue(t, res)["id"].(string)
	}
	p1 := fail("team-a", "p1")
	p2 := fail("team-a", "p2")
	other := fail("team-b", "p1")

	runCases(t, ts, []routeCase{
		{name: "resolves the pipeline's issues", method: "POST", path: path + "?namespace=team-a",
			body: map[string]string{"pipelineName": "p1", "namespace": "team-a"}, status: 200,
			check: func(t *testing.T, res *response) {
				wantResolved("Resolved 1 issue(s) for pipeline p1")(t, res)
				got := ts.do(t, "GET", "/api/v1/issues/"+p1, nil).Issue(t)
				assert.Equal(t, kite.StateResolved, got.State)
				assert.NotNil(t, got.ResolvedAt)
				assert.Equal(t, kite.ActorWebhook, got.ResolvedBy)
				assert.Equal(t, kite.StateActive, ts.do(t, "GET", "/api/v1/issues/"+p2, nil).Issue(t).State, "other pipelines stay")
				assert.Equal(t, kite.StateActive, ts.do(t, "GET", "/api/v1/issues/"+other, nil).Issue(t).State, "other namespaces stay")
			}},
		{name: "nothing left to resolve", method: "POST", path: path, body: map[string]string{"pipelineName": "p1", "namespace": "team-a"},
			status: 200, check: wantResolved("Resolved 0 issue(s) for pipeline p1")},
		{name: "query namespace is enough", method: "POST", path: path + "?namespace=team-b", body: map[string]string{"pipelineName": "p1"},
			status: 200, check: wantResolved("Resolved 1 issue(s) for pipeline p1")},
		{name: "body and query disagree", method: "POST", path: path + "?namespace=team-b",
			body: map[string]string{"pipelineName": "p2", "namespace": "team-a"}, status: 400, details: []string{"namespace"}},
		{name: "missing fields", method: "POST", path: path, body: `{}`, status: 400, errMsg: "Missing required fields",
			details: []string{"missing: pipelineName, namespace"}},
		{name: "control characters", method: "POST", path: path, body: map[string]string{"pipelineName": "p\x01", "namespace": "team-a"},
			status: 400, errMsg: "Validation failed", details: []string{"pipelineName"}},
		{name: "overlong namespace", method: "POST", path: path, body: map[string]string{"pipelineName": "p", "namespace": strings.Repeat("n", 300)},
			status: 400, errMsg: "Validation failed", details: []string{"namespace"}},
		{name: "wrong type", method: "POST", path: path, body: `{"pipelineName":["p"],"namespace":"team-a"}`, status: 400,
			details: []string{"pipelineName"}},
		{name: "malformed JSON", method: "POST", path: path, body: `nope`, status: 400, errMsg: "Invalid request body"},
		{name: "oversize body", method: "POST", path: path, body: `{"pipelineName":"` + strings.Repeat("p", 2<<20) + `"}`, status: 413},
		{name: "trailing slash", method: "POST", path: path + "/", body: map[string]string{"pipelineName": "p2", "namespace": "team-a"},
			status: 200, check: wantResolved("Resolved 1 issue(s) for pipeline p2")},
	})

	labels := func(outcome string) map[string]string {
		return map[string]string{"kind": "pipeline-success", "outcome": outcome}
	}
	assert.Equal(t, float64(3), ts.counterValue(t, "kite_webhook_events_total", labels("resolved")))
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_webhook_events_total", labels("noop")))
	assert.Equal(t, float64(7), ts.counterValue(t, "kite_webhook_events_total", labels("rejected")))
}

func TestFailureAfterSuccessReopens(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "p"))
	require.Equal(t, http.StatusCreated, res.Code)
	id := hookIssue(t, res)["id"]
	res = ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-success", map[string]string{"pipelineName": "p", "namespace": "team-a"})
	wantResolved("Resolved 1 issue(s) for pipeline p")(t, res)

	res = ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "p"))
	require.Equal(t, http.StatusCreated, res.Code)
	is := hookIssue(t, res)
	assert.Equal(t, id, is["id"], "the same issue, not a new one")
	assert.Equal(t, "ACTIVE", is["state"])
	assert.Contains(t, is, "resolvedAt")
	assert.Nil(t, is["resolvedAt"])
	assert.Equal(t, float64(1), is["reopenCount"])
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_webhook_events_total",
		map[string]string{"kind": "pipeline-failure", "outcome": "reopened"}))

	res = ts.do(t, http.MethodGet, "/api/v1/issues/"+id.(string)+"/timeline", nil)
	kinds := []any{}
	for _, ev := range res.JSON(t)["data"].([]any) {
		kinds = append(kinds, ev.(map[string]any)["kind"])
	}
	assert.Equal(t, []any{"opened", "resolved", "reopened"}, kinds)
}

// failingResolver is the real store except that resolving fails, as a
// broken disk would make it.
type failingResolver struct{ kite.Service }

func (failingResolver) ResolveScope(context.Context, kite.Resolution) (int, error) {
	return 0, errors.New("write /data/kite.db: input/output error")
}

func TestSuccessHookStorageError(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.Service = failingResolver{o.Service} })
	for _, c := range []struct{ path, body string }{
		{"/api/v1/webhooks/pipeline-success", `{"pipelineName":"p","namespace":"team-a"}`},
		{"/api/v1/webhooks/release-success", `{"application":"app","namespace":"team-a"}`},
	} {
		res := ts.do(t, http.MethodPost, c.path, c.body)
		requireError(t, res, http.StatusInternalServerError, "Internal server error")
		assert.NotContains(t, string(res.Raw), "input/output", "internals stay in the log")
		assert.NotContains(t, string(res.Raw), "Resolved")
	}
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_webhook_events_total",
		map[string]string{"kind": "pipeline-success", "outcome": "error"}))
}

func TestPipelineHooksNamingARunApplyOnce(t *testing.T) {
	ts := newTestServer(t)
	const fail, ok = "/api/v1/webhooks/pipeline-failure", "/api/v1/webhooks/pipeline-success"
	body := map[string]any{
		"pipelineName": "docker-build", "namespace": "team-a", "failureReason": "OOMKilled",
		"runId": "build-x7k2p", "runUid": "uid-1", "completedAt": "2026-11-20T10:00:00Z",
		"title": "Pipeline docker-build failed: task build-container, step build", "issueType": "build",
		"task": "build-container", "step": "build", "exitCode": 137, "message": "container killed",
		"labels": map[string]string{"appstudio.openshift.io/component": "frontend"},
	}
	res := ts.do(t, http.MethodPost, fail, body)
	require.Equal(t, http.StatusCreated, res.Code, "body: %s", res.Raw)
	is := res.JSON(t)["issue"].(map[string]any)
	assert.Equal(t, "Pipeline docker-build failed: task build-container, step build", is["title"])
	assert.Equal(t, "build", is["issueType"])
	assert.Equal(t, "2026-11-20T10:00:00Z", is["detectedAt"], "observed when the run completed")
	assert.Equal(t, map[string]any{"reason": "OOMKilled", "task": "build-container", "step": "build", "exitCode": float64(137),
		"message": "container killed", "runId": "build-x7k2p", "logUrl": "https://konflux.dev/logs/pipelineruns/build-x7k2p"}, is["failure"])
	assert.Equal(t, map[string]any{"appstudio.openshift.io/component": "frontend"}, is["labels"])

	// Sent again (a retry): nothing changes.
	res = ts.do(t, http.MethodPost, fail, body)
	require.Equal(t, http.StatusCreated, res.Code)
	assert.Equal(t, float64(1), res.JSON(t)["issue"].(map[string]any)["occurrences"])

	// A success that completed before the failure does not resolve it; a later one does, once.
	success := map[string]any{"pipelineName": "docker-build", "namespace": "team-a", "runUid": "uid-0", "completedAt": "2026-11-20T09:00:00Z"}
	res = ts.do(t, http.MethodPost, ok, success)
	require.Equal(t, http.StatusOK, res.Code, "body: %s", res.Raw)
	assert.Equal(t, "Resolved 0 issue(s) for pipeline docker-build", res.JSON(t)["message"])
	success["runUid"], success["completedAt"] = "uid-2", "2026-11-20T11:00:00Z"
	for _, want := range []string{"Resolved 1 issue(s)", "Resolved 0 issue(s)"} {
		res = ts.do(t, http.MethodPost, ok, success)
		require.Equal(t, http.StatusOK, res.Code)
		assert.Contains(t, res.JSON(t)["message"], want)
	}
}

func TestPipelineHookRunFieldErrors(t *testing.T) {
	ts := newTestServer(t)
	for _, c := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "runUid": "u", "completedAt": "0001-01-01T00:00:00Z"}, "completedAt"},
		{"/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "runUid": "u", "completedAt": "1969-12-31T23:59:59Z"}, "completedAt"},
		{"/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "runUid": "u", "completedAt": "2263-01-01T00:00:00Z"}, "completedAt"},
		{"/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "runUid": "u", "completedAt": "yesterday"}, "completedAt"},
		{"/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "completedAt": "2026-11-20T10:00:00Z"}, "runUid"},
		{"/api/v1/webhooks/pipeline-failure", map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "issueType": "flaky"}, "issueType"},
		{"/api/v1/webhooks/pipeline-success", map[string]any{"pipelineName": "p", "namespace": "n", "runUid": "u", "completedAt": "0001-01-01T00:00:00Z"}, "completedAt"},
	} {
		res := ts.do(t, http.MethodPost, c.path, c.body)
		require.Equal(t, http.StatusBadRequest, res.Code, "%v: %s", c.body, res.Raw)
		assert.Equal(t, c.field, res.JSON(t)["field"], "%v", c.body)
	}
}

// TestHookErrorsNameThePayloadsFields: a sender learns which of its own
// fields was wrong, not the name of a field inside Kite.
func TestHookErrorsNameThePayloadsFields(t *testing.T) {
	ts := newTestServer(t)
	const pf, rf, mm = "/api/v1/webhooks/pipeline-failure", "/api/v1/webhooks/release-failure", "/api/v1/webhooks/mintmaker-custom"
	for _, c := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{pf, map[string]any{"pipelineName": "p\x00", "namespace": "n", "failureReason": "r"}, "pipelineName"},
		{pf, map[string]any{"pipelineName": strings.Repeat("p", 300), "namespace": "n", "failureReason": "r"}, "pipelineName"},
		{pf, map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": strings.Repeat("r", 100<<10)}, "failureReason"},
		{pf, map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "logsUrl": "javascript:alert(1)"}, "logsUrl"},
		{pf, map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "task": "t\x1b"}, "task"},
		{pf, map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "message": "m\x00"}, "message"},
		{pf, map[string]any{"pipelineName": "p", "namespace": "n", "failureReason": "r", "runId": "r\x01"}, "runId"},
		{rf, map[string]any{"application": "a", "namespace": "n", "failurePhase": "x", "release": "r", "pipelineRunUrl": "data:text/html,x"}, "pipelineRunUrl"},
		{mm, map[string]any{"pipelineId": "p\x00", "namespace": "n", "type": "error", "logs": []string{"l"}}, "pipelineId"},
	} {
		res := ts.do(t, http.MethodPost, c.path, c.body)
		require.Equal(t, http.StatusBadRequest, res.Code, "%v: %s", c.body, res.Raw)
		assert.Equal(t, c.field, res.JSON(t)["field"], "%s", res.Raw)
		assert.NotContains(t, string(res.Raw), "scope.", "%s", res.Raw)
	}
}
