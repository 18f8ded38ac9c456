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
	noEnv := homeOnly(t)

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
	noEnv := homeOnly(t)

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

// homeOnly is an environment with nothing but an empty home directory: no
// kite config, no kubeconfig, no token.
func homeOnly(t *testing.T) lookupEnv {
	home := t.TempDir()
	return func(k string) (string, bool) {
		if k == "HOME" {
			return home, true
		}
		return "", false
	}
}

// TestBenchSendsCredentials: kite bench authenticates as the other client
// commands do, with --token, KITE_TOKEN or the kubeconfig's credentials,
// its stream clients too; without any it is refused.
func TestBenchSendsCredentials(t *testing.T) {
	svc := servicetest.Open(t)
	var grants rbacTable
	for _, ns := range []string{"bench-0", "bench-1"} {
		for _, verb := range []string{"create", "get", "list", "watch"} {
			grants = append(grants, "alice "+verb+" "+ns)
		}
	}
	h, err := api.New(api.Options{Service: svc, Authenticator: tokenTable{"alice-token": "alice"}, Authorizer: grants})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	bench := func(env map[string]string, args ...string) (int, string, string) {
		env["HOME"] = t.TempDir()
		var out, errb bytes.Buffer
		args = append([]string{"bench", "--url", srv.URL, "-n", "20", "-c", "2", "--namespaces", "2"}, args...)
		code := run(args, nil, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		return code, out.String(), errb.String()
	}

	code, _, errs := bench(map[string]string{}, "-w", "new-failure")
	assert.Equal(t, exitError, code, "no credentials: anonymous, refused")
	assert.Contains(t, errs, "403")

	for name, c := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"--token":                        {map[string]string{}, []string{"--token", "alice-token"}},
		"KITE_TOKEN":                     {map[string]string{"KITE_TOKEN": "alice-token"}, nil},
		"kubeconfig":                     {map[string]string{"KUBECONFIG": kubeconfigWith(t, "alice-token")}, nil},
		"KITE_TOKEN over the kubeconfig": {map[string]string{"KITE_TOKEN": "alice-token", "KUBECONFIG": kubeconfigWith(t, "stale-token")}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			for _, w := range []string{"new-failure", "list", "get", "search"} {
				code, out, errs := bench(c.env, append([]string{"-w", w}, c.args...)...)
				require.Equal(t, exitOK, code, "%s: %s", w, errs)
				assert.Contains(t, out, "requests     20 (0 failed)", w)
			}
			code, out, errs := bench(c.env, append([]string{"-w", "new-failure", "--stream-clients", "2"}, c.args...)...)
			require.Equal(t, exitOK, code, errs)
			assert.Contains(t, out, "stream       2 clients, 40 of 40 events delivered, 0 streams broke")
		})
	}
}
