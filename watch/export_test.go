package watch

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
)

// Counters the integration tests wait on.

func ReportsCounter(m *Metrics, o kite.Outcome) prometheus.Counter {
	return m.reports.WithLabelValues(string(o))
}

func ReconcilesCounter(m *Metrics, result string) prometheus.Counter {
	return m.reconciles.WithLabelValues(result)
}
