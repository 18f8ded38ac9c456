package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeLogLinksFromEnvironment: kite serve builds the original's
// "Pipeline Run Logs" link from KITE_CLUSTER_URL and KITE_LOGS_ENDPOINT, as
// the original did, and --cluster-url and --logs-endpoint override them.
func TestServeLogLinksFromEnvironment(t *testing.T) {
	t.Setenv("KITE_CLUSTER_URL", "https://console.example")
	t.Setenv("KITE_LOGS_ENDPOINT", "/env/logs/")
	cases := []struct {
		flags []string
		want  string
	}{
		{nil, "https://console.example/env/logs/uid-1"},
		{[]string{"--cluster-url", "https://flag.example", "--logs-endpoint", "/flag/{namespace}/{runId}"}, "https://flag.example/flag/team-a/uid-1"},
	}
	for _, c := range cases {
		srv := startServer(t, t.TempDir(), c.flags...)
		body := []byte(`{"pipelineName":"build","namespace":"team-a","failureReason":"OOMKilled","runId":"uid-1"}`)
		resp, err := http.Post(srv.url("/api/v1/webhooks/pipeline-failure?namespace=team-a"), "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		var got struct {
			Issue struct {
				Links []struct{ Title, URL string } `json:"links"`
			} `json:"issue"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		require.Len(t, got.Issue.Links, 1, "%v", c.flags)
		assert.Equal(t, "Pipeline Run Logs", got.Issue.Links[0].Title)
		assert.Equal(t, c.want, got.Issue.Links[0].URL, "%v", c.flags)
	}
}
