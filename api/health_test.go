package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealth(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/v1/health", "/api/v1/health/"} {
		res := ts.do(t, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, res.Code, "body: %s", res.Raw)
		body := res.JSON(t)
		assert.Equal(t, "UP", body["status"])
		assert.Equal(t, "All systems operational", body["message"])
		_, err := time.Parse(time.RFC3339, body["timestamp"].(string))
		assert.NoError(t, err)
		components := body["components"].(map[string]any)
		assert.Equal(t, "UP", components["database"].(map[string]any)["status"])
		assert.NotEmpty(t, components["database"].(map[string]any)["message"])
		api := components["api"].(map[string]any)
		assert.Equal(t, "UP", api["status"])
		assert.Equal(t, map[string]any{"version": "v-test"}, api["details"])
	}
}

func TestHealthStorageDown(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Ping = func(context.Context) error { return errors.New("database not open") }
	})
	res := ts.do(t, http.MethodGet, "/api/v1/health", nil)
	require.Equal(t, http.StatusServiceUnavailable, res.Code)
	body := res.JSON(t)
	assert.Equal(t, "DOWN", body["status"])
	db := body["components"].(map[string]any)["database"].(map[string]any)
	assert.Equal(t, "DOWN", db["status"])
	assert.Equal(t, "database not open", db["message"])

	requireError(t, ts.do(t, http.MethodGet, "/readyz", nil), http.StatusServiceUnavailable, "Storage unavailable", "database not open")

	res = ts.do(t, http.MethodGet, "/healthz", nil)
	assert.Equal(t, http.StatusOK, res.Code, "liveness does not depend on storage")
}

func TestProbes(t *testing.T) {
	ts := newTestServer(t)
	runCases(t, ts, []routeCase{
		{name: "healthz", method: "GET", path: "/healthz", status: 200,
			check: func(t *testing.T, res *response) { assert.Equal(t, map[string]any{"status": "ok"}, res.JSON(t)) }},
		{name: "healthz trailing slash", method: "GET", path: "/healthz/", status: 200},
		{name: "readyz uses the store's Ping", method: "GET", path: "/readyz", status: 200,
			check: func(t *testing.T, res *response) { assert.Equal(t, map[string]any{"status": "ready"}, res.JSON(t)) }},
		{name: "readyz trailing slash", method: "GET", path: "/readyz/", status: 200},
		{name: "healthz wrong method", method: "POST", path: "/healthz", status: 405},
	})
}

func TestVersion(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/v1/version", "/api/v1/version/"} {
		res := ts.do(t, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, res.Code)
		body := res.JSON(t)
		assert.Equal(t, "Kite", body["name"])
		assert.NotEmpty(t, body["description"])
		assert.Equal(t, "v-test", body["version"])
	}
}

func TestMetricsEndpoint(t *testing.T) {
	ts := newTestServer(t)
	require.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/api/v1/version", nil).Code)
	require.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/no/such/path", nil).Code)
	require.Equal(t, http.StatusMethodNotAllowed, ts.do(t, http.MethodDelete, "/api/v1/version", nil).Code)

	res := ts.do(t, http.MethodGet, "/metrics", nil)
	require.Equal(t, http.StatusOK, res.Code)
	text := string(res.Raw)
	assert.Contains(t, text, `kite_http_requests_total{code="200",method="GET",route="/api/v1/version"} 1`)
	assert.Contains(t, text, `kite_http_requests_total{code="404",method="GET",route="unmatched"} 1`)
	assert.Contains(t, text, `kite_http_requests_total{code="405",method="DELETE",route="unmatched"} 1`)
	assert.Contains(t, text, `kite_http_request_duration_seconds_count{method="GET",route="/api/v1/version"} 1`)
	assert.NotContains(t, text, "/no/such/path", "unmatched paths never become labels")

	assert.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/metrics/", nil).Code)
}

func TestOpenAPIEndpoint(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/openapi.json", "/openapi.json/"} {
		res := ts.do(t, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, res.Code)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		var doc map[string]any
		require.NoError(t, json.Unmarshal(res.Raw, &doc))
		assert.Equal(t, "3.0.3", doc["openapi"])
	}
}

func TestComponentChecks(t *testing.T) {
	failing := errors.New("the PipelineRun watcher stopped: lost the lease")
	var watcherErr error
	ts := newTestServer(t, func(o *Options) {
		o.Checks = map[string]func(context.Context) error{"watcher": func(context.Context) error { return watcherErr }}
	})
	res := ts.do(t, http.MethodGet, "/api/v1/health", nil)
	require.Equal(t, http.StatusOK, res.Code)
	assert.Equal(t, "UP", res.JSON(t)["components"].(map[string]any)["watcher"].(map[string]any)["status"])
	assert.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/readyz", nil).Code)

	watcherErr = failing
	res = ts.do(t, http.MethodGet, "/api/v1/health", nil)
	require.Equal(t, http.StatusServiceUnavailable, res.Code)
	w := res.JSON(t)["components"].(map[string]any)["watcher"].(map[string]any)
	assert.Equal(t, "DOWN", w["status"])
	assert.Equal(t, failing.Error(), w["message"])
	requireError(t, ts.do(t, http.MethodGet, "/readyz", nil), http.StatusServiceUnavailable, "Not ready: watcher", "lost the lease")
	assert.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/healthz", nil).Code)
}
