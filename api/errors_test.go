package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorBodyNamesTheField(t *testing.T) {
	ts := newTestServer(t)
	for target, body := range map[string]any{
		"/api/v1/webhooks/pipeline-failure": map[string]any{"pipelineName": "p", "failureReason": "r"},
		"/api/v1/issues":                    map[string]any{"title": "t", "description": "d", "severity": "major", "issueType": "build", "namespace": "team-a", "scope": map[string]any{"resourceType": "component"}},
	} {
		res := ts.do(t, http.MethodPost, target, body)
		require.Equal(t, http.StatusBadRequest, res.Code, "body: %s", res.Raw)
		want := map[string]string{"/api/v1/webhooks/pipeline-failure": "namespace", "/api/v1/issues": "scope.resourceName"}[target]
		assert.Equal(t, want, res.JSON(t)["field"], "body: %s", res.Raw)
	}
	res := ts.do(t, http.MethodGet, "/api/v1/search?q=pull", nil)
	assert.Equal(t, "namespace", res.JSON(t)["field"], "body: %s", res.Raw)
}
