package service

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	lag    prometheus.Gauge
	ready  prometheus.Gauge
	errors prometheus.Counter
	// staleSearches counts searches that gave up waiting for the index.
	staleSearches prometheus.Counter
	// stopped counts searches ended by their cost limits or their caller.
	stopped *prometheus.CounterVec
}

// kite_searches_stopped_total's reasons.
const (
	stopTooBroad  = "too_broad"
	stopTimeout   = "timeout"
	stopCancelled = "cancelled"
)

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
		stopped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_searches_stopped_total",
			Help: "Searches of the index stopped before they answered, by reason: too_broad (words expanding past the term budget), timeout (past the search time limit), cancelled (the caller went away).",
		}, []string{"reason"}),
	}
	for _, r := range []string{stopTooBroad, stopTimeout, stopCancelled} {
		m.stopped.WithLabelValues(r)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.lag, m.ready, m.errors, m.staleSearches, m.stopped} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
