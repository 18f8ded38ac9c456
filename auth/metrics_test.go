package auth_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/auth"
	"github.com/konflux-ci/kite/service/servicetest"
)

// counter reads the value of metric{label=value} from reg, 0 when absent.
func counter(t *testing.T, reg prometheus.Gatherer, metric, label, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestAuthMetrics: every authentication and every decision is counted by
// its result, over the cluster's real reviews.
func TestAuthMetrics(t *testing.T) {
	needCluster(t)
	reg := prometheus.NewRegistry()
	k, err := auth.New(auth.Options{Config: cluster.cfg, Registerer: reg, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	h, err := api.New(api.Options{Service: servicetest.Open(t), Authenticator: k, Authorizer: k})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	token := serviceAccount(t, "team-m", "counted")
	bind(t, "kite-issues-view", "team-m", serviceAccountSubject("team-m", "counted"))

	type counts struct{ token, anonymous, rejected, allowed, denied float64 }
	read := func() counts {
		return counts{
			token:     counter(t, reg, "kite_authentications_total", "result", "token"),
			anonymous: counter(t, reg, "kite_authentications_total", "result", "anonymous"),
			rejected:  counter(t, reg, "kite_authentications_total", "result", "rejected"),
			allowed:   counter(t, reg, "kite_authorizations_total", "outcome", "allowed"),
			denied:    counter(t, reg, "kite_authorizations_total", "outcome", "denied"),
		}
	}
	for _, c := range []struct {
		name, token, path string
		status            int
		delta             counts
	}{
		{"allowed", token, "/api/v1/issues?namespace=team-m", 200, counts{token: 1, allowed: 1}},
		{"allowed again, from the caches", token, "/api/v1/issues?namespace=team-m", 200, counts{token: 1, allowed: 1}},
		{"denied", token, "/api/v1/issues?namespace=team-x", 403, counts{token: 1, denied: 1}},
		{"anonymous", "", "/api/v1/issues?namespace=team-m", 403, counts{anonymous: 1, denied: 1}},
		{"rejected", "forged", "/api/v1/issues?namespace=team-m", 401, counts{rejected: 1}},
	} {
		before := read()
		status, raw := send(t, srv.URL, identity{token: c.token}, http.MethodGet, c.path, "")
		require.Equal(t, c.status, status, "%s: %s", c.name, raw)
		after := read()
		assert.Equal(t, c.delta, counts{
			token: after.token - before.token, anonymous: after.anonymous - before.anonymous, rejected: after.rejected - before.rejected,
			allowed: after.allowed - before.allowed, denied: after.denied - before.denied,
		}, c.name)
	}
}
