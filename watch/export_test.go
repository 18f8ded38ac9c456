package watch

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
)

// Counters the integration tests wait on.

func ReportsCounter(m *Metrics, o kite.Outcome) prometheus.Counter {
	return m.reports.WithLabelValues(KindPipelineRun, string(o))
}

func ReconcilesCounter(m *Metrics, result string) prometheus.Counter {
	return m.reconciles.WithLabelValues(KindPipelineRun, result)
}

func KindReportsCounter(m *Metrics, kind string, o kite.Outcome) prometheus.Counter {
	return m.reports.WithLabelValues(kind, string(o))
}

func KindReconcilesCounter(m *Metrics, kind, result string) prometheus.Counter {
	return m.reconciles.WithLabelValues(kind, result)
}

func KindWatched(m *Metrics, kind string) prometheus.Gauge { return m.watched.WithLabelValues(kind) }
