package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOriginalOperatorResends replays what the original bridge operator
// sends: a failure with the run's UID as runId (never completedAt), a
// success with the pipeline's name alone, to ?namespace= URLs; on every
// restart it sends every completed run again, in any order.
func TestOriginalOperatorResends(t *testing.T) {
	const (
		failPath = "/api/v1/webhooks/pipeline-failure?namespace=team-a"
		okPath   = "/api/v1/webhooks/pipeline-success?namespace=team-a"
	)
	runs := map[string]func(ts *testServer, t *testing.T) *response{}
	for name, uid := range map[string]string{"A": "0b6f1f7e-1111-4c8e-9a1d-6b2f8e1c0a01", "B": "0b6f1f7e-2222-4c8e-9a1d-6b2f8e1c0a02"} {
		body := map[string]any{"pipelineName": "docker-build", "namespace": "team-a",
			"failureReason": "Failed pipeline tasks: build-container: OOMKilled", "runId": uid, "severity": "medium"}
		runs[name] = func(ts *testServer, t *testing.T) *response { return ts.do(t, http.MethodPost, failPath, body) }
	}
	runs["C"] = func(ts *testServer, t *testing.T) *response {
		return ts.do(t, http.MethodPost, okPath, map[string]any{"pipelineName": "docker-build", "namespace": "team-a"})
	}
	for _, order := range [][]string{{"A", "B", "C"}, {"A", "C", "B"}, {"B", "A", "C"}, {"B", "C", "A"}, {"C", "A", "B"}, {"C", "B", "A"}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			ts := newTestServer(t)
			for _, run := range append([]string{"A", "B", "C"}, order...) {
				res := runs[run](ts, t)
				require.Less(t, res.Code, 300, "%s: %s", run, res.Raw)
			}
			res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a", nil)
			require.Equal(t, http.StatusOK, res.Code)
			list := res.JSON(t)
			require.Equal(t, float64(1), list["total"], "one issue: %s", res.Raw)
			is := list["data"].([]any)[0].(map[string]any)
			assert.Equal(t, "RESOLVED", is["state"])
			assert.Equal(t, float64(2), is["occurrences"])
			assert.Equal(t, float64(0), is["reopenCount"])
			assert.Equal(t, "0b6f1f7e-2222-4c8e-9a1d-6b2f8e1c0a02", is["failure"].(map[string]any)["runId"],
				"the failure context is the newest run's")
		})
	}
}
