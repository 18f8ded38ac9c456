package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGenericReportsApplyRunsOnce: POST /api/v1/issues and the
// scope-success hook take the object a report is of (runUid, completedAt)
// for any resource, as the pipeline hooks do: a report or resolution is
// applied once, and one older than the newest applied changes nothing.
// This is how kite watch --server reports Releases and rule kinds.
func TestGenericReportsApplyRunsOnce(t *testing.T) {
	ts := newTestServer(t)
	failure := func(uid, at string) map[string]any {
		return map[string]any{"title": "Release r1 failed", "description": "managed pipeline failed", "severity": "critical",
			"issueType": "release", "namespace": "team-a", "scope": map[string]any{"resourceType": "releaseplan", "resourceName": "prod"},
			"failure": map[string]any{"reason": "ManagedPipelineFailed", "task": "push", "logUrl": "https://console.example/pr/1"},
			"runUid":  uid, "completedAt": at}
	}
	res := ts.do(t, http.MethodPost, "/api/v1/issues", failure("u1", "2026-11-30T08:00:00Z"))
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	is := res.Issue(t)
	require.NotNil(t, is.Failure)
	assert.Equal(t, "ManagedPipelineFailed", is.Failure.Reason)
	assert.Equal(t, int64(1), is.Occurrences)

	// The same object again (a resync, a restart) changes nothing.
	res = ts.do(t, http.MethodPost, "/api/v1/issues", failure("u1", "2026-11-30T08:00:00Z"))
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	assert.Equal(t, int64(1), res.Issue(t).Occurrences)

	ok := func(uid, at string) map[string]any {
		return map[string]any{"namespace": "team-a", "resourceType": "releaseplan", "resourceName": "prod", "runUid": uid, "completedAt": at}
	}
	res = ts.do(t, http.MethodPost, "/api/v1/webhooks/scope-success", ok("u2", "2026-11-30T09:00:00Z"))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, float64(1), res.JSON(t)["resolved"])
	res = ts.do(t, http.MethodPost, "/api/v1/webhooks/scope-success", ok("u2", "2026-11-30T09:00:00Z"))
	assert.Equal(t, float64(0), res.JSON(t)["resolved"], "applied once")

	// The older failure sent again after the success: still resolved.
	res = ts.do(t, http.MethodPost, "/api/v1/issues", failure("u1", "2026-11-30T08:00:00Z"))
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	assert.Equal(t, "RESOLVED", string(res.Issue(t).State))
	assert.Equal(t, 0, res.Issue(t).ReopenCount)

	requireError(t, ts.do(t, http.MethodPost, "/api/v1/issues", failure("", "2026-11-30T08:00:00Z")), http.StatusBadRequest, "Validation failed", "runUid")
	requireError(t, ts.do(t, http.MethodPost, "/api/v1/webhooks/scope-success", map[string]any{"namespace": "team-a", "resourceName": "prod"}),
		http.StatusBadRequest, "Missing required fields", "resourceType")
}
