package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// requireSane is the fuzz oracle: whatever the input, the server answers
// as a client error or success, never a 5xx, and always with JSON.
func requireSane(t *testing.T, res *response) {
	t.Helper()
	if res.Code >= 500 {
		t.Fatalf("status %d for fuzzed input; body: %s", res.Code, res.Raw)
	}
	if res.Code == http.StatusNoContent {
		return
	}
	if !json.Valid(res.Raw) {
		t.Fatalf("status %d with a non-JSON body: %q", res.Code, res.Raw)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("status %d with Content-Type %q", res.Code, ct)
	}
}

var webhookPaths = []string{
	"/api/v1/webhooks/pipeline-failure",
	"/api/v1/webhooks/pipeline-success",
	"/api/v1/webhooks/release-failure",
	"/api/v1/webhooks/release-success",
	"/api/v1/webhooks/mintmaker-custom",
}

func FuzzWebhookBody(f *testing.F) {
	seeds := []struct {
		hook  uint8
		query string
		body  string
	}{
		{0, "team-a", `{"pipelineName":"p","namespace":"team-a","failureReason":"r","runId":"r1","severity":"medium"}`},
		{0, "", `{"pipelineName":"p","namespace":"team-a","failureReason":"r","logsUrl":"https://l"}`},
		{0, "team-b", `{"pipelineName":"p","namespace":"team-a","failureReason":"r"}`},
		{0, "", `{"pipelineName":"p","namespace":"team-a","failureReason":"r","severity":"bogus"}`},
		{0, "", `{"pipelineName":"p\u0000","namespace":"team-a","failureReason":"r"}`},
		{0, "", `{"pipelineName":5}`},
		{1, "team-a", `{"pipelineName":"p","namespace":"team-a"}`},
		{1, "", `{"pipelineName":"p\u0001","namespace":"team-a"}`},
		{2, "", `{"application":"a","namespace":"team-a","failurePhase":"Managed","release":"r","pipelineRunUrl":"https://x"}`},
		{3, "", `{"application":"a","namespace":"team-a"}`},
		{4, "", `{"pipelineId":"p","namespace":"team-a","type":"error","logs":["a","b"]}`},
		{4, "", `{"pipelineId":"p","namespace":"team-a","type":"warning","logs":[]}`},
		{4, "", `{"pipelineId":"p","namespace":"team-a","type":"e\u007f","logs":["x"]}`},
		{0, "", ``},
		{1, "", `{`},
		{2, "", `[]`},
		{3, "", `null`},
		{4, "", `{"logs":"x"}`},
		{0, "", `{"pipelineName":"p","namespace":"n","failureReason":"r"} trailing`},
		{0, "\x00", `{"pipelineName":"p","failureReason":"r"}`},
	}
	for _, s := range seeds {
		f.Add(s.hook, s.query, []byte(s.body))
	}
	ts := newTestServer(f)
	f.Fuzz(func(t *testing.T, hook uint8, query string, body []byte) {
		target := webhookPaths[int(hook)%len(webhookPaths)]
		if query != "" {
			target += "?namespace=" + url.QueryEscape(query)
		}
		requireSane(t, ts.do(t, http.MethodPost, target, body))
	})
}

func FuzzIssueBody(f *testing.F) {
	seeds := []struct {
		op   uint8
		body string
	}{
		{0, `{"title":"t","description":"d","severity":"major","issueType":"build","namespace":"team-a","scope":{"resourceType":"component","resourceName":"c"},"links":[{"title":"l","url":"https://l"}]}`},
		{0, `{"title":"t","description":"d","severity":"medium","issueType":"BUILD","state":"resolved","namespace":"team-a","scope":{"resourceType":"c","resourceName":"n"},"key":"k","labels":{"a":"b"}}`},
		{0, `{"title":"t","description":"d","severity":"x","issueType":"build","namespace":"team-a","scope":{"resourceType":"c","resourceName":"n"}}`},
		{0, `{"title":"t","links":[{"title":"no url"}]}`},
		{0, `{"scope":{"resourceName":7}}`},
		{1, `{"title":"new"}`},
		{1, `{"state":"RESOLVED"}`},
		{1, `{"state":"ACTIVE","resolvedAt":null}`},
		{1, `{"resolvedAt":"2024-01-02T03:04:05Z"}`},
		{1, `{"resolvedAt":null}`},
		{1, `{"resolvedAt":12}`},
		{1, `{"links":[]}`},
		{1, `{"scope":{"resourceType":"","resourceName":"x"}}`},
		{1, `{"severity":"bogus","issueType":"nope","state":"maybe"}`},
		{2, `{"relatedId":"0190d4a4-0000-7000-8000-000000000000"}`},
		{2, `{"relatedId":""}`},
		{2, `{"relatedId":["x"]}`},
		{0, ``},
		{1, `{`},
		{1, `null`},
		{2, `{} {}`},
	}
	for _, s := range seeds {
		f.Add(s.op, []byte(s.body))
	}
	ts := newTestServer(f)
	is := ts.createIssue(f, "team-fuzz", "target")
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		var res *response
		switch op % 3 {
		case 0:
			res = ts.do(t, http.MethodPost, "/api/v1/issues", body)
		case 1:
			res = ts.do(t, http.MethodPut, "/api/v1/issues/"+is.ID, body)
		default:
			res = ts.do(t, http.MethodPost, "/api/v1/issues/"+is.ID+"/related", body)
		}
		requireSane(t, res)
	})
}
