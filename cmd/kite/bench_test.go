package main

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestBenchWorkloads runs every workload briefly against a real store and
// checks that it reports its figures and really did its writes.
func TestBenchWorkloads(t *testing.T) {
	st := servicetest.Open(t)
	h, err := api.New(api.Options{Service: st, Ping: st.Ping})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	noEnv := func(string) (string, bool) { return "", false }

	for _, w := range []string{"new-failure", "repeat-failure", "success", "list", "get", "search", "facets"} {
		var out, errb bytes.Buffer
		code := run([]string{"bench", "--url", srv.URL, "-w", w, "-n", "200", "-c", "8", "--namespaces", "2", "--scopes", "10"}, nil, &out, &errb, noEnv)
		require.Equal(t, exitOK, code, "%s: %s", w, errb.String())
		assert.Contains(t, out.String(), "throughput", w)
		assert.Contains(t, out.String(), "p99", w)
	}
	ctx := t.Context()
	list, err := st.ListIssues(ctx, kite.IssueFilter{Namespace: "bench-0", Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, 100+5, list.Total, "200 new scopes plus 10 fixed ones, over two namespaces")
	resolved, err := st.ListIssues(ctx, kite.IssueFilter{Namespace: "bench-0", State: kite.StateResolved})
	require.NoError(t, err)
	assert.Equal(t, 5, resolved.Total, "success resolved the fixed set")
}
