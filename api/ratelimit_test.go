package api

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneCallersFloodDoesNotStarveAnother: a webhook sender replaying its
// backlog runs into its own write budget, while another tenant's reads and
// the sender's own reads go on.
func TestOneCallersFloodDoesNotStarveAnother(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{
			"bot":   {Name: "system:serviceaccount:ci:bridge"},
			"alice": {Name: "alice"},
		}
		o.Authorizer = rules{"* * issues team-a -"}
		// Slow refills, so that the test's own pace cannot refill a bucket.
		o.RateLimits = &RateLimits{ReadsPerSecond: 0.01, ReadBurst: 20, WritesPerSecond: 0.01, WriteBurst: 10}
	})
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }

	var limited, created atomic.Int64
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "p"+strconv.Itoa(i*10+j)), bearer("bot")...)
				switch res.Code {
				case http.StatusCreated:
					created.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
					retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
					assert.NoError(t, err)
					assert.Positive(t, retry)
					assert.Equal(t, "Too many requests", res.JSON(t)["error"])
				default:
					t.Errorf("unexpected %d: %s", res.Code, res.Raw)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(10), created.Load(), "the burst goes through")
	assert.Equal(t, int64(30), limited.Load(), "the rest is refused")

	for range 20 {
		res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a", nil, bearer("alice")...)
		require.Equal(t, http.StatusOK, res.Code, "another caller's reads are untouched: %s", res.Raw)
	}
	res := ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a", nil, bearer("bot")...)
	assert.Equal(t, http.StatusOK, res.Code, "the flooder's reads have their own budget")
	res = ts.do(t, http.MethodGet, "/api/v1/issues?namespace=team-a", nil, bearer("alice")...)
	assert.Equal(t, http.StatusTooManyRequests, res.Code, "and alice has a budget too")
	assert.Equal(t, float64(30), ts.counterValue(t, "kite_rate_limit_requests_total", map[string]string{"kind": "write", "outcome": "limited"}))
	assert.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/healthz", nil, bearer("alice")...).Code, "probes are not limited")
}
