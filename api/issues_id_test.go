package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// unknownID is well-formed but names no issue; malformedID is not a UUID.
// Both must read as "Issue not found".
const (
	unknownID   = "0190d4a4-0000-7000-8000-000000000000"
	malformedID = "not-a-uuid"
)

func TestGetIssue(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp", func(b map[string]any) { delete(b, "links") })
	path := "/api/v1/issues/" + is.ID

	runCases(t, ts, []routeCase{
		{name: "found", method: "GET", path: path, status: 200, check: func(t *testing.T, res *response) {
			got := res.Issue(t)
			assert.Equal(t, is.ID, got.ID)
			body := res.JSON(t)
			for _, key := range []string{"links", "relatedFrom", "relatedTo"} {
				assert.Equal(t, []any{}, body[key], "%s must be [] not null", key)
			}
			assert.Contains(t, body, "resolvedAt")
			assert.Nil(t, body["resolvedAt"])
		}},
		{name: "trailing slash", method: "GET", path: path + "/", status: 200},
		{name: "own namespace", method: "GET", path: path + "?namespace=team-a", status: 200},
		{name: "other namespace", method: "GET", path: path + "?namespace=team-b", status: 403, errMsg: "Access denied to this namespace"},
		{name: "unknown id", method: "GET", path: "/api/v1/issues/" + unknownID, status: 404, errMsg: "Issue not found"},
		{name: "malformed id", method: "GET", path: "/api/v1/issues/" + malformedID, status: 404, errMsg: "Issue not found"},
		{name: "unknown id with namespace", method: "GET", path: "/api/v1/issues/" + unknownID + "?namespace=team-a", status: 404, errMsg: "Issue not found"},
	})
}

func TestUpdateIssue(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")
	ts.createIssue(t, "team-a", "taken")
	path := "/api/v1/issues/" + is.ID
	var resolvedAt *time.Time

	runCases(t, ts, []routeCase{
		{name: "title", method: "PUT", path: path, body: map[string]any{"title": "New title"}, status: 200,
			check: func(t *testing.T, res *response) {
				got := res.Issue(t)
				assert.Equal(t, "New title", got.Title)
				assert.Equal(t, is.Description, got.Description, "absent fields stay")
			}},
		{name: "trailing slash", method: "PUT", path: path + "/", body: map[string]any{"description": "d2"}, status: 200,
			check: func(t *testing.T, res *response) { assert.Equal(t, "d2", res.Issue(t).Description) }},
		{name: "severity alias normalised", method: "PUT", path: path, body: map[string]any{"severity": "medium"}, status: 200,
			check: func(t *testing.T, res *response) { assert.Equal(t, kite.SeverityMajor, res.Issue(t).Severity) }},
		{name: "unknown severity", method: "PUT", path: path, body: map[string]any{"severity": "urgent"}, status: 400,
			details: []string{"severity must be one of: info, minor, major, critical"}},
		{name: "unknown issueType", method: "PUT", path: path, body: map[string]any{"issueType": "deploy"}, status: 400,
			details: []string{"issueType must be one of"}},
		{name: "unknown state", method: "PUT", path: path, body: map[string]any{"state": "CLOSED"}, status: 400,
			details: []string{"state must be one of: ACTIVE, RESOLVED"}},
		{name: "empty title", method: "PUT", path: path, body: map[string]any{"title": "  "}, status: 400, errMsg: "Validation failed", details: []string{"title"}},
		{name: "wrong type", method: "PUT", path: path, body: map[string]any{"title": 5}, status: 400, errMsg: "Invalid request body", details: []string{"title"}},
		{name: "resolvedAt not a time", method: "PUT", path: path, body: map[string]any{"resolvedAt": 5}, status: 400, details: []string{"resolvedAt"}},
		{name: "resolvedAt malformed time", method: "PUT", path: path, body: map[string]any{"resolvedAt": "yesterday"}, status: 400, details: []string{"resolvedAt"}},
		{name: "resolvedAt in year 1", method: "PUT", path: path, body: map[string]any{"resolvedAt": "0001-01-01T00:00:00Z"}, status: 400,
			details: []string{"resolvedAt", "outside the times Kite can store"}},
		{name: "resolvedAt after 2262", method: "PUT", path: path, body: map[string]any{"resolvedAt": "2300-01-01T00:00:00Z"}, status: 400,
			details: []string{"resolvedAt", "outside the times Kite can store"}},
		{name: "links replaced", method: "PUT", path: path,
			body: map[string]any{"links": []map[string]string{{"title": "a", "url": "https://a"}, {"title": "b", "url": "https://b"}}}, status: 200,
			check: func(t *testing.T, res *response) {
				got := res.Issue(t)
				require.Len(t, got.Links, 2)
				assert.Equal(t, "https://b", got.Links[1].URL)
			}},
		{name: "links cleared", method: "PUT", path: path, body: map[string]any{"links": []any{}}, status: 200,
			check: func(t *testing.T, res *response) { assert.Equal(t, []any{}, res.JSON(t)["links"]) }},
		{name: "scope", method: "PUT", path: path, body: map[string]any{"scope": map[string]string{"resourceType": "component", "resourceName": "comp2"}}, status: 200,
			check: func(t *testing.T, res *response) {
				got := res.Issue(t)
				assert.Equal(t, "comp2", got.Scope.ResourceName)
				assert.Equal(t, "team-a", got.Scope.ResourceNamespace)
			}},
		{name: "scope held by another issue", method: "PUT", path: path,
			body: map[string]any{"scope": map[string]string{"resourceType": "component", "resourceName": "taken"}}, status: 409},
		{name: "resolve through state", method: "PUT", path: path, body: map[string]any{"state": "RESOLVED"}, status: 200,
			check: func(t *testing.T, res *response) {
				got := res.Issue(t)
				assert.Equal(t, kite.StateResolved, got.State)
				require.NotNil(t, got.ResolvedAt)
				resolvedAt = got.ResolvedAt
			}},
		{name: "absent resolvedAt leaves it", method: "PUT", path: path, body: map[string]any{"title": "T3"}, status: 200,
			check: func(t *testing.T, res *response) {
				got := res.Issue(t)
				require.NotNil(t, got.ResolvedAt)
				assert.True(t, resolvedAt.Equal(*got.ResolvedAt))
			}},
		{name: "null resolvedAt is an explicit clear", method: "PUT", path: path, body: `{"resolvedAt": null}`, status: 400,
			details: []string{"resolvedAt"}},
		{name: "explicit resolvedAt", method: "PUT", path: path, body: map[string]any{"resolvedAt": "2024-01-02T03:04:05Z"}, status: 200,
			check: func(t *testing.T, res *response) {
				got := res.Issue(t)
				require.NotNil(t, got.ResolvedAt)
				assert.Equal(t, "2024-01-02T03:04:05Z", got.ResolvedAt.Format(time.RFC3339))
			}},
		{name: "reopening clears resolvedAt", method: "PUT", path: path, body: map[string]any{"state": "active"}, status: 200,
			check: func(t *testing.T, res *response) {
				body := res.JSON(t)
				assert.Equal(t, "ACTIVE", body["state"])
				assert.Contains(t, body, "resolvedAt")
				assert.Nil(t, body["resolvedAt"])
				assert.Equal(t, float64(1), body["reopenCount"])
			}},
		{name: "own namespace", method: "PUT", path: path + "?namespace=team-a", body: map[string]any{"title": "T4"}, status: 200},
		{name: "other namespace", method: "PUT", path: path + "?namespace=team-b", body: map[string]any{"title": "T5"}, status: 403,
			errMsg: "Access denied to this namespace",
			check: func(t *testing.T, _ *response) {
				assert.Equal(t, "T4", ts.do(t, "GET", path, nil).Issue(t).Title, "a refused write changes nothing")
			}},
		{name: "unknown id", method: "PUT", path: "/api/v1/issues/" + unknownID, body: map[string]any{"title": "x"}, status: 404, errMsg: "Issue not found"},
		{name: "malformed id", method: "PUT", path: "/api/v1/issues/" + malformedID, body: map[string]any{"title": "x"}, status: 404, errMsg: "Issue not found"},
		{name: "malformed JSON", method: "PUT", path: path, body: `{"title"`, status: 400, errMsg: "Invalid request body"},
		{name: "empty body", method: "PUT", path: path, body: ``, status: 400, errMsg: "Invalid request body"},
		{name: "trailing garbage", method: "PUT", path: path, body: `{"title":"x"}]`, status: 400, errMsg: "Invalid request body"},
		{name: "oversize body", method: "PUT", path: path, body: map[string]any{"description": strings.Repeat("d", 2<<20)}, status: 413,
			errMsg: "Request body too large"},
	})
}

func TestUpdateIssueRecordsActor(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")
	res := ts.do(t, http.MethodPut, "/api/v1/issues/"+is.ID, map[string]any{"title": "x"}, "X-Kite-User", "bob")
	require.Equal(t, http.StatusOK, res.Code)
	res = ts.do(t, http.MethodGet, "/api/v1/issues/"+is.ID+"/timeline", nil)
	require.Equal(t, http.StatusOK, res.Code)
	data := res.JSON(t)["data"].([]any)
	last := data[len(data)-1].(map[string]any)
	assert.Equal(t, "edited", last["kind"])
	assert.Equal(t, "bob", last["actor"])
}

func TestDeleteIssue(t *testing.T) {
	ts := newTestServer(t)
	a := ts.createIssue(t, "team-a", "a")
	b := ts.createIssue(t, "team-a", "b")
	c := ts.createIssue(t, "team-a", "c")
	require.Equal(t, http.StatusCreated, ts.do(t, "POST", "/api/v1/issues/"+a.ID+"/related", map[string]string{"relatedId": b.ID}).Code)

	runCases(t, ts, []routeCase{
		{name: "other namespace", method: "DELETE", path: "/api/v1/issues/" + a.ID + "?namespace=team-b", status: 403,
			errMsg: "Access denied to this namespace"},
		{name: "deleted", method: "DELETE", path: "/api/v1/issues/" + a.ID + "?namespace=team-a", status: 204,
			check: func(t *testing.T, res *response) {
				assert.Empty(t, res.Raw)
				requireError(t, ts.do(t, "GET", "/api/v1/issues/"+a.ID, nil), 404, "Issue not found")
				other := ts.do(t, "GET", "/api/v1/issues/"+b.ID, nil).JSON(t)
				assert.Equal(t, []any{}, other["relatedTo"], "the relation went with the issue")
			}},
		{name: "trailing slash", method: "DELETE", path: "/api/v1/issues/" + c.ID + "/", status: 204},
		{name: "already gone", method: "DELETE", path: "/api/v1/issues/" + a.ID, status: 404, errMsg: "Issue not found"},
		{name: "unknown id", method: "DELETE", path: "/api/v1/issues/" + unknownID, status: 404, errMsg: "Issue not found"},
		{name: "malformed id", method: "DELETE", path: "/api/v1/issues/" + malformedID, status: 404, errMsg: "Issue not found"},
	})
}

func TestResolveIssue(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")
	path := "/api/v1/issues/" + is.ID + "/resolve"

	runCases(t, ts, []routeCase{
		{name: "other namespace", method: "POST", path: path + "?namespace=team-b", status: 403, errMsg: "Access denied to this namespace"},
		{name: "resolved", method: "POST", path: path + "?namespace=team-a", headers: []string{"X-Kite-User", "carol"}, status: 200,
			check: func(t *testing.T, res *response) {
				got := res.Issue(t)
				assert.Equal(t, kite.StateResolved, got.State)
				assert.NotNil(t, got.ResolvedAt)
				assert.Equal(t, "carol", got.ResolvedBy)
				assert.IsType(t, []any{}, res.JSON(t)["links"], "links always present")
			}},
		{name: "again is fine", method: "POST", path: path + "/", status: 200,
			check: func(t *testing.T, res *response) { assert.Equal(t, kite.StateResolved, res.Issue(t).State) }},
		{name: "unknown id", method: "POST", path: "/api/v1/issues/" + unknownID + "/resolve", status: 404, errMsg: "Issue not found"},
		{name: "malformed id", method: "POST", path: "/api/v1/issues/" + malformedID + "/resolve", status: 404, errMsg: "Issue not found"},
		{name: "wrong method", method: "GET", path: path, status: 405, errMsg: "Method not allowed"},
	})
}

func TestIssueTimeline(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")
	require.Equal(t, http.StatusOK, ts.do(t, "POST", "/api/v1/issues/"+is.ID+"/resolve", nil).Code)
	path := "/api/v1/issues/" + is.ID + "/timeline"

	runCases(t, ts, []routeCase{
		{name: "events oldest first", method: "GET", path: path, status: 200, check: func(t *testing.T, res *response) {
			data := res.JSON(t)["data"].([]any)
			require.Len(t, data, 2)
			assert.Equal(t, "opened", data[0].(map[string]any)["kind"])
			assert.Equal(t, "resolved", data[1].(map[string]any)["kind"])
			assert.Equal(t, "api", data[1].(map[string]any)["actor"])
		}},
		{name: "trailing slash", method: "GET", path: path + "/", status: 200},
		{name: "own namespace", method: "GET", path: path + "?namespace=team-a", status: 200},
		{name: "other namespace", method: "GET", path: path + "?namespace=team-b", status: 403, errMsg: "Access denied to this namespace"},
		{name: "unknown id", method: "GET", path: "/api/v1/issues/" + unknownID + "/timeline", status: 404, errMsg: "Issue not found"},
		{name: "malformed id", method: "GET", path: "/api/v1/issues/" + malformedID + "/timeline", status: 404, errMsg: "Issue not found"},
	})
}
