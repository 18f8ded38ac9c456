package main

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestBenchWorkloads runs every workload briefly against a real store and
// checks that it reports its figures and really did its writes.
func TestBenchWorkloads(t *testing.T) {
	st, srv := benchTarget(t)
	noEnv := func(string) (string, bool) { return "", false }

	for _, w := range []string{"new-failure", "repeat-failure", "success", "list", "get", "search", "facets", "list-search", "list-short"} {
		var out, errb bytes.Buffer
		code := run([]string{"bench", "--url", srv.URL, "-w", w, "-n", "200", "-c", "8", "--namespaces", "2", "--scopes", "10"}, nil, &out, &errb, noEnv)
		require.Equal(t, exitOK, code, "%s: %s", w, errb.String())
		assert.Contains(t, out.String(), "throughput", w)
		assert.Contains(t, out.String(), "p99", w)
	}
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--url", srv.URL, "-w", "query", "--query", "pipeline is:active", "-n", "20", "-c", "2", "--namespaces", "2"}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "requests     20 (0 failed)")
	code = run([]string{"bench", "--url", srv.URL, "-w", "query"}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitUsage, code, "the query workload needs --query")
	ctx := t.Context()
	list, err := st.ListIssues(ctx, kite.IssueFilter{Namespace: "bench-0", Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, 100+5, list.Total, "200 new scopes plus 10 fixed ones, over two namespaces")
	resolved, err := st.ListIssues(ctx, kite.IssueFilter{Namespace: "bench-0", State: kite.StateResolved})
	require.NoError(t, err)
	assert.Equal(t, 5, resolved.Total, "success resolved the fixed set")
}

// TestBenchStreamClients follows the event stream during a new-failure run
// and accounts for every event at every client.
func TestBenchStreamClients(t *testing.T) {
	_, srv := benchTarget(t)
	noEnv := func(string) (string, bool) { return "", false }

	var out, errb bytes.Buffer
	code := run([]string{"bench", "--url", srv.URL, "-w", "new-failure", "-n", "100", "-c", "4", "--namespaces", "2", "--stream-clients", "3"}, nil, &out, &errb, noEnv)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "stream       3 clients, 300 of 300 events delivered, 0 streams broke")
	assert.Contains(t, out.String(), "delivery     p50")

	code = run([]string{"bench", "--url", srv.URL, "-w", "list", "--stream-clients", "3"}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitUsage, code, "the stream is measured on new issues only")
}

// benchTarget is a real service behind an HTTP server for kite bench.
func benchTarget(t *testing.T) (*service.Service, *httptest.Server) {
	t.Helper()
	st := servicetest.Open(t)
	h, err := api.New(api.Options{Service: st, Ping: st.Ping})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return st, srv
}
