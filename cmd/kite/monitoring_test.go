package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

type alertRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// TestMonitoringRulesAndDashboard: every alert of deploy/monitoring has a
// severity, a summary and a runbook that exists in docs/operations.md, and
// every Kite series an alert or a panel queries is one a running server
// exposes on /metrics.
func TestMonitoringRulesAndDashboard(t *testing.T) {
	root := filepath.Join("..", "..")
	var rule struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Groups []struct {
				Name  string      `json:"name"`
				Rules []alertRule `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "monitoring", "prometheusrule.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.UnmarshalStrict(b, &rule))
	assert.Equal(t, "PrometheusRule", rule.Kind)
	ops, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	require.NoError(t, err)
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(ops), "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			anchors[strings.ToLower(strings.ReplaceAll(h, " ", "-"))] = true
		}
	}
	var exprs []string
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			assert.NotEmpty(t, r.Alert)
			assert.Contains(t, []string{"warning", "critical"}, r.Labels["severity"], r.Alert)
			assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
			_, anchor, ok := strings.Cut(r.Annotations["runbook_url"], "docs/operations.md#")
			assert.True(t, ok && anchors[anchor], "%s: runbook %q has no section in docs/operations.md", r.Alert, r.Annotations["runbook_url"])
			exprs = append(exprs, r.Expr)
		}
	}
	require.NotEmpty(t, exprs)

	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	b, err = os.ReadFile(filepath.Join(root, "deploy", "monitoring", "kite-dashboard.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &dash))
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}

	exposed := scrapeServer(t)
	name := regexp.MustCompile(`\bkite_[a-z_]+`)
	for _, e := range exprs {
		for _, n := range name.FindAllString(e, -1) {
			base := n
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(n, suffix); ok && exposed[b] {
					base = b
				}
			}
			assert.True(t, exposed[base], "%s (in %q) is not on a running server's /metrics", n, e)
		}
	}
}

// scrapeServer runs a server with every part that registers metrics (the
// watcher's too, scheduled backups), sends it some traffic, and returns
// the metric families its /metrics exposes.
func scrapeServer(t *testing.T) map[string]bool {
	t.Helper()
	reg := prometheus.NewRegistry()
	svc := servicetest.OpenWith(t, service.Options{Registerer: reg, BackupDir: t.TempDir()})
	_, err := watch.NewMetrics(reg)
	require.NoError(t, err)
	h, err := api.New(api.Options{Service: svc, Ping: svc.Ping, Registerer: reg, Gatherer: reg})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, err = svc.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "t", Description: "d", Severity: "major",
		IssueType: "build", Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	require.NoError(t, err)
	for _, path := range []string{"/api/v1/issues?namespace=team-a", "/api/v1/search?namespace=team-a&q=t", "/api/v1/issues/nope"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	resp, err := http.Post(srv.URL+"/api/v1/webhooks/pipeline-failure", "application/json",
		strings.NewReader(`{"pipelineName":"p","namespace":"team-a","failureReason":"r"}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	resp, err = http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	out := map[string]bool{}
	for n := range fams {
		out[n] = true
	}
	return out
}

// TestMonitoringRulesWithPromtool checks the PrometheusRule's rules with
// Prometheus' own promtool (Debian's prometheus package, which .ci/run
// installs) and runs its unit tests (deploy/monitoring/tests): the alerts
// fire when they should and say what they should.
func TestMonitoringRulesWithPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is missing: .ci/run installs it (Debian's prometheus package)")
		}
		t.Skip("promtool is not installed (apt-get install prometheus)")
	}
	root := filepath.Join("..", "..")
	b, err := os.ReadFile(filepath.Join(root, "deploy", "monitoring", "prometheusrule.yaml"))
	require.NoError(t, err)
	var rule struct {
		Spec json.RawMessage `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(b, &rule))
	rules, err := yaml.JSONToYAML(rule.Spec)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o600))
	tests, err := os.ReadFile(filepath.Join(root, "deploy", "monitoring", "tests", "rules-test.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules-test.yaml"), tests, 0o600))
	for _, args := range [][]string{{"check", "rules", "rules.yaml"}, {"test", "rules", "rules-test.yaml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
}
