package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func with(edit func(map[string]any)) func(map[string]any) { return edit }

func TestCreateIssue(t *testing.T) {
	ts := newTestServer(t)
	var first *kite.Issue

	runCases(t, ts, []routeCase{
		{name: "created", method: "POST", path: "/api/v1/issues", body: issueBody("team-a", "comp-a"), status: 201,
			check: func(t *testing.T, res *response) {
				first = res.Issue(t)
				assert.NotEmpty(t, first.ID)
				assert.Equal(t, kite.StateActive, first.State, "state defaults to ACTIVE")
				assert.Nil(t, first.ResolvedAt)
				assert.Equal(t, "team-a", first.Scope.ResourceNamespace, "resourceNamespace defaults to the namespace")
				assert.Equal(t, first.ScopeID, first.Scope.ID)
				assert.Equal(t, int64(1), first.Occurrences)
				require.Len(t, first.Links, 1)
				assert.Equal(t, first.ID, first.Links[0].IssueID)
				body := res.JSON(t)
				assert.Equal(t, []any{}, body["relatedFrom"])
				assert.Equal(t, []any{}, body["relatedTo"])
			}},
		{name: "same scope updates the same issue", method: "POST", path: "/api/v1/issues",
			body: issueBody("team-a", "comp-a", with(func(b map[string]any) { b["title"] = "Build failed again" })), status: 201,
			check: func(t *testing.T, res *response) {
				is := res.Issue(t)
				assert.Equal(t, first.ID, is.ID)
				assert.Equal(t, "Build failed again", is.Title)
				assert.Equal(t, int64(2), is.Occurrences)
			}},
		{name: "trailing slash", method: "POST", path: "/api/v1/issues/", body: issueBody("team-a", "comp-slash"), status: 201},
		{name: "without links", method: "POST", path: "/api/v1/issues",
			body: issueBody("team-a", "comp-nolinks", with(func(b map[string]any) { delete(b, "links") })), status: 201,
			check: func(t *testing.T, res *response) {
				assert.Equal(t, []any{}, res.JSON(t)["links"], "links must be [] not null")
			}},
		{name: "resolved on creation", method: "POST", path: "/api/v1/issues",
			body: issueBody("team-a", "comp-resolved", with(func(b map[string]any) { b["state"] = "resolved" })), status: 201,
			check: func(t *testing.T, res *response) {
				is := res.Issue(t)
				assert.Equal(t, kite.StateResolved, is.State)
				assert.NotNil(t, is.ResolvedAt)
			}},
		{name: "severity alias normalised", method: "POST", path: "/api/v1/issues",
			body: issueBody("team-a", "comp-medium", with(func(b map[string]any) { b["severity"] = "medium" })), status: 201,
			check: func(t *testing.T, res *response) { assert.Equal(t, kite.SeverityMajor, res.Issue(t).Severity) }},
		{name: "unknown fields are ignored", method: "POST", path: "/api/v1/issues",
			body: issueBody("team-a", "comp-extra", with(func(b map[string]any) { b["assignee"] = "bob"; b["id"] = 7 })), status: 201},
		{name: "caller key and labels", method: "POST", path: "/api/v1/issues",
			body: issueBody("team-a", "comp-key", with(func(b map[string]any) {
				b["key"] = "my-key"
				b["labels"] = map[string]string{"team": "a"}
			})), status: 201,
			check: func(t *testing.T, res *response) {
				is := res.Issue(t)
				assert.Equal(t, "my-key", is.Key)
				assert.Equal(t, map[string]string{"team": "a"}, is.Labels)
				again := ts.createIssue(t, "team-a", "another-scope", func(b map[string]any) { b["key"] = "my-key" })
				assert.Equal(t, is.ID, again.ID, "the key, not the scope, identifies the problem")
			}},
		{name: "missing fields named", method: "POST", path: "/api/v1/issues", body: map[string]any{"namespace": "team-a"},
			status: 400, errMsg: "Validation failed",
			details: []string{"title", "description", "severity", "issueType", "scope.resourceType", "scope.resourceName"}},
		{name: "unknown severity", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["severity"] = "urgent" })),
			status: 400, details: []string{"severity must be one of: info, minor, major, critical"}},
		{name: "unknown issueType", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["issueType"] = "deploy" })),
			status: 400, details: []string{"issueType must be one of"}},
		{name: "unknown state", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["state"] = "OPEN" })),
			status: 400, details: []string{"state must be one of: ACTIVE, RESOLVED"}},
		{name: "link without url", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["links"] = []map[string]string{{"title": "t"}} })),
			status: 400, errMsg: "Validation failed", details: []string{"links[0].url"}},
		{name: "overlong title", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["title"] = strings.Repeat("t", 2000) })),
			status: 400, errMsg: "Validation failed", details: []string{"title"}},
		{name: "control character in scope", method: "POST", path: "/api/v1/issues",
			body: issueBody("team-a", "x\x01y"), status: 400, errMsg: "Validation failed", details: []string{"scope.resourceName"}},
		{name: "malformed JSON", method: "POST", path: "/api/v1/issues", body: `{"title": `, status: 400, errMsg: "Invalid request body"},
		{name: "not JSON", method: "POST", path: "/api/v1/issues", body: `title=x`, status: 400, errMsg: "Invalid request body"},
		{name: "empty body", method: "POST", path: "/api/v1/issues", body: ``, status: 400, errMsg: "Invalid request body", details: []string{"empty"}},
		{name: "array body", method: "POST", path: "/api/v1/issues", body: `[]`, status: 400, errMsg: "Invalid request body", details: []string{"JSON object"}},
		{name: "trailing garbage", method: "POST", path: "/api/v1/issues", body: `{"title":"x"} {"title":"y"}`, status: 400, errMsg: "Invalid request body"},
		{name: "wrong type names the field", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["title"] = 42 })),
			status: 400, errMsg: "Invalid request body", details: []string{"title", "string"}},
		{name: "wrong nested type names the path", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["scope"] = map[string]any{"resourceType": "c", "resourceName": true} })),
			status: 400, errMsg: "Invalid request body", details: []string{"scope.resourceName"}},
		{name: "wrong type for links", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["links"] = "https://x" })),
			status: 400, errMsg: "Invalid request body", details: []string{"links"}},
		{name: "oversize body", method: "POST", path: "/api/v1/issues",
			body:   issueBody("team-a", "x", with(func(b map[string]any) { b["description"] = strings.Repeat("d", 2<<20) })),
			status: 413, errMsg: "Request body too large"},
		{name: "oversize body that is not JSON either", method: "POST", path: "/api/v1/issues",
			body: strings.Repeat("a", 2<<20), status: 413, errMsg: "Request body too large"},
		{name: "invalid X-Kite-User", method: "POST", path: "/api/v1/issues", body: issueBody("team-a", "x"),
			headers: []string{"X-Kite-User", strings.Repeat("u", 300)}, status: 400, details: []string{"X-Kite-User"}},
	})
}

func TestCreateIssueRecordsActor(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodPost, "/api/v1/issues", issueBody("team-a", "comp"), "X-Kite-User", "alice")
	require.Equal(t, http.StatusCreated, res.Code)
	events, err := ts.store.Timeline(context.Background(), res.Issue(t).ID)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	assert.Equal(t, "alice", events[0].Actor)

	res = ts.do(t, http.MethodPost, "/api/v1/issues", issueBody("team-a", "other"))
	require.Equal(t, http.StatusCreated, res.Code)
	events, err = ts.store.Timeline(context.Background(), res.Issue(t).ID)
	require.NoError(t, err)
	assert.Equal(t, kite.ActorAPI, events[0].Actor)
}
