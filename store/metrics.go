package store

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"
)

// metrics are the store's Prometheus series, registered on the registry the
// caller passes (none when nil, as in most tests).
type metrics struct {
	commitSeconds prometheus.Histogram
	batchSize     prometheus.Histogram
	commitErrors  prometheus.Counter
	notifyDropped prometheus.Counter
	issues        *issueGauges
}

// volumeCollectors report the data volume's free space and whether commits
// fail for lack of it, read at scrape time.
func (s *Store) volumeCollectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kite_store_volume_available_bytes",
			Help: "Free space on the volume holding the store, for Kite's user (-1 when unknown).",
		}, func() float64 { return float64(s.available()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kite_store_free_pages_ratio",
			Help: "Share of the store file's pages that are free (reused by later writes, given back to the file system only by kite compact).",
		}, s.freeRatio),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kite_store_volume_full",
			Help: "1 while writes fail because the store's volume is full (they answer 507), else 0.",
		}, func() float64 {
			if s.WriteFault() != nil {
				return 1
			}
			return 0
		}),
	}
}

func newMetrics(reg prometheus.Registerer, topNamespaces int) (*metrics, error) {
	m := &metrics{
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kite_store_commit_duration_seconds",
			Help:    "Time to run and fsync one write transaction.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kite_store_commit_batch_size",
			Help:    "Writes grouped into one commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_store_commit_errors_total",
			Help: "Write transactions that failed to commit.",
		}),
		notifyDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_notify_outbox_dropped_total",
			Help: "Webhook notifications not queued because their subscription's outbox was full (a receiver down for long).",
		}),
		issues: newIssueGauges(topNamespaces),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.commitSeconds, m.batchSize, m.commitErrors, m.notifyDropped, m.issues} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) observeCommit(d time.Duration, n int) {
	m.commitSeconds.Observe(d.Seconds())
	m.batchSize.Observe(float64(n))
}

// loadGauges sets the issue gauges from the counters once at open; commits
// then move them by their deltas, so a scrape never scans the store.
func (s *Store) loadGauges() error {
	return s.db.View(s.metrics.issues.load)
}

func (s *Store) applyCounts(deltas map[string]int64) {
	for k, d := range deltas {
		if d == 0 {
			continue
		}
		if ns, tp, ok := splitCountKey([]byte(k)); ok {
			s.metrics.issues.add(ns, tp, d)
		}
	}
}

// freeRatio is the share of the file's pages that are free, -1 when the
// store is closed.
func (s *Store) freeRatio() float64 {
	var free, total int
	err := s.view(func(tx *bolt.Tx) error {
		total = int(tx.Size() / int64(s.db.Info().PageSize))
		return nil
	})
	if err != nil || total == 0 {
		return -1
	}
	st := s.db.Stats()
	free = st.FreePageN + st.PendingPageN
	return float64(free) / float64(total)
}
