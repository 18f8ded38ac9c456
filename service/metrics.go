package service

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	lag    prometheus.Gauge
	ready  prometheus.Gauge
	errors prometheus.Counter
	// staleSearches counts searches that gave up waiting for the index.
	staleSearches prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_index_lag_revisions", Help: "Store revisions committed but not yet applied to the search index.",
		}),
		ready: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_index_ready", Help: "1 once the search index has caught up with the store since start.",
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_index_update_errors_total", Help: "Failed attempts to bring the search index up to date.",
		}),
		staleSearches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_search_index_wait_timeouts_total", Help: "Searches answered before the index had applied every earlier write.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.lag, m.ready, m.errors, m.staleSearches} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
