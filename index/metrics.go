package index

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	batchSeconds   prometheus.Histogram
	batchSize      prometheus.Histogram
	rebuilds       prometheus.Counter
	rebuildSeconds prometheus.Gauge
	searchSeconds  prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kite_index_batch_duration_seconds", Help: "Time to apply one batch of changes to the search index.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kite_index_batch_size", Help: "Issues indexed or deleted per index batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_index_rebuilds_total", Help: "Completed rebuilds of the search index from the store.",
		}),
		rebuildSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_index_last_rebuild_duration_seconds", Help: "How long the last rebuild of the search index took.",
		}),
		searchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kite_index_search_duration_seconds", Help: "Time the index takes to answer one search.",
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 16),
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.batchSeconds, m.batchSize, m.rebuilds, m.rebuildSeconds, m.searchSeconds} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

type batchTimer struct {
	m     *metrics
	start time.Time
}

func (m *metrics) startBatch() batchTimer { return batchTimer{m, time.Now()} }

func (t batchTimer) done(n int) {
	t.m.batchSeconds.Observe(time.Since(t.start).Seconds())
	t.m.batchSize.Observe(float64(n))
}

type rebuildTimer struct {
	m     *metrics
	start time.Time
}

func (m *metrics) startRebuild() rebuildTimer { return rebuildTimer{m, time.Now()} }

func (t rebuildTimer) done() {
	t.m.rebuilds.Inc()
	t.m.rebuildSeconds.Set(time.Since(t.start).Seconds())
}
