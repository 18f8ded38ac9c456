package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// TestTriageRoutes: acknowledge, assign and comment through the HTTP API,
// as the caller named by X-Kite-User (no authentication here), with every
// change in the issue's timeline and bad input refused naming the field.
func TestTriageRoutes(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")
	base := "/api/v1/issues/" + is.ID
	as := func(user string) []string { return []string{userHeader, user} }

	res := ts.do(t, http.MethodPost, base+"/acknowledge", nil, as("alice")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, "alice", res.Issue(t).AckedBy)
	assert.NotNil(t, res.Issue(t).AckedAt)
	res = ts.do(t, http.MethodDelete, base+"/acknowledge", nil, as("bob")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Empty(t, res.Issue(t).AckedBy)

	res = ts.do(t, http.MethodPut, base+"/assignee", map[string]string{"assignee": "team-payments"}, as("alice")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, "team-payments", res.Issue(t).Assignee)
	requireError(t, ts.do(t, http.MethodPut, base+"/assignee", map[string]string{"assignee": ""}), http.StatusBadRequest, "")
	assert.Equal(t, "assignee", ts.do(t, http.MethodPut, base+"/assignee", map[string]string{"assignee": "a\tb"}).JSON(t)["field"])
	res = ts.do(t, http.MethodDelete, base+"/assignee", nil, as("alice")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Empty(t, res.Issue(t).Assignee)

	res = ts.do(t, http.MethodPost, base+"/comments", map[string]string{"text": "Looking into it"}, as("alice")...)
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	cid := res.JSON(t)["id"].(string)
	assert.Equal(t, "alice", res.JSON(t)["author"])
	big := ts.do(t, http.MethodPost, base+"/comments", map[string]string{"text": strings.Repeat("x", kite.MaxCommentLen+1)}, as("alice")...)
	requireError(t, big, http.StatusBadRequest, "Validation failed", "longer than 16384 bytes")
	assert.Equal(t, "text", big.JSON(t)["field"])
	requireError(t, ts.do(t, http.MethodPost, base+"/comments", map[string]string{"text": " "}, as("alice")...), http.StatusBadRequest, "", "text is required")

	res = ts.do(t, http.MethodPut, base+"/comments/"+cid, map[string]string{"text": "Fixed by #42"}, as("bob")...)
	requireError(t, res, http.StatusForbidden, "Not the comment's author", "only alice")
	res = ts.do(t, http.MethodPut, base+"/comments/"+cid, map[string]string{"text": "Fixed by #42"}, as("alice")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.NotNil(t, res.JSON(t)["editedAt"])
	res = ts.do(t, http.MethodGet, base+"/comments", nil)
	require.Equal(t, http.StatusOK, res.Code)
	data := res.JSON(t)["data"].([]any)
	require.Len(t, data, 1)
	assert.Equal(t, "Fixed by #42", data[0].(map[string]any)["text"])
	assert.Equal(t, 1.0, ts.do(t, http.MethodGet, base, nil).JSON(t)["comments"])

	requireError(t, ts.do(t, http.MethodDelete, base+"/comments/"+cid, nil, as("bob")...), http.StatusForbidden, "")
	res = ts.do(t, http.MethodDelete, base+"/comments/"+cid, nil, as("alice")...)
	require.Equal(t, http.StatusNoContent, res.Code, "%s", res.Raw)
	requireError(t, ts.do(t, http.MethodDelete, base+"/comments/"+cid, nil, as("alice")...), http.StatusNotFound, "Comment not found")

	// Unknown issues, foreign namespaces and malformed ids are 4xx.
	requireError(t, ts.do(t, http.MethodPost, "/api/v1/issues/01a22a3e-2f7e-7d6c-9e5d-03c3f65bad6f/acknowledge", nil), http.StatusNotFound, "")
	requireClientError(t, ts.do(t, http.MethodPost, base+"/acknowledge?namespace=team-b", nil))
	requireClientError(t, ts.do(t, http.MethodGet, "/api/v1/issues/nope/comments", nil))
	requireClientError(t, ts.do(t, http.MethodPut, base+"/comments/nope", map[string]string{"text": "x"}))

	res = ts.do(t, http.MethodGet, base+"/timeline", nil)
	var kinds []string
	for _, e := range res.JSON(t)["data"].([]any) {
		ev := e.(map[string]any)
		kinds = append(kinds, ev["kind"].(string)+"/"+ev["actor"].(string))
	}
	assert.Equal(t, []string{"opened/api", "acknowledged/alice", "unacknowledged/bob", "assigned/alice", "unassigned/alice",
		"commented/alice", "comment_edited/alice", "comment_deleted/alice"}, kinds)

	// assignee:me is the caller.
	ts.do(t, http.MethodPut, base+"/assignee", map[string]string{"assignee": "carol"}, as("alice")...)
	res = ts.do(t, http.MethodGet, "/api/v1/search?namespace=team-a&q=assignee:me", nil, as("carol")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, 1.0, res.JSON(t)["total"])
	res = ts.do(t, http.MethodGet, "/api/v1/search?namespace=team-a&q=assignee:me", nil)
	requireError(t, res, http.StatusBadRequest, "Invalid query", "assignee:me needs to know who you are")
	assert.Equal(t, "q", res.JSON(t)["field"])
}

// TestClientTriage: the HTTP client is the triage service too.
func TestClientTriage(t *testing.T) {
	c, ts, _ := newClientServer(t, "")
	ctx := context.Background()
	is := ts.createIssue(t, "team-a", "comp")

	got, err := c.Acknowledge(ctx, is.ID, true, "alice")
	require.NoError(t, err)
	assert.Equal(t, "alice", got.AckedBy)
	got, err = c.Assign(ctx, is.ID, "bob", "alice")
	require.NoError(t, err)
	assert.Equal(t, "bob", got.Assignee)
	got, err = c.Assign(ctx, is.ID, "", "alice")
	require.NoError(t, err)
	assert.Empty(t, got.Assignee)
	got, err = c.Acknowledge(ctx, is.ID, false, "alice")
	require.NoError(t, err)
	assert.Empty(t, got.AckedBy)

	cm, err := c.AddComment(ctx, is.ID, "on it", "alice")
	require.NoError(t, err)
	_, err = c.EditComment(ctx, is.ID, cm.ID, "done", "bob")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	cm, err = c.EditComment(ctx, is.ID, cm.ID, "done", "alice")
	require.NoError(t, err)
	assert.Equal(t, "done", cm.Text)
	list, err := c.Comments(ctx, is.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NoError(t, c.DeleteComment(ctx, is.ID, cm.ID, "alice"))
	_, err = c.AddComment(ctx, is.ID, "", "alice")
	assert.Equal(t, "text", kite.ErrorField(err))
}

func TestSnoozeRoutes(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")
	base := "/api/v1/issues/" + is.ID

	res := ts.do(t, http.MethodPost, base+"/snooze", map[string]any{"until": "2h", "occurrences": 5, "escalating": true}, userHeader, "alice")
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	z := res.Issue(t).Snooze
	require.NotNil(t, z)
	require.NotNil(t, z.Until)
	assert.WithinDuration(t, time.Now().Add(2*time.Hour), *z.Until, time.Minute)
	assert.Equal(t, int64(6), z.UntilOccurrences)
	assert.True(t, z.Escalating)
	assert.Equal(t, "alice", z.By)

	for body, field := range map[string]string{
		`{}`:                               "until",
		`{"until":"yesterday"}`:            "until",
		`{"until":"2000-01-01T00:00:00Z"}`: "until",
		`{"until":"9000h"}`:                "until",
		`{"occurrences":-3}`:               "occurrences",
	} {
		res := ts.do(t, http.MethodPost, base+"/snooze", body)
		requireError(t, res, http.StatusBadRequest, "")
		assert.Equal(t, field, res.JSON(t)["field"], body)
	}
	res = ts.do(t, http.MethodDelete, base+"/snooze", nil, userHeader, "bob")
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Nil(t, res.Issue(t).Snooze)

	c, cts, _ := newClientServer(t, "")
	other := cts.createIssue(t, "team-a", "comp")
	until := time.Now().Add(time.Hour)
	got, err := c.Snooze(context.Background(), other.ID, kite.SnoozeRequest{Until: &until}, "alice")
	require.NoError(t, err)
	require.NotNil(t, got.Snooze)
	got, err = c.Unsnooze(context.Background(), other.ID, "alice")
	require.NoError(t, err)
	assert.Nil(t, got.Snooze)
}

func TestPinnedByPut(t *testing.T) {
	ts := newTestServer(t)
	is := ts.createIssue(t, "team-a", "comp")
	res := ts.do(t, http.MethodPut, "/api/v1/issues/"+is.ID, map[string]any{"severity": "critical"})
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, []string{"severity"}, res.Issue(t).Pinned)
	res = ts.do(t, http.MethodPut, "/api/v1/issues/"+is.ID, map[string]any{"pinned": []string{"labels"}})
	requireError(t, res, http.StatusBadRequest, "Validation failed", "pinned may hold title and severity")
	assert.Equal(t, "pinned", res.JSON(t)["field"])
	res = ts.do(t, http.MethodPut, "/api/v1/issues/"+is.ID, map[string]any{"pinned": []string{}})
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Empty(t, res.Issue(t).Pinned)
}

// TestTriageNotFoundNamesTheID: a triage change of an issue the caller
// cannot see (or that does not exist) is a 404 naming the id.
func TestTriageNotFoundNamesTheID(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodPut, "/api/v1/issues/01a22a3e-2f7e-7d6c-9e5d-03c3f65bad6f/assignee", map[string]string{"assignee": "bob"})
	requireError(t, res, http.StatusNotFound, "Issue not found")
	assert.Equal(t, "id", res.JSON(t)["field"])
}
