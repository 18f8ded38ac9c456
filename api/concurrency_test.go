package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentFirstReports: the original could open two issues when two
// first reports for one scope raced. Fifty at once over real HTTP must land
// on exactly one issue that counts all fifty.
func TestConcurrentFirstReports(t *testing.T) {
	ts := newTestServer(t)
	srv := httptest.NewServer(ts.h)
	defer srv.Close()

	const n = 50
	payload, err := json.Marshal(failure("team-race", "race-pipeline"))
	require.NoError(t, err)

	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		codes = make([]int, n)
		ids   = make([]string, n)
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := http.Post(srv.URL+"/api/v1/webhooks/pipeline-failure?namespace=team-race", "application/json", bytes.NewReader(payload))
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = res.Body.Close() }()
			raw, err := io.ReadAll(res.Body)
			if err != nil {
				errs[i] = err
				return
			}
			codes[i] = res.StatusCode
			var body struct {
				Issue struct{ ID string } `json:"issue"`
			}
			errs[i] = json.Unmarshal(raw, &body)
			ids[i] = body.Issue.ID
		}()
	}
	close(start)
	wg.Wait()

	for i := range n {
		require.NoError(t, errs[i], "request %d", i)
		require.Equal(t, http.StatusCreated, codes[i], "request %d", i)
		require.Equal(t, ids[0], ids[i], "request %d landed on another issue", i)
	}

	res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-race", nil)
	require.Equal(t, http.StatusOK, res.Code)
	data, total, _, _ := listOf(t, res)
	require.Equal(t, float64(1), total)
	require.Len(t, data, 1)
	assert.Equal(t, float64(n), data[0].(map[string]any)["occurrences"])

	labels := func(outcome string) map[string]string {
		return map[string]string{"kind": "pipeline-failure", "outcome": outcome}
	}
	assert.Equal(t, float64(1), ts.counterValue(t, "kite_webhook_events_total", labels("created")))
	assert.Equal(t, float64(n-1), ts.counterValue(t, "kite_webhook_events_total", labels("updated")))
}
