package watch

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the watcher's, on Kite's registry.
type Metrics struct {
	reconciles *prometheus.CounterVec
	errors     prometheus.Counter
	reports    *prometheus.CounterVec
	lag        prometheus.Histogram
	leader     prometheus.Gauge
}

// NewMetrics registers the watcher's metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_watch_reconciles_total", Help: "PipelineRun reconciles by result: reported, resolved, running, gone, ignored (namespace not selected), error.",
		}, []string{"result"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_watch_errors_total", Help: "PipelineRun reconciles that failed and will be retried.",
		}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_watch_reports_total", Help: "Failed PipelineRuns reported, by what the report did (created, updated, reopened, duplicate, stale).",
		}, []string{"outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kite_watch_write_lag_seconds",
			Help:    "Time from a PipelineRun's completion to its issue write.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_watch_leader", Help: "1 while this process holds the watcher's leader lease (or runs without election).",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.reconciles, m.errors, m.reports, m.lag, m.leader} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *Metrics) reconciled(result string, err error) {
	m.reconciles.WithLabelValues(result).Inc()
	if err != nil {
		m.errors.Inc()
	}
}

func (m *Metrics) written(lag time.Duration) { m.lag.Observe(max(lag, 0).Seconds()) }
