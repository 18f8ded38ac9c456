package auth

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	authn *prometheus.CounterVec
	authz *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		authn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_authentications_total",
			Help: "Callers authenticated, by how: token, certificate, anonymous, rejected (401) or error (no review could be made: 503).",
		}, []string{"result"}),
		authz: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_authorizations_total",
			Help: "Access decisions (cached or reviewed), by outcome: allowed, denied or error (no review could be made: 503).",
		}, []string{"outcome"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.authn, m.authz} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
