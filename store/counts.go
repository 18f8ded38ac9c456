package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// count moves an issue's (namespace, state, severity, type) counter by
// delta, in the file and in the deltas published to the gauges after commit.
// The counters give list totals and gauges without scanning records.
func (t *txn) count(is *kite.Issue, delta int64) error {
	k := countKey(is.Namespace, tupleOf(is))
	t.counts[string(k)] += delta
	n := int64(be64(t.tx.Bucket(bucketCounts).Get(k))) + delta
	if n <= 0 {
		return t.del(bucketCounts, k)
	}
	return t.put(bucketCounts, k, u64(uint64(n)))
}

// countTuples sums the counters of a namespace for the given tuples.
func countTuples(tx *bolt.Tx, ns string, tuples []tuple) int {
	b := tx.Bucket(bucketCounts)
	total := 0
	for _, tp := range tuples {
		total += int(be64(b.Get(countKey(ns, tp))))
	}
	return total
}

// splitCountKey parses a counters key into its namespace and tuple.
func splitCountKey(k []byte) (string, tuple, bool) {
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k) != i+4 {
		return "", tuple{}, false
	}
	tp := tuple{k[i+1], k[i+2], k[i+3]}
	if !tp.valid() {
		return "", tuple{}, false
	}
	return string(k[:i]), tp, true
}

func (tp tuple) valid() bool {
	return tp[0] >= 1 && int(tp[0]) <= len(kite.States) &&
		tp[1] >= 1 && int(tp[1]) <= len(kite.Severities) &&
		tp[2] >= 1 && int(tp[2]) <= len(kite.IssueTypes)
}

// matchingTuples lists the tuples a filter admits: each empty enum filter
// stands for all of its values.
func matchingTuples(f kite.IssueFilter) []tuple {
	states, sevs, types := kite.States, kite.Severities, kite.IssueTypes
	if f.State != "" {
		states = []kite.State{f.State}
	}
	if f.Severity != "" {
		sevs = []kite.Severity{f.Severity}
	}
	if f.IssueType != "" {
		types = []kite.IssueType{f.IssueType}
	}
	out := make([]tuple, 0, len(states)*len(sevs)*len(types))
	for _, st := range states {
		for _, sv := range sevs {
			for _, ty := range types {
				out = append(out, tuple{byte(st.Code()), byte(sv.Rank()), byte(ty.Code())})
			}
		}
	}
	return out
}
