package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSilenceRoutes: create, list, get, preview, update and expire a
// silence over HTTP; the issues it matches are muted and searchable as
// such; bad input names the field.
func TestSilenceRoutes(t *testing.T) {
	ts := newTestServer(t)
	flaky := ts.createIssue(t, "team-a", "e2e", func(b map[string]any) { b["title"] = "e2e timed out" })
	ts.createIssue(t, "team-a", "build")

	body := map[string]any{"namespaces": []string{"team-a"}, "query": "title:timed", "for": "2h", "comment": "flaky e2e cluster"}
	res := ts.do(t, http.MethodPost, "/api/v1/silences/preview", body)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, 1.0, res.JSON(t)["total"])

	res = ts.do(t, http.MethodPost, "/api/v1/silences", body, userHeader, "alice")
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	sl := res.JSON(t)
	id := sl["id"].(string)
	assert.Equal(t, "active", sl["state"])
	assert.Equal(t, "alice", sl["createdBy"])

	got := ts.do(t, http.MethodGet, "/api/v1/issues/"+flaky.ID, nil).Issue(t)
	assert.Equal(t, []string{id}, got.Muted)
	res = ts.do(t, http.MethodGet, "/api/v1/search?namespace=team-a&q=is:muted", nil)
	assert.Equal(t, 1.0, res.JSON(t)["total"])
	res = ts.do(t, http.MethodGet, "/api/v1/search?namespace=team-a&q=silence:"+id, nil)
	assert.Equal(t, 1.0, res.JSON(t)["total"])

	res = ts.do(t, http.MethodGet, "/api/v1/silences?namespace=team-a&state=active", nil)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Len(t, res.JSON(t)["data"], 1)
	assert.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/api/v1/silences/"+id, nil).Code)

	body["query"] = "title:nothing-matches"
	res = ts.do(t, http.MethodPut, "/api/v1/silences/"+id, body, userHeader, "bob")
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Empty(t, ts.do(t, http.MethodGet, "/api/v1/issues/"+flaky.ID, nil).Issue(t).Muted)

	res = ts.do(t, http.MethodDelete, "/api/v1/silences/"+id, nil, userHeader, "bob")
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, "expired", res.JSON(t)["state"])
	requireError(t, ts.do(t, http.MethodPut, "/api/v1/silences/"+id, body), http.StatusConflict, "")

	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"no namespaces": {map[string]any{"query": "", "for": "1h", "comment": "c"}, "namespaces"},
		"bad query":     {map[string]any{"namespaces": []string{"team-a"}, "query": "sev:urgent", "for": "1h", "comment": "c"}, "q"},
		"no end":        {map[string]any{"namespaces": []string{"team-a"}, "comment": "c"}, "endsAt"},
		"end first":     {map[string]any{"namespaces": []string{"team-a"}, "endsAt": "2000-01-01T00:00:00Z", "comment": "c"}, "endsAt"},
		"both ends":     {map[string]any{"namespaces": []string{"team-a"}, "endsAt": "2999-01-01T00:00:00Z", "for": "1h", "comment": "c"}, "for"},
		"no comment":    {map[string]any{"namespaces": []string{"team-a"}, "for": "1h"}, "comment"},
	} {
		res := ts.do(t, http.MethodPost, "/api/v1/silences", c.body)
		requireError(t, res, http.StatusBadRequest, "")
		assert.Equal(t, c.field, res.JSON(t)["field"], name)
	}
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/silences", nil), http.StatusBadRequest, "Missing namespace")
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/silences?namespace=team-a&state=asleep", nil), http.StatusBadRequest, "Invalid state")
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/silences/01a22a3e-2f7e-7d6c-9e5d-03c3f65bad6f", nil), http.StatusNotFound, "Silence not found")
	requireClientError(t, ts.do(t, http.MethodGet, "/api/v1/silences/nope", nil))
}

func TestNamespacesRoute(t *testing.T) {
	ts := newTestServer(t)
	ts.createIssue(t, "team-a", "a")
	ts.createIssue(t, "team-a", "b")
	ts.createIssue(t, "team-b", "c")
	res := ts.do(t, http.MethodGet, "/api/v1/namespaces", nil)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, []any{
		map[string]any{"namespace": "team-a", "issues": 2.0, "active": 2.0},
		map[string]any{"namespace": "team-b", "issues": 1.0, "active": 1.0},
	}, res.JSON(t)["data"])
}
