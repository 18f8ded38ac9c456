package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite/service/servicetest"
)

func TestCORS(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/v1/issues", "/api/v1/issues/", "/api/v1/webhooks/pipeline-failure", "/anything/at/all", "/"} {
		res := ts.do(t, http.MethodOptions, path, nil,
			"Origin", "https://ui.example.com", "Access-Control-Request-Method", "POST")
		require.Equal(t, http.StatusNoContent, res.Code, path)
		assert.Empty(t, res.Raw)
		assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "GET, POST, PUT, DELETE, OPTIONS", res.Header.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "Content-Type, Authorization, X-Kite-User, Impersonate-User, Impersonate-Group, Last-Event-ID", res.Header.Get("Access-Control-Allow-Headers"))
		assert.Equal(t, "86400", res.Header.Get("Access-Control-Max-Age"))
		assert.Empty(t, res.Header.Get("Vary"), "a wildcard origin does not vary")
	}

	res := ts.do(t, http.MethodGet, "/api/v1/version", nil, "Origin", "https://ui.example.com")
	assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"), "simple requests carry CORS headers too")

	ts = newTestServer(t, func(o *Options) { o.CORSOrigins = []string{"https://ui.example.com", "https://console.example.com"} })
	for origin, want := range map[string]string{
		"https://console.example.com": "https://console.example.com",
		"https://evil.example.com":    "",
		"":                            "",
	} {
		res = ts.do(t, http.MethodOptions, "/api/v1/issues", nil, "Origin", origin)
		require.Equal(t, http.StatusNoContent, res.Code)
		assert.Equal(t, want, res.Header.Get("Access-Control-Allow-Origin"), "origin %q", origin)
		assert.Equal(t, "Origin", res.Header.Get("Vary"))
	}
}

func TestUnknownRoutes(t *testing.T) {
	ts := newTestServer(t)
	runCases(t, ts, []routeCase{
		{name: "unknown path", method: "GET", path: "/api/v2/issues", status: 404, errMsg: "Not found"},
		{name: "unknown path with slash", method: "GET", path: "/api/v1/nothing/", status: 404, errMsg: "Not found"},
		{name: "root", method: "GET", path: "/", status: 404, errMsg: "Not found"},
		{name: "slashes only", method: "GET", path: "///", status: 404, errMsg: "Not found"},
		{name: "too deep", method: "GET", path: "/api/v1/issues/a/b/c", status: 404, errMsg: "Not found"},
		{name: "unknown webhook", method: "POST", path: "/api/v1/webhooks/build-failure", body: `{}`, status: 404, errMsg: "Not found"},
		{name: "wrong method on a collection", method: "DELETE", path: "/api/v1/issues", status: 405, errMsg: "Method not allowed",
			check: func(t *testing.T, res *response) { assert.Equal(t, "GET, POST, OPTIONS", res.Header.Get("Allow")) }},
		{name: "wrong method on an issue", method: "POST", path: "/api/v1/issues/" + unknownID + "/", status: 405,
			check: func(t *testing.T, res *response) {
				assert.Equal(t, "GET, PUT, DELETE, OPTIONS", res.Header.Get("Allow"))
			}},
		{name: "wrong method on a webhook", method: "PUT", path: "/api/v1/webhooks/pipeline-success", status: 405,
			check: func(t *testing.T, res *response) { assert.Equal(t, "POST, OPTIONS", res.Header.Get("Allow")) }},
		{name: "odd method", method: "BREW", path: "/api/v1/issues", status: 405},
	})
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_http_requests_total",
		map[string]string{"route": "unmatched", "method": "other", "code": "405"}), "unknown methods share one label")
}

func TestRecoverFromPanic(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	s, err := newServer(Options{
		Service:    servicetest.Open(t),
		Registerer: reg,
		Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
	})
	require.NoError(t, err)
	h := s.instrument("/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))

	rec := httptest.NewRecorder()
	require.NotPanics(t, func() { h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil)) })
	res := &response{Code: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	requireError(t, res, http.StatusInternalServerError, "Internal server error")
	assert.Contains(t, logs.String(), "panic serving request")
	assert.Contains(t, logs.String(), "boom")
	ts := &testServer{reg: reg}
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_http_requests_total",
		map[string]string{"route": "/boom", "code": "500"}), "a panic is counted as the 500 it became")
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_http_panics_total", nil), "and as a panic")

	// A handler that already started its response keeps its status: the
	// recovery must not write a second header.
	h = s.instrument("/late", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("late")
	}))
	rec = httptest.NewRecorder()
	require.NotPanics(t, func() { h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/late", nil)) })
	assert.Equal(t, http.StatusAccepted, rec.Code)
}

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	ts := newTestServer(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	require.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/api/v1/version", nil).Code)
	line := logs.String()
	assert.Contains(t, line, "level=DEBUG")
	assert.Contains(t, line, `msg="http request"`)
	assert.Contains(t, line, "route=/api/v1/version")
	assert.Contains(t, line, "status=200")
}

func TestServerErrorsAreLogged(t *testing.T) {
	var logs bytes.Buffer
	ts := newTestServer(t, func(o *Options) {
		o.Service = failingResolver{o.Service}
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-success", `{"pipelineName":"p","namespace":"n"}`)
	require.Equal(t, http.StatusInternalServerError, res.Code)
	assert.Contains(t, logs.String(), "input/output error", "the cause goes to the log")

	logs.Reset()
	require.Equal(t, http.StatusBadRequest, ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-success", `{}`).Code)
	assert.NotContains(t, logs.String(), "level=ERROR", "client errors are not server errors")
	assert.Contains(t, logs.String(), "status=400", "though the write is in the audit trail")
}

func TestNewOptions(t *testing.T) {
	st := servicetest.Open(t)

	_, err := New(Options{})
	assert.ErrorContains(t, err, "Service")

	reg := prometheus.NewRegistry()
	_, err = New(Options{Service: st, Registerer: reg})
	require.NoError(t, err, "a Registry is its own Gatherer")
	_, err = New(Options{Service: st, Registerer: reg})
	assert.Error(t, err, "metrics cannot be registered twice on one registry")

	_, err = New(Options{Service: st, Registerer: prometheus.WrapRegistererWithPrefix("x_", prometheus.NewRegistry())})
	assert.ErrorContains(t, err, "Gatherer")

	_, err = New(Options{Service: st, Gatherer: prometheus.NewRegistry()})
	assert.ErrorContains(t, err, "Registerer")

	h, err := New(Options{Service: st})
	require.NoError(t, err, "without a registry a private one is used")
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `kite_http_requests_total{code="200",method="GET",route="/healthz"} 1`)
}
