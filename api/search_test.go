package api

import (
	"context"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func searchPath(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Add(params[i], params[i+1])
	}
	return "/api/v1/search?" + v.Encode()
}

func hitsOf(t *testing.T, res *response) (ids []string, total float64) {
	t.Helper()
	body := res.JSON(t)
	require.IsType(t, []any{}, body["data"], "data must be an array: %s", res.Raw)
	for _, h := range body["data"].([]any) {
		ids = append(ids, h.(map[string]any)["issue"].(map[string]any)["id"].(string))
	}
	return ids, body["total"].(float64)
}

func TestSearch(t *testing.T) {
	ts := newTestServer(t)
	pull := ts.createIssue(t, "team-a", "frontend", func(b map[string]any) {
		b["description"] = "Task build-container failed: ImagePullBackOff"
		b["severity"] = "critical"
	})
	ts.createIssue(t, "team-a", "backend")
	ts.createIssue(t, "team-b", "frontend")

	runCases(t, ts, []routeCase{
		{name: "free word with highlights and facets", method: "GET",
			path: searchPath("q", "pull", "namespace", "team-a", "facets", "severity,state"), status: 200,
			check: func(t *testing.T, res *response) {
				ids, total := hitsOf(t, res)
				assert.Equal(t, []string{pull.ID}, ids)
				assert.Equal(t, 1.0, total)
				body := res.JSON(t)
				hit := body["data"].([]any)[0].(map[string]any)
				assert.Contains(t, hit["highlights"].(map[string]any)["description"].([]any)[0], "<mark>")
				facets := body["facets"].(map[string]any)
				assert.Equal(t, []any{map[string]any{"value": "critical", "count": 1.0}}, facets["severity"])
				assert.NotContains(t, body, "nextCursor", "one page only")
			}},
		{name: "ns: in the query names the namespace", method: "GET", path: searchPath("q", "ns:team-a severity:>=major"), status: 200,
			check: func(t *testing.T, res *response) {
				_, total := hitsOf(t, res)
				assert.Equal(t, 2.0, total)
			}},
		{name: "several namespaces, comma-separated", method: "GET", path: searchPath("q", "frontend", "namespace", "team-a,team-b"), status: 200,
			check: func(t *testing.T, res *response) {
				_, total := hitsOf(t, res)
				assert.Equal(t, 2.0, total)
			}},
		{name: "the namespace parameter bounds ns: terms", method: "GET", path: searchPath("q", "ns:team-b", "namespace", "team-a"), status: 200,
			check: func(t *testing.T, res *response) {
				_, total := hitsOf(t, res)
				assert.Zero(t, total)
			}},
		{name: "pages with a cursor", method: "GET", path: searchPath("namespace", "team-a", "limit", "1"), status: 200,
			check: func(t *testing.T, res *response) {
				first, total := hitsOf(t, res)
				require.Equal(t, 2.0, total)
				cursor := res.JSON(t)["nextCursor"].(string)
				next := ts.do(t, http.MethodGet, searchPath("namespace", "team-a", "limit", "1", "cursor", cursor), nil)
				require.Equal(t, http.StatusOK, next.Code, "%s", next.Raw)
				second, _ := hitsOf(t, next)
				require.Len(t, second, 1)
				assert.NotEqual(t, first[0], second[0])
			}},
		{name: "trailing slash", method: "GET", path: "/api/v1/search/?namespace=team-a", status: 200},
		{name: "no namespace", method: "GET", path: searchPath("q", "pull"), status: 400, errMsg: "Missing namespace"},
		{name: "bad query names the position", method: "GET", path: searchPath("q", "is:active severity:urgent", "namespace", "team-a"),
			status: 400, errMsg: "Invalid query", details: []string{"at position 19", "severity must be one of"}},
		{name: "unknown field", method: "GET", path: searchPath("q", "colour:red", "namespace", "team-a"),
			status: 400, errMsg: "Invalid query", details: []string{"unknown field"}},
		{name: "too many ranges", method: "GET", path: searchPath("q", strings.Repeat("-lastSeen:<1s ", 17), "namespace", "team-a"),
			status: 400, errMsg: "Invalid query", details: []string{"more than 16 ranges"}},
		{name: "too many words", method: "GET", path: searchPath("q", strings.Repeat("pull ", 33), "namespace", "team-a"),
			status: 400, errMsg: "Invalid query", details: []string{"more than 32 words"}},
		{name: "unknown facet", method: "GET", path: searchPath("namespace", "team-a", "facets", "colour"), status: 400, details: []string{"facets must be among"}},
		{name: "foreign cursor", method: "GET", path: searchPath("namespace", "team-a", "cursor", "bm9wZQ"), status: 400, errMsg: "Invalid cursor"},
		{name: "bad highlight", method: "GET", path: searchPath("namespace", "team-a", "highlight", "maybe"), status: 400, errMsg: "Invalid highlight"},
		{name: "bad namespace", method: "GET", path: searchPath("namespace", "a\x01b"), status: 400},
		{name: "wrong method", method: "POST", path: "/api/v1/search", status: 405},
	})
}

func TestListSearchReadsItsOwnWrites(t *testing.T) {
	ts := newTestServer(t)
	for i := range 20 {
		created := ts.createIssue(t, "team-a", "comp", func(b map[string]any) {
			b["scope"] = map[string]any{"resourceType": "component", "resourceName": "comp-" + string(rune('a'+i))}
		})
		res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a&search="+url.QueryEscape(created.Scope.ResourceName), nil)
		require.Equal(t, http.StatusOK, res.Code)
		data, total, _, _ := listOf(t, res)
		require.Equal(t, 1.0, total, "the write is searchable as soon as it is acknowledged")
		assert.Equal(t, created.ID, data[0].(map[string]any)["id"])
	}
}

// TestSearchOfAClientThatLeft: a search whose client went away stops and
// is recorded as 499, not logged or counted as a server error.
func TestSearchOfAClientThatLeft(t *testing.T) {
	ts := newTestServer(t)
	ts.createIssue(t, "team-a", "comp")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, searchPath("namespace", "team-a", "q", "comp"), nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	assert.Equal(t, 499, rec.Code)
	n, err := testutil.GatherAndCount(ts.reg, "kite_http_requests_total")
	require.NoError(t, err)
	assert.Positive(t, n)
	mfs, err := ts.reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "kite_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "code" {
					assert.NotEqual(t, "500", l.GetValue())
				}
			}
		}
	}
}
