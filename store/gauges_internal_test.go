package store

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIssueGaugesAt10000Namespaces: /metrics stays small however many
// namespaces there are.
func TestIssueGaugesAt10000Namespaces(t *testing.T) {
	g := newIssueGauges(50)
	active := tuple{1, 3, 1}
	resolved := tuple{2, 3, 1}
	for i := range 10_000 {
		ns := fmt.Sprintf("tenant-%05d", i)
		g.add(ns, active, int64(1+i%7))
		g.add(ns, resolved, 1)
	}
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(g))
	n, err := testutil.GatherAndCount(reg, "kite_issues")
	require.NoError(t, err)
	assert.Equal(t, 51*2, n, "50 namespaces and other, two tuples each")
}
