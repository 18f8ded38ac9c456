package store

import (
	"cmp"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"
)

// DefaultMetricsNamespaces is Options.MetricsNamespaces's default.
const DefaultMetricsNamespaces = 50

// otherNamespaces is the namespace label of the namespaces beyond the top.
const otherNamespaces = "other"

// issueGauges is kite_issues: issue counts by namespace, state, severity
// and type, computed at each scrape from counters the commits keep in
// memory. The namespace label is bounded: the namespaces with the most
// issues get series of their own, the rest are summed under "other", so a
// cluster with 10,000 namespaces (or a caller who sends 10,000 names)
// still has a small /metrics; zero counts (a namespace emptied or deleted)
// have no series at all.
type issueGauges struct {
	desc *prometheus.Desc
	top  int

	mu     sync.Mutex
	counts map[string]map[tuple]int64 // namespace -> tuple -> count
}

func newIssueGauges(top int) *issueGauges {
	if top <= 0 {
		top = DefaultMetricsNamespaces
	}
	return &issueGauges{
		desc: prometheus.NewDesc("kite_issues",
			"Issues in the store by namespace, state, severity and type. Namespaces beyond the largest ones (kite serve --metrics-namespaces) are summed as namespace=\"other\".",
			[]string{"namespace", "state", "severity", "type"}, nil),
		top:    top,
		counts: map[string]map[tuple]int64{},
	}
}

// load takes the counters of the store file.
func (g *issueGauges) load(tx *bolt.Tx) error {
	return tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
		if ns, tp, ok := splitCountKey(k); ok {
			g.add(ns, tp, int64(be64(v)))
		}
		return nil
	})
}

func (g *issueGauges) add(ns string, tp tuple, d int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.counts[ns]
	if m == nil {
		m = map[tuple]int64{}
		g.counts[ns] = m
	}
	m[tp] += d
	if m[tp] == 0 {
		delete(m, tp)
		if len(m) == 0 {
			delete(g.counts, ns)
		}
	}
}

func (g *issueGauges) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *issueGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	type nsTotal struct {
		ns    string
		total int64
	}
	totals := make([]nsTotal, 0, len(g.counts))
	for ns, m := range g.counts {
		var n int64
		for _, c := range m {
			n += c
		}
		totals = append(totals, nsTotal{ns, n})
	}
	slices.SortFunc(totals, func(a, b nsTotal) int {
		if c := cmp.Compare(b.total, a.total); c != 0 {
			return c
		}
		return cmp.Compare(a.ns, b.ns)
	})
	series := map[string]map[tuple]int64{}
	for i, t := range totals {
		label := t.ns
		if i >= g.top {
			label = otherNamespaces
		}
		if series[label] == nil {
			series[label] = map[tuple]int64{}
		}
		for tp, c := range g.counts[t.ns] {
			series[label][tp] += c
		}
	}
	g.mu.Unlock()
	for ns, m := range series {
		for tp, c := range m {
			st, sv, ty := tp.labels()
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(c), ns, string(st), string(sv), string(ty))
		}
	}
}
