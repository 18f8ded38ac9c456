package watch_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

// TestNamespaceSelector watches every namespace but counts only the runs
// of those whose labels match.
func TestNamespaceSelector(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	for name, lbls := range map[string]map[string]string{
		"tenant-a": {"konflux-ci.dev/type": "tenant"},
		"system-a": {"konflux-ci.dev/type": "system"},
	} {
		require.NoError(t, cluster.client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}))
	}
	sel, err := labels.Parse("konflux-ci.dev/type=tenant")
	require.NoError(t, err)
	m, err := watch.NewMetrics(nil)
	require.NoError(t, err)
	w, err := watch.New(watch.Options{Config: cluster.cfg, Tracker: svc, NamespaceSelector: sel, Metrics: m, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); assert.NoError(t, <-done) })

	mustComplete(t, run{ns: "system-a", name: "infra-1", pipeline: "infra", minute: 1})
	mustComplete(t, run{ns: "tenant-a", name: "build-1", pipeline: "build", minute: 1})
	oneIssue(t, svc, "tenant-a", "the selected namespace's issue", func(*kite.Issue) bool { return true })
	waitFor(t, "the other namespace's run to be ignored", func() error {
		if testutil.ToFloat64(watch.ReconcilesCounter(m, "ignored")) < 1 {
			return fmt.Errorf("%w", errNotYet)
		}
		return nil
	})
	assert.Empty(t, issues(t, svc, "system-a"))
}
