package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logRecords decodes the JSON log lines written since the last call.
func logRecords(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), sc.Text())
		out = append(out, rec)
	}
	logs.Reset()
	return out
}

// requestRecords are the access log's records among recs.
func requestRecords(recs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["msg"] == "http request" {
			out = append(out, r)
		}
	}
	return out
}

// TestAuditLog: every write is one Info record naming who made it (and
// the proxy acting for them), what it touched and how it ended; reads are
// Debug records that name the caller too.
func TestAuditLog(t *testing.T) {
	var logs bytes.Buffer
	ts := newTestServer(t, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.Authenticator = tokens{
			"viewer-token":   {Name: "alice"},
			"reporter-token": {Name: "system:serviceaccount:ops:bridge"},
			"proxy-token":    {Name: "system:serviceaccount:console:proxy"},
		}
		o.Authorizer = rules{
			"alice get issues team-a -", "alice list issues team-a -", "alice update issues team-a -",
			"system:serviceaccount:ops:bridge create issues team-a -",
			"system:serviceaccount:console:proxy impersonate users - alice",
		}
	})
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }

	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "build-app"), bearer("reporter-token")...)
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	id := hookIssue(t, res)["id"].(string)
	recs := requestRecords(logRecords(t, &logs))
	require.Len(t, recs, 1, "one record per request")
	hook := recs[0]
	assert.Equal(t, "INFO", hook["level"], "a webhook is a write")
	assert.Equal(t, "system:serviceaccount:ops:bridge", hook["user"])
	assert.Equal(t, "POST", hook["method"])
	assert.Equal(t, "/api/v1/webhooks/pipeline-failure", hook["route"])
	assert.Equal(t, "team-a", hook["namespace"], "the body's namespace")
	assert.Equal(t, id, hook["id"], "the issue the report landed on")
	assert.EqualValues(t, 201, hook["status"])
	assert.Contains(t, hook, "duration")
	assert.NotContains(t, hook, "impersonator")

	res = ts.do(t, http.MethodPost, "/api/v1/issues/"+id+"/resolve", nil, append(bearer("proxy-token"), "Impersonate-User", "alice")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	recs = requestRecords(logRecords(t, &logs))
	require.Len(t, recs, 1)
	resolve := recs[0]
	assert.Equal(t, "INFO", resolve["level"])
	assert.Equal(t, "alice", resolve["user"], "the user the proxy acts for")
	assert.Equal(t, "system:serviceaccount:console:proxy", resolve["impersonator"])
	assert.Equal(t, "/api/v1/issues/{id}/resolve", resolve["route"])
	assert.Equal(t, "team-a", resolve["namespace"], "the issue's namespace")
	assert.Equal(t, id, resolve["id"])
	assert.EqualValues(t, 200, resolve["status"])

	// A refused write is in the trail too, with whom it was refused.
	res = ts.do(t, http.MethodDelete, "/api/v1/issues/"+id, nil, append(bearer("proxy-token"), "Impersonate-User", "bob")...)
	require.Equal(t, http.StatusForbidden, res.Code, "%s", res.Raw)
	recs = requestRecords(logRecords(t, &logs))
	require.Len(t, recs, 1)
	assert.Equal(t, "INFO", recs[0]["level"])
	assert.Equal(t, "system:serviceaccount:console:proxy", recs[0]["user"], "impersonation was refused: the caller itself")
	assert.Equal(t, id, recs[0]["id"])
	assert.EqualValues(t, 403, recs[0]["status"])

	res = ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a", nil, bearer("viewer-token")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	recs = requestRecords(logRecords(t, &logs))
	require.Len(t, recs, 1)
	assert.Equal(t, "DEBUG", recs[0]["level"], "reads stay at Debug")
	assert.Equal(t, "alice", recs[0]["user"])
	assert.Equal(t, "team-a", recs[0]["namespace"])
}

// TestAuditLogAtInfo: at the default level the trail has the writes and
// none of the reads.
func TestAuditLogAtInfo(t *testing.T) {
	var logs bytes.Buffer
	ts := newTestServer(t, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "build-app"), "X-Kite-User", "carol")
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	id := hookIssue(t, res)["id"].(string)
	require.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/api/v1/issues/"+id, nil).Code)
	require.Equal(t, http.StatusNoContent, ts.do(t, http.MethodDelete, "/api/v1/issues/"+id, nil, "X-Kite-User", "carol").Code)

	recs := requestRecords(logRecords(t, &logs))
	require.Len(t, recs, 2, "the two writes, not the read")
	assert.Equal(t, "POST", recs[0]["method"])
	assert.Equal(t, "DELETE", recs[1]["method"])
	assert.Equal(t, "/api/v1/issues/{id}", recs[1]["route"])
	assert.Equal(t, id, recs[1]["id"])
	for _, r := range recs {
		assert.Equal(t, "INFO", r["level"])
		assert.Equal(t, "carol", r["user"], "without authentication, whom the caller names")
	}
}
