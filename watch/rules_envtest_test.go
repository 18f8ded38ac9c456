package watch_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

var widgetGVK = schema.GroupVersionKind{Group: "kite.example.com", Version: "v1", Kind: "Widget"}

// widgetCRD is a kind no one but this test defines.
func widgetCRD() *unstructured.Unstructured {
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.kite.example.com"},
		"spec": map[string]any{
			"group": "kite.example.com", "scope": "Namespaced",
			"names": map[string]any{"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
	return crd
}

const widgetRules = `
rules:
  - name: widgets
    apiVersion: kite.example.com/v1
    kind: Widget
    condition: Healthy
    scope:
      type: widget
      name: object.spec.line
    title: "'Widget line ' + object.spec.line + ' is unhealthy: ' + condition.reason"
    type: build
    severity: minor
    labels: "{'kite.example.com/widget': object.metadata.name}"
    links: "[{'title': 'Widget logs', 'url': logURL(object.metadata.namespace, object.metadata.name, object.metadata.uid)}]"
`

func setWidgetHealth(t *testing.T, ns, name, status, reason string, minute int) {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgetGVK)
	require.NoError(t, cluster.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, u))
	u.Object["status"] = map[string]any{"conditions": []any{map[string]any{
		"type": "Healthy", "status": status, "reason": reason, "message": "widget says " + reason,
		"lastTransitionTime": t0.Add(time.Duration(minute) * time.Minute).Format(time.RFC3339),
	}}}
	require.NoError(t, cluster.client.Status().Update(ctx, u))
}

// TestRuleForACustomResource: a rule names a kind the cluster does not
// define yet; its watch starts when the CRD appears, turns the resource's
// condition into an issue and its recovery into a resolution, and stops
// when the CRD goes.
func TestRuleForACustomResource(t *testing.T) {
	needCluster(t)
	svc := servicetest.Open(t)
	const ns = "widgets"
	createNamespace(t, ns)
	path := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte(widgetRules), 0o600))
	rules, err := watch.LoadRules(path, testLogURL)
	require.NoError(t, err)
	m, _, _ := startWatcherOpts(t, watch.Options{Tracker: svc, Namespaces: []string{ns}, Rules: rules})
	watched := func(want float64) func() error {
		return func() error {
			if got := testutil.ToFloat64(watch.KindWatched(m, "rule:widgets")); got != want {
				return fmt.Errorf("%w: kite_watch_kind_watched %v", errNotYet, got)
			}
			return nil
		}
	}

	// The definition appears after the watcher started.
	require.NoError(t, cluster.client.Create(ctx, widgetCRD()))
	t.Cleanup(func() { _ = cluster.client.Delete(ctx, widgetCRD()) })
	waitFor(t, "the widget watch to start", watched(1))
	w := &unstructured.Unstructured{}
	w.SetGroupVersionKind(widgetGVK)
	w.SetNamespace(ns)
	w.SetName("gear-7")
	w.Object["spec"] = map[string]any{"line": "gears"}
	waitFor(t, "the API server to serve widgets", func() error { return cluster.client.Create(ctx, w) })

	setWidgetHealth(t, ns, "gear-7", "False", "Jammed", 5)
	is := oneIssue(t, svc, ns, "the widget's issue", func(*kite.Issue) bool { return true })
	assert.Equal(t, "Widget line gears is unhealthy: Jammed", is.Title)
	assert.Equal(t, kite.Scope{ID: is.Scope.ID, ResourceType: "widget", ResourceName: "gears", ResourceNamespace: ns}, is.Scope)
	assert.Equal(t, kite.SeverityMinor, is.Severity)
	assert.Equal(t, "gear-7", is.Labels["kite.example.com/widget"])
	require.Len(t, is.Links, 1)
	assert.Equal(t, "https://console.example/ns/widgets/pipelinerun/gear-7", is.Links[0].URL)
	assert.Equal(t, "widget says Jammed", is.Failure.Message)

	setWidgetHealth(t, ns, "gear-7", "True", "Turning", 9)
	oneIssue(t, svc, ns, "the resolution", func(is *kite.Issue) bool { return is.State == kite.StateResolved })

	// It fails again: a new transition, a new run; the issue reopens.
	setWidgetHealth(t, ns, "gear-7", "False", "Jammed", 12)
	is = oneIssue(t, svc, ns, "the reopened issue", func(is *kite.Issue) bool { return is.State == kite.StateActive })
	assert.Equal(t, 1, is.ReopenCount)

	// The definition goes: the watch stops.
	require.NoError(t, cluster.client.Delete(ctx, widgetCRD()))
	waitFor(t, "the widget watch to stop", watched(0))
	waitFor(t, "the definition to be gone", func() error {
		err := cluster.client.Get(ctx, types.NamespacedName{Name: "widgets.kite.example.com"}, widgetCRD())
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("%w: %w", errNotYet, err)
	})
}
