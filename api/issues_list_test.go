package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// listOf decodes a list envelope.
func listOf(t *testing.T, res *response) (data []any, total, limit, offset float64) {
	t.Helper()
	body := res.JSON(t)
	require.IsType(t, []any{}, body["data"], "data must be an array: %s", res.Raw)
	return body["data"].([]any), body["total"].(float64), body["limit"].(float64), body["offset"].(float64)
}

func wantList(n int, total, limit, offset float64) func(*testing.T, *response) {
	return func(t *testing.T, res *response) {
		data, gotTotal, gotLimit, gotOffset := listOf(t, res)
		assert.Len(t, data, n)
		assert.Equal(t, total, gotTotal, "total")
		assert.Equal(t, limit, gotLimit, "limit")
		assert.Equal(t, offset, gotOffset, "offset")
	}
}

func TestListIssues(t *testing.T) {
	ts := newTestServer(t)
	ts.createIssue(t, "team-a", "comp-a", func(b map[string]any) { b["severity"] = "minor" })
	ts.createIssue(t, "team-a", "comp-b", func(b map[string]any) { b["issueType"] = "test" })
	newest := ts.createIssue(t, "team-a", "comp-c", func(b map[string]any) { b["state"] = "RESOLVED" })
	ts.createIssue(t, "team-b", "comp-a")

	runCases(t, ts, []routeCase{
		{name: "missing namespace", method: "GET", path: "/api/v1/issues", status: 400, errMsg: "Missing namespace"},
		{name: "empty namespace", method: "GET", path: "/api/v1/issues?namespace=", status: 400, errMsg: "Missing namespace"},
		{name: "all of a namespace, newest first", method: "GET", path: "/api/v1/issues?namespace=team-a", status: 200,
			check: func(t *testing.T, res *response) {
				data, total, limit, offset := listOf(t, res)
				require.Len(t, data, 3)
				assert.Equal(t, []float64{3, 50, 0}, []float64{total, limit, offset})
				assert.Equal(t, newest.ID, data[0].(map[string]any)["id"])
				for _, d := range data {
					is := d.(map[string]any)
					assert.Equal(t, "team-a", is["namespace"])
					assert.NotNil(t, is["links"])
					assert.NotNil(t, is["relatedFrom"])
					assert.NotNil(t, is["relatedTo"])
				}
			}},
		{name: "trailing slash", method: "GET", path: "/api/v1/issues/?namespace=team-a", status: 200, check: wantList(3, 3, 50, 0)},
		{name: "unknown namespace gives an empty array", method: "GET", path: "/api/v1/issues?namespace=nobody", status: 200,
			check: func(t *testing.T, res *response) {
				assert.Contains(t, string(res.Raw), `"data":[]`)
				wantList(0, 0, 50, 0)(t, res)
			}},
		{name: "severity", method: "GET", path: "/api/v1/issues?namespace=team-a&severity=minor", status: 200, check: wantList(1, 1, 50, 0)},
		{name: "severity alias medium is major", method: "GET", path: "/api/v1/issues?namespace=team-a&severity=medium", status: 200, check: wantList(2, 2, 50, 0)},
		{name: "unknown severity", method: "GET", path: "/api/v1/issues?namespace=team-a&severity=urgent", status: 400,
			details: []string{"severity", "info, minor, major, critical"}},
		{name: "issueType", method: "GET", path: "/api/v1/issues?namespace=team-a&issueType=test", status: 200, check: wantList(1, 1, 50, 0)},
		{name: "unknown issueType", method: "GET", path: "/api/v1/issues?namespace=team-a&issueType=deploy", status: 400,
			details: []string{"issueType", "build, test, release, dependency, pipeline"}},
		{name: "state in any case", method: "GET", path: "/api/v1/issues?namespace=team-a&state=resolved", status: 200, check: wantList(1, 1, 50, 0)},
		{name: "unknown state", method: "GET", path: "/api/v1/issues?namespace=team-a&state=OPEN", status: 400,
			details: []string{"state", "ACTIVE, RESOLVED"}},
		{name: "resource type and name", method: "GET", path: "/api/v1/issues?namespace=team-a&resourceType=component&resourceName=comp-b", status: 200, check: wantList(1, 1, 50, 0)},
		{name: "search is case-insensitive", method: "GET", path: "/api/v1/issues?namespace=team-a&search=BUILD+OF+COMP-B", status: 200, check: wantList(1, 1, 50, 0)},
		{name: "search finds substrings", method: "GET", path: "/api/v1/issues?namespace=team-a&search=omp-", status: 200, check: wantList(3, 3, 50, 0)},
		{name: "limit", method: "GET", path: "/api/v1/issues?namespace=team-a&limit=2", status: 200, check: wantList(2, 3, 2, 0)},
		{name: "offset", method: "GET", path: "/api/v1/issues?namespace=team-a&limit=2&offset=2", status: 200, check: wantList(1, 3, 2, 2)},
		{name: "offset past the end", method: "GET", path: "/api/v1/issues?namespace=team-a&offset=10", status: 200, check: wantList(0, 3, 50, 10)},
		{name: "zero limit means 50", method: "GET", path: "/api/v1/issues?namespace=team-a&limit=0", status: 200, check: wantList(3, 3, 50, 0)},
		{name: "negative limit means 50", method: "GET", path: "/api/v1/issues?namespace=team-a&limit=-3", status: 200, check: wantList(3, 3, 50, 0)},
		{name: "invalid limit means 50", method: "GET", path: "/api/v1/issues?namespace=team-a&limit=ten", status: 200, check: wantList(3, 3, 50, 0)},
		{name: "limit is capped", method: "GET", path: "/api/v1/issues?namespace=team-a&limit=5000", status: 200, check: wantList(3, 3, kite.MaxLimit, 0)},
		{name: "invalid offset means 0", method: "GET", path: "/api/v1/issues?namespace=team-a&offset=x", status: 200, check: wantList(3, 3, 50, 0)},
		{name: "negative offset means 0", method: "GET", path: "/api/v1/issues?namespace=team-a&offset=-1", status: 200, check: wantList(3, 3, 50, 0)},
		{name: "namespace with control characters", method: "GET", path: "/api/v1/issues?namespace=a%00b", status: 400},
		{name: "overlong namespace", method: "GET", path: "/api/v1/issues?namespace=" + strings.Repeat("n", 300), status: 400},
	})
}

func TestListIssuesMethodNotAllowed(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodPatch, "/api/v1/issues", nil)
	requireError(t, res, http.StatusMethodNotAllowed, "Method not allowed")
	assert.Equal(t, "GET, POST, OPTIONS", res.Header.Get("Allow"))
}

// TestListSearchShortSubstrings: the original Kite's search was a
// case-insensitive LIKE over title and description, so words shorter than
// the index matches inside other words still find what they are part of.
func TestListSearchShortSubstrings(t *testing.T) {
	ts := newTestServer(t)
	titled := func(title, desc string) func(map[string]any) {
		return func(b map[string]any) { b["title"], b["description"] = title, desc }
	}
	oom := ts.createIssue(t, "team-a", "build", titled("OOMKilled in step build", "container exited with code 137"))
	pull := ts.createIssue(t, "team-a", "deploy", titled("Image pull error", "manifest unknown for quay.io/org/img:v2"))
	other := ts.createIssue(t, "team-a", "test", titled("Tests failed", "3 tests failed in pkg/orders"))
	ts.createIssue(t, "team-b", "build", titled("OOMKilled in step build", "container exited with code 137"))

	for search, want := range map[string][]string{
		"or":     {pull.ID, other.ID}, // error, orders
		"in":     {oom.ID, other.ID},  // "in step", "in pkg"
		"13":     {oom.ID},            // 137
		"code 1": {oom.ID},            // code 137
		"OR 13":  {},
		"D":      {oom.ID, other.ID},
		"é":      {},
	} {
		res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a&search="+url.QueryEscape(search), nil)
		require.Equal(t, http.StatusOK, res.Code, "%q: %s", search, res.Raw)
		data, total, _, _ := listOf(t, res)
		var got []string
		for _, d := range data {
			got = append(got, d.(map[string]any)["id"].(string))
		}
		assert.ElementsMatch(t, want, got, "search=%q", search)
		assert.Equal(t, float64(len(want)), total, "search=%q", search)
	}
}

// TestListHugeOffset: an offset past MaxOffset is refused, naming the field,
// with and without search (it once overflowed into a panic with search).
func TestListHugeOffset(t *testing.T) {
	ts := newTestServer(t)
	ts.createIssue(t, "team-a", "comp-a")
	for _, q := range []string{"", "&search=build", "&search=b"} {
		res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a&offset=9223372036854775807"+q, nil)
		requireError(t, res, http.StatusBadRequest, "Invalid offset", "offset must be at most 1000000")
		assert.Equal(t, "offset", res.JSON(t)["field"])
	}
	res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a&offset=1000000&search=build", nil)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	wantList(0, 1, 50, 1000000)(t, res)
}

// TestListSearchWildcardsAreText: ? and * in search= are the characters
// themselves, as the original's LIKE took them (its own wildcards were %
// and _, never the user's): "???" once expanded into every term of the
// index. The search text is bounded, naming the limit.
func TestListSearchWildcardsAreText(t *testing.T) {
	ts := newTestServer(t)
	ts.createIssue(t, "team-a", "comp-a")
	odd := ts.createIssue(t, "team-a", "what???-now", func(b map[string]any) { b["title"] = "Why??? image*tag" })
	for search, want := range map[string]int{"???": 1, "*": 1, "?": 1, "b*d": 0, "com*": 0, "image*tag": 1, "a?": 0} {
		res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a&search="+url.QueryEscape(search), nil)
		require.Equal(t, http.StatusOK, res.Code, "%q: %s", search, res.Raw)
		data, total, _, _ := listOf(t, res)
		assert.Equal(t, float64(want), total, "search=%q", search)
		if want == 1 {
			assert.Equal(t, odd.ID, data[0].(map[string]any)["id"], "search=%q", search)
		}
	}
	for search, says := range map[string]string{
		strings.Repeat("w ", 21):   "at most 20 are allowed",
		strings.Repeat("w", 300):   "at most 256 are allowed",
		strings.Repeat("ab ", 400): "longer than 1024 bytes",
	} {
		res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a&search="+url.QueryEscape(search), nil)
		require.Equal(t, http.StatusBadRequest, res.Code, "%s", res.Raw)
		assert.Equal(t, "search", res.JSON(t)["field"])
		assert.Contains(t, string(res.Raw), says)
	}
}
