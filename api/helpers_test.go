package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// testServer is the real handler over a real store in a temporary file.
type testServer struct {
	h     http.Handler
	store *service.Service
	reg   *prometheus.Registry
}

// newTestServer builds New(Options) over a fresh store; edit may change the
// options (a failing Ping, a wrapped Service) before the handler is built.
func newTestServer(tb testing.TB, edit ...func(*Options)) *testServer {
	tb.Helper()
	st := servicetest.Open(tb)
	reg := prometheus.NewRegistry()
	o := Options{
		Service:    st,
		Registerer: reg,
		Version:    "v-test",
	}
	for _, e := range edit {
		e(&o)
	}
	h, err := New(o)
	require.NoError(tb, err)
	ts := &testServer{h: h, store: st, reg: reg}
	if o.Registerer == reg {
		// Whatever a test sends, no request may reach the panic path.
		tb.Cleanup(func() {
			assert.Zero(tb, ts.counterValue(tb, "kite_http_panics_total", nil), "a request panicked; see the log")
		})
	}
	return ts
}

// response is a finished request with its body decoded when it is JSON.
type response struct {
	Code   int
	Header http.Header
	Raw    []byte
}

// JSON decodes the body into a generic map; it fails the test when the
// body is not a JSON object.
func (r *response) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(r.Raw, &m), "body: %s", r.Raw)
	return m
}

// Issue decodes the body as an issue.
func (r *response) Issue(tb testing.TB) *kite.Issue {
	tb.Helper()
	var is kite.Issue
	require.NoError(tb, json.Unmarshal(r.Raw, &is), "body: %s", r.Raw)
	return &is
}

// do sends one request. body may be nil, a string or []byte (sent as is),
// or anything else (sent as JSON). headers come in name, value pairs.
func (ts *testServer) do(tb testing.TB, method, target string, body any, headers ...string) *response {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(tb, err)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, target, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	return &response{Code: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
}

// requireError checks a JSON error answer: status, message and, when
// detailsHas is not empty, words the details must contain.
func requireError(tb testing.TB, res *response, status int, message string, detailsHas ...string) {
	tb.Helper()
	require.Equal(tb, status, res.Code, "body: %s", res.Raw)
	require.Contains(tb, res.Header.Get("Content-Type"), "application/json")
	body := res.JSON(tb)
	require.Contains(tb, body, "error", "body: %s", res.Raw)
	if message != "" {
		require.Equal(tb, message, body["error"], "body: %s", res.Raw)
	}
	for _, want := range detailsHas {
		require.Contains(tb, body["details"], want, "body: %s", res.Raw)
	}
}

// requireClientError checks that malformed input is refused as the
// caller's fault: a 4xx with a JSON "error", never a 500.
func requireClientError(tb testing.TB, res *response) {
	tb.Helper()
	require.GreaterOrEqual(tb, res.Code, 400, "body: %s", res.Raw)
	require.Less(tb, res.Code, 500, "body: %s", res.Raw)
	require.Contains(tb, res.JSON(tb), "error")
}

// issueBody is a valid create body; edit adjusts it per case.
func issueBody(ns, name string, edit ...func(map[string]any)) map[string]any {
	b := map[string]any{
		"title":       "Build failed: " + name,
		"description": "The build of " + name + " failed",
		"severity":    "major",
		"issueType":   "build",
		"namespace":   ns,
		"scope": map[string]any{
			"resourceType": "component",
			"resourceName": name,
		},
		"links": []map[string]string{{"title": "Logs", "url": "https://logs.example.com/" + name}},
	}
	for _, e := range edit {
		e(b)
	}
	return b
}

// createIssue creates an issue through the API and returns it.
func (ts *testServer) createIssue(tb testing.TB, ns, name string, edit ...func(map[string]any)) *kite.Issue {
	tb.Helper()
	res := ts.do(tb, http.MethodPost, "/api/v1/issues", issueBody(ns, name, edit...))
	require.Equal(tb, http.StatusCreated, res.Code, "body: %s", res.Raw)
	return res.Issue(tb)
}

// counterValue reads one sample of a counter from the test registry.
func (ts *testServer) counterValue(tb testing.TB, name string, labels map[string]string) float64 {
	tb.Helper()
	families, err := ts.reg.Gather()
	require.NoError(tb, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
