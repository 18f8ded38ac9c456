package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestMalformedInputIsClientError sweeps every route that takes a body or
// an id with broken input: each must answer 4xx with a JSON "error", never
// a 500, whatever the route.
func TestMalformedInputIsClientError(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")

	bodyRoutes := []struct{ method, path string }{
		{http.MethodPost, "/api/v1/issues"},
		{http.MethodPut, "/api/v1/issues/" + is.ID},
		{http.MethodPost, "/api/v1/issues/" + is.ID + "/related"},
	}
	for _, p := range webhookPaths {
		bodyRoutes = append(bodyRoutes, struct{ method, path string }{http.MethodPost, p})
	}
	bodies := map[string]string{
		"empty":         ``,
		"whitespace":    " \n\t",
		"truncated":     `{"title": "x`,
		"not JSON":      `hello`,
		"array":         `[{"title":"x"}]`,
		"number":        `42`,
		"string":        `"x"`,
		"two objects":   `{}{}`,
		"garbage after": `{"title":"x"} ,`,
		"wrong types":   `{"title":1,"description":[],"severity":{},"issueType":true,"state":2,"namespace":3,"scope":"s","links":{},"labels":[],"key":5,"resolvedAt":7,"relatedId":8,"pipelineName":9,"failureReason":[],"application":{},"release":1,"failurePhase":2,"pipelineId":3,"type":4,"logs":5,"runId":6,"logsUrl":7,"pipelineRunUrl":8}`,
		"unknown enums": `{"title":"t","description":"d","severity":"sev","issueType":"kind","state":"st","namespace":"n","scope":{"resourceType":"a","resourceName":"b"},"failureReason":"r","relatedId":""}`,
		"deep nesting":  strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000),
		"oversize":      `{"title":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`,
	}
	for _, rt := range bodyRoutes {
		for name, body := range bodies {
			t.Run(rt.method+" "+rt.path+"/"+name, func(t *testing.T) {
				requireClientError(t, ts.do(t, rt.method, rt.path, body))
			})
		}
	}

	ids := []string{"x", "..", "%2e%2e", "%00", strings.Repeat("a", 5000), "🙂", "00000000-0000-0000-0000-000000000000", url.PathEscape("a b")}
	for _, id := range ids {
		for _, rt := range []struct{ method, path string }{
			{http.MethodGet, "/api/v1/issues/" + id},
			{http.MethodPut, "/api/v1/issues/" + id},
			{http.MethodDelete, "/api/v1/issues/" + id},
			{http.MethodPost, "/api/v1/issues/" + id + "/resolve"},
			{http.MethodGet, "/api/v1/issues/" + id + "/timeline"},
			{http.MethodPost, "/api/v1/issues/" + id + "/related"},
			{http.MethodDelete, "/api/v1/issues/" + id + "/related/" + id},
			{http.MethodDelete, "/api/v1/issues/" + is.ID + "/related/" + id},
		} {
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				requireClientError(t, ts.do(t, rt.method, rt.path, `{"title":"x","relatedId":"`+is.ID+`"}`))
			})
		}
	}
}
