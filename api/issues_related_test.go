package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRelateIssues(t *testing.T) {
	ts := newTestServer(t)
	a := ts.createIssue(t, "team-a", "a")
	b := ts.createIssue(t, "team-a", "b")
	c := ts.createIssue(t, "team-a", "c")
	path := "/api/v1/issues/" + a.ID + "/related"

	runCases(t, ts, []routeCase{
		{name: "created", method: "POST", path: path, body: map[string]string{"relatedId": b.ID}, status: 201,
			check: func(t *testing.T, res *response) {
				assert.Equal(t, map[string]any{"message": "Relationship created"}, res.JSON(t))
				src := ts.do(t, "GET", "/api/v1/issues/"+a.ID, nil).JSON(t)
				from := src["relatedFrom"].([]any)
				require.Len(t, from, 1)
				rel := from[0].(map[string]any)
				assert.Equal(t, a.ID, rel["sourceId"])
				assert.Equal(t, b.ID, rel["targetId"])
				assert.Equal(t, b.ID, rel["target"].(map[string]any)["id"])
				assert.IsType(t, []any{}, rel["target"].(map[string]any)["links"])
				dst := ts.do(t, "GET", "/api/v1/issues/"+b.ID, nil).JSON(t)
				assert.Len(t, dst["relatedTo"], 1)
			}},
		{name: "again", method: "POST", path: path, body: map[string]string{"relatedId": b.ID}, status: 409, errMsg: "relationship already exists"},
		{name: "reverse direction", method: "POST", path: "/api/v1/issues/" + b.ID + "/related", body: map[string]string{"relatedId": a.ID},
			status: 409, errMsg: "relationship already exists"},
		{name: "trailing slash", method: "POST", path: path + "/", body: map[string]string{"relatedId": c.ID}, status: 201},
		{name: "missing relatedId", method: "POST", path: path, body: map[string]string{}, status: 400, details: []string{"relatedId"}},
		{name: "blank relatedId", method: "POST", path: path, body: map[string]string{"relatedId": " "}, status: 400, details: []string{"relatedId"}},
		{name: "itself", method: "POST", path: path, body: map[string]string{"relatedId": a.ID}, status: 400},
		{name: "unknown related", method: "POST", path: path, body: map[string]string{"relatedId": unknownID}, status: 404,
			errMsg: "one or both issues not found"},
		{name: "unknown source", method: "POST", path: "/api/v1/issues/" + unknownID + "/related", body: map[string]string{"relatedId": a.ID},
			status: 404, errMsg: "one or both issues not found"},
		{name: "unknown source with namespace", method: "POST", path: "/api/v1/issues/" + unknownID + "/related?namespace=team-a",
			body: map[string]string{"relatedId": a.ID}, status: 404, errMsg: "one or both issues not found"},
		{name: "malformed ids", method: "POST", path: "/api/v1/issues/" + malformedID + "/related", body: map[string]string{"relatedId": "nope"},
			status: 404, errMsg: "one or both issues not found"},
		{name: "other namespace", method: "POST", path: path + "?namespace=team-b", body: map[string]string{"relatedId": c.ID},
			status: 403, errMsg: "Access denied to this namespace"},
		{name: "wrong type", method: "POST", path: path, body: map[string]any{"relatedId": 7}, status: 400, details: []string{"relatedId"}},
		{name: "malformed JSON", method: "POST", path: path, body: `{`, status: 400, errMsg: "Invalid request body"},
		{name: "empty body", method: "POST", path: path, body: ``, status: 400, errMsg: "Invalid request body"},
	})
}

func TestUnrelateIssues(t *testing.T) {
	ts := newTestServer(t)
	a := ts.createIssue(t, "team-a", "a")
	b := ts.createIssue(t, "team-a", "b")
	c := ts.createIssue(t, "team-a", "c")
	for _, target := range []string{b.ID, c.ID} {
		res := ts.do(t, http.MethodPost, "/api/v1/issues/"+a.ID+"/related", map[string]string{"relatedId": target})
		require.Equal(t, http.StatusCreated, res.Code, "body: %s", res.Raw)
	}

	runCases(t, ts, []routeCase{
		{name: "other namespace", method: "DELETE", path: "/api/v1/issues/" + a.ID + "/related/" + b.ID + "?namespace=team-b",
			status: 403, errMsg: "Access denied to this namespace"},
		{name: "removed", method: "DELETE", path: "/api/v1/issues/" + a.ID + "/related/" + b.ID, status: 204,
			check: func(t *testing.T, res *response) {
				assert.Empty(t, res.Raw)
				assert.Len(t, ts.do(t, "GET", "/api/v1/issues/"+a.ID, nil).JSON(t)["relatedFrom"], 1)
			}},
		{name: "again", method: "DELETE", path: "/api/v1/issues/" + a.ID + "/related/" + b.ID, status: 404, errMsg: "relationship not found"},
		{name: "reverse direction with trailing slash", method: "DELETE", path: "/api/v1/issues/" + c.ID + "/related/" + a.ID + "/", status: 204},
		{name: "unknown ids", method: "DELETE", path: "/api/v1/issues/" + unknownID + "/related/" + a.ID, status: 404, errMsg: "relationship not found"},
		{name: "unknown id with namespace", method: "DELETE", path: "/api/v1/issues/" + unknownID + "/related/" + a.ID + "?namespace=team-a",
			status: 404, errMsg: "relationship not found"},
		{name: "malformed ids", method: "DELETE", path: "/api/v1/issues/" + malformedID + "/related/x", status: 404, errMsg: "relationship not found"},
	})
}
