package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func releaseFailure(ns, app string, extra ...string) map[string]string {
	b := map[string]string{"application": app, "failurePhase": "Managed", "release": "rel-1"}
	if ns != "" {
		b["namespace"] = ns
	}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i]] = extra[i+1]
	}
	return b
}

func TestReleaseFailureWebhook(t *testing.T) {
	ts := newTestServer(t)
	const path = "/api/v1/webhooks/release-failure"
	var id string

	runCases(t, ts, []routeCase{
		{name: "created with logs", method: "POST", path: path + "?namespace=team-a",
			body: releaseFailure("team-a", "shop", "pipelineRunUrl", "https://console/pr/1"), status: 201,
			check: func(t *testing.T, res *response) {
				is := hookIssue(t, res)
				id = is["id"].(string)
				assert.Equal(t, "Release rel-1 failed for application shop", is["title"])
				assert.Equal(t, "The release failed in phase: Managed. Link to logs: https://console/pr/1", is["description"])
				assert.Equal(t, "major", is["severity"])
				assert.Equal(t, "release", is["issueType"])
				scope := is["scope"].(map[string]any)
				assert.Equal(t, "application", scope["resourceType"])
				assert.Equal(t, "shop", scope["resourceName"])
				assert.Equal(t, "team-a", scope["resourceNamespace"])
				links := is["links"].([]any)
				require.Len(t, links, 1)
				assert.Equal(t, "Release PipelineRun", links[0].(map[string]any)["title"])
				assert.Equal(t, "https://console/pr/1", links[0].(map[string]any)["url"])
			}},
		{name: "repeat for another release updates the application's issue", method: "POST", path: path,
			body: releaseFailure("team-a", "shop", "release", "rel-2"), status: 201,
			check: func(t *testing.T, res *response) {
				is := hookIssue(t, res)
				assert.Equal(t, id, is["id"])
				assert.Equal(t, "Release rel-2 failed for application shop", is["title"])
				assert.Equal(t, "The release failed in phase: Managed", is["description"])
				assert.Equal(t, float64(2), is["occurrences"])
			}},
		{name: "without logs", method: "POST", path: path, body: releaseFailure("team-a", "cart"), status: 201,
			check: func(t *testing.T, res *response) {
				is := hookIssue(t, res)
				assert.Equal(t, "The release failed in phase: Managed", is["description"])
				assert.Equal(t, []any{}, is["links"])
			}},
		{name: "query namespace is enough", method: "POST", path: path + "?namespace=team-b", body: releaseFailure("", "shop"), status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, "team-b", hookIssue(t, res)["namespace"]) }},
		{name: "body and query disagree", method: "POST", path: path + "?namespace=team-b", body: releaseFailure("team-a", "shop"),
			status: 400, details: []string{"namespace"}},
		{name: "missing fields all named", method: "POST", path: path, body: map[string]string{"namespace": "team-a", "release": "r"},
			status: 400, errMsg: "Missing required fields", details: []string{"missing: application, failurePhase"}},
		{name: "empty object", method: "POST", path: path, body: `{}`, status: 400, errMsg: "Missing required fields",
			details: []string{"missing: application, namespace, failurePhase, release"}},
		{name: "wrong type", method: "POST", path: path, body: `{"application":1}`, status: 400, details: []string{"application"}},
		{name: "malformed JSON", method: "POST", path: path, body: `{"application":"a",}`, status: 400, errMsg: "Invalid request body"},
		{name: "oversize body", method: "POST", path: path, body: releaseFailure("team-a", "shop", "failurePhase", strings.Repeat("x", 2<<20)),
			status: 413, errMsg: "Request body too large"},
		{name: "trailing slash", method: "POST", path: path + "/", body: releaseFailure("team-a", "shop"), status: 201},
	})
}

func TestReleaseSuccessWebhook(t *testing.T) {
	ts := newTestServer(t)
	const path = "/api/v1/webhooks/release-success"
	for _, app := range []string{"shop", "cart"} {
		res := ts.do(t, http.MethodPost, "/api/v1/webhooks/release-failure", releaseFailure("team-a", app))
		require.Equal(t, http.StatusCreated, res.Code, "body: %s", res.Raw)
	}
	// A pipelinerun of the same name is another scope and must stay open.
	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "shop"))
	require.Equal(t, http.StatusCreated, res.Code)
	pipelineIssue := hookIssue(t, res)["id"].(string)

	runCases(t, ts, []routeCase{
		{name: "resolves the application's issues", method: "POST", path: path + "?namespace=team-a",
			body: map[string]string{"application": "shop", "namespace": "team-a"}, status: 200,
			check: func(t *testing.T, res *response) {
				wantResolved("Resolved 1 issue(s) for application shop")(t, res)
				assert.Equal(t, "ACTIVE", ts.do(t, "GET", "/api/v1/issues/"+pipelineIssue, nil).JSON(t)["state"])
			}},
		{name: "nothing left", method: "POST", path: path, body: map[string]string{"application": "shop", "namespace": "team-a"},
			status: 200, check: wantResolved("Resolved 0 issue(s) for application shop")},
		{name: "query namespace is enough", method: "POST", path: path + "?namespace=team-a", body: map[string]string{"application": "cart"},
			status: 200, check: wantResolved("Resolved 1 issue(s) for application cart")},
		{name: "body and query disagree", method: "POST", path: path + "?namespace=x", body: map[string]string{"application": "a", "namespace": "y"},
			status: 400, details: []string{"namespace"}},
		{name: "missing fields", method: "POST", path: path, body: map[string]string{"namespace": "team-a"}, status: 400,
			errMsg: "Missing required fields", details: []string{"missing: application"}},
		{name: "wrong type", method: "POST", path: path, body: `{"application":{},"namespace":"team-a"}`, status: 400, details: []string{"application"}},
		{name: "malformed JSON", method: "POST", path: path, body: `{{`, status: 400, errMsg: "Invalid request body"},
		{name: "trailing slash", method: "POST", path: path + "/", body: map[string]string{"application": "none", "namespace": "team-a"},
			status: 200, check: wantResolved("Resolved 0 issue(s) for application none")},
	})
}

func TestMintmakerWebhook(t *testing.T) {
	ts := newTestServer(t)
	const path = "/api/v1/webhooks/mintmaker-custom"
	mint := func(typ string, logs ...string) map[string]any {
		return map[string]any{"pipelineId": "renovate-1", "namespace": "team-a", "type": typ, "logs": logs}
	}
	severityOf := func(want string) func(*testing.T, *response) {
		return func(t *testing.T, res *response) { assert.Equal(t, want, hookIssue(t, res)["severity"]) }
	}

	runCases(t, ts, []routeCase{
		{name: "no logs", method: "POST", path: path, body: mint("error"), status: 200,
			check: func(t *testing.T, res *response) {
				assert.Equal(t, map[string]any{"info": "No logs provided, no issue created"}, res.JSON(t))
			}},
		{name: "logs absent", method: "POST", path: path, body: `{"pipelineId":"p","namespace":"team-a","type":"error"}`, status: 200,
			check: func(t *testing.T, res *response) { assert.Contains(t, res.JSON(t), "info") }},
		{name: "error logs", method: "POST", path: path + "?namespace=team-a", body: mint("error", "first", "second"), status: 201,
			check: func(t *testing.T, res *response) {
				is := hookIssue(t, res)
				assert.Equal(t, "Mintmaker error(2): renovate-1", is["title"])
				assert.Equal(t, "first\n--------------------------------\nsecond", is["description"])
				assert.Equal(t, "major", is["severity"])
				assert.Equal(t, "dependency", is["issueType"])
				scope := is["scope"].(map[string]any)
				assert.Equal(t, "mintmaker-error", scope["resourceType"])
				assert.Equal(t, "renovate-1", scope["resourceName"])
				var links []string
				for _, l := range is["links"].([]any) {
					links = append(links, l.(map[string]any)["title"].(string)+" "+l.(map[string]any)["url"].(string))
				}
				assert.Equal(t, []string{
					"MintMaker documentation https://konflux-ci.dev/docs/mintmaker/",
					"Renovate documentation https://docs.renovatebot.com/",
				}, links)
			}},
		{name: "warning is minor", method: "POST", path: path, body: mint("warning", "w"), status: 201, check: severityOf("minor")},
		{name: "anything else is info", method: "POST", path: path, body: mint("notice", "n"), status: 201, check: severityOf("info")},
		{name: "query namespace is enough", method: "POST", path: path + "?namespace=team-b",
			body: map[string]any{"pipelineId": "p", "type": "error", "logs": []string{"x"}}, status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, "team-b", hookIssue(t, res)["namespace"]) }},
		{name: "body and query disagree", method: "POST", path: path + "?namespace=team-b", body: mint("error", "x"), status: 400,
			details: []string{"namespace"}},
		{name: "missing fields before logs", method: "POST", path: path, body: `{"logs":["x"]}`, status: 400,
			errMsg: "Missing required fields", details: []string{"missing: pipelineId, namespace, type"}},
		{name: "logs not an array", method: "POST", path: path, body: `{"pipelineId":"p","namespace":"n","type":"error","logs":"x"}`,
			status: 400, errMsg: "Invalid request body", details: []string{"logs"}},
		{name: "logs of numbers", method: "POST", path: path, body: `{"pipelineId":"p","namespace":"n","type":"error","logs":[1]}`,
			status: 400, errMsg: "Invalid request body", details: []string{"logs"}},
		{name: "control character in type", method: "POST", path: path, body: mint("err\x7for", "x"), status: 400, errMsg: "Validation failed"},
		{name: "malformed JSON", method: "POST", path: path, body: `[`, status: 400, errMsg: "Invalid request body"},
		{name: "oversize body", method: "POST", path: path, body: mint("error", strings.Repeat("l", 2<<20)), status: 413},
		{name: "trailing slash", method: "POST", path: path + "/", body: mint("error", "again"), status: 201,
			check: func(t *testing.T, res *response) {
				assert.Equal(t, "Mintmaker error(1): renovate-1", hookIssue(t, res)["title"])
			}},
	})
	assert.Equal(t, float64(2), ts.counterValue(t, "kite_webhook_events_total",
		map[string]string{"kind": "mintmaker-custom", "outcome": "noop"}))
}
