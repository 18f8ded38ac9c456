package watch

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Kinds of watched objects, the kind label of the watcher's metrics. A
// rule-defined kind is labelled "rule:" and the rule's name.
const (
	KindPipelineRun = "pipelinerun"
	KindRelease     = "release"
)

// Metrics are the watcher's, on Kite's registry.
type Metrics struct {
	reconciles *prometheus.CounterVec
	errors     *prometheus.CounterVec
	reports    *prometheus.CounterVec
	lag        *prometheus.HistogramVec
	leader     prometheus.Gauge
	watched    *prometheus.GaugeVec
}

// NewMetrics registers the watcher's metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_watch_reconciles_total", Help: "Reconciles of watched objects by kind and result: reported, resolved, running, gone, ignored (namespace not selected, or not matched by its rule), error.",
		}, []string{"kind", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_watch_errors_total", Help: "Reconciles that failed and will be retried, by kind.",
		}, []string{"kind"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_watch_reports_total", Help: "Failures reported, by kind and what the report did (created, updated, reopened, duplicate, stale).",
		}, []string{"kind", "outcome"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kite_watch_write_lag_seconds",
			Help:    "Time from an object's completion to its issue write, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}, []string{"kind"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_watch_leader", Help: "1 while this process holds the watcher's leader lease (or runs without election).",
		}),
		watched: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kite_watch_kind_watched", Help: "1 while a kind watched through its CustomResourceDefinition (Releases, rule-defined kinds) is watched, 0 while its definition is missing.",
		}, []string{"kind"}),
	}
	// The built-in kinds have series from the start, so that dashboards
	// and alerts find them before the first failure.
	for _, k := range []string{KindPipelineRun, KindRelease} {
		m.errors.WithLabelValues(k)
		m.lag.WithLabelValues(k)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.reconciles, m.errors, m.reports, m.lag, m.leader, m.watched} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *Metrics) reconciled(kind, result string, err error) {
	m.reconciles.WithLabelValues(kind, result).Inc()
	if err != nil {
		m.errors.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) reported(kind string, o string) { m.reports.WithLabelValues(kind, o).Inc() }

func (m *Metrics) written(kind string, lag time.Duration) {
	m.lag.WithLabelValues(kind).Observe(max(lag, 0).Seconds())
}
