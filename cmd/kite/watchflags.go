package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/watch"
)

// watchOptions are the PipelineRun watcher's settings, shared by kite
// serve (in-process) and kite watch (remote).
type watchOptions struct {
	mode           string
	kubeconfig     string
	namespaces     []string
	leaderElection bool
	leaseNamespace string
	logURL         string
	severityRules  string
	workers        int
	selector       string
	releases       bool
	rulesFile      string
	watchRules     *watch.Rules // loaded by validate
	mintmaker      []string
	rules          watch.SeverityRules // loaded by validate
	nsSelector     labels.Selector     // parsed by validate
}

func (o *watchOptions) register(f *pflag.FlagSet, env lookupEnv, defaultMode string) {
	f.StringVar(&o.mode, "watch", envOr(env, "KITE_WATCH", defaultMode), "PipelineRun watchers: auto (on when a cluster with Tekton is reachable), on, or off (env KITE_WATCH)")
	f.StringVar(&o.kubeconfig, "kubeconfig", envOr(env, "KUBECONFIG", ""), "kubeconfig of the cluster to watch; in a pod the in-cluster config is used (env KUBECONFIG)")
	f.StringSliceVar(&o.namespaces, "watch-namespaces", splitList(envOr(env, "KITE_WATCH_NAMESPACES", "")), "namespaces to watch, comma-separated; all when empty (env KITE_WATCH_NAMESPACES)")
	f.BoolVar(&o.leaderElection, "leader-election", false, "elect one watcher among replicas through the Lease "+watch.LeaseName)
	f.StringVar(&o.leaseNamespace, "leader-election-namespace", envOr(env, "POD_NAMESPACE", ""), "namespace of the leader Lease; the pod's own in a cluster (env POD_NAMESPACE)")
	f.StringVar(&o.logURL, "watch-log-url", envOr(env, "KITE_WATCH_LOG_URL", ""), "log link of a failed run without a Tekton Results log; {namespace}, {name} and {uid} are replaced (env KITE_WATCH_LOG_URL)")
	f.StringVar(&o.severityRules, "watch-severity-rules", envOr(env, "KITE_WATCH_SEVERITY_RULES", ""), "YAML file of severity rules for watched runs (docs/watch.md); built-in rules when empty")
	f.IntVar(&o.workers, "watch-workers", 16, "PipelineRuns reconciled at once (more make larger group commits)")
	f.BoolVar(&o.releases, "watch-releases", envOr(env, "KITE_WATCH_RELEASES", "true") == "true", "watch Konflux Releases too, while the cluster defines them: a failed Release opens an issue for its ReleasePlan (env KITE_WATCH_RELEASES)")
	f.StringSliceVar(&o.mintmaker, "watch-mintmaker-namespaces", splitList(envOr(env, "KITE_WATCH_MINTMAKER_NAMESPACES", watch.DefaultMintMakerNamespace)), "where MintMaker runs its dependency updates: their failures are the components' dependency issues; empty: ordinary pipelines (env KITE_WATCH_MINTMAKER_NAMESPACES)")
	f.StringVar(&o.rulesFile, "watch-rules", envOr(env, "KITE_WATCH_RULES", ""), "YAML file of rules that make other kinds sources of issues (docs/watch.md); checked at start (env KITE_WATCH_RULES)")
	f.StringVar(&o.selector, "watch-namespace-selector", envOr(env, "KITE_WATCH_NAMESPACE_SELECTOR", ""), "only runs of namespaces with these labels, e.g. konflux-ci.dev/type=tenant (env KITE_WATCH_NAMESPACE_SELECTOR)")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// errNoCluster: auto mode found nothing to watch.
var errNoCluster = errors.New("no cluster with Tekton reachable")

// newWatcher builds the watcher the options ask for, or nil when it is
// off (or auto and no cluster with Tekton answers, which it logs).
// validate checks the flags alone, before anything is opened.
func (o *watchOptions) validate() error {
	switch o.mode {
	case "off", "on", "auto":
	default:
		return usageErrorf("--watch must be auto, on or off, not %q", o.mode)
	}
	if o.workers < 1 {
		return usageErrorf("--watch-workers must be at least 1")
	}
	if o.selector != "" {
		sel, err := labels.Parse(o.selector)
		if err != nil {
			return usageErrorf("--watch-namespace-selector: %w", err)
		}
		o.nsSelector = sel
	}
	if o.rulesFile != "" {
		rules, err := watch.LoadRules(o.rulesFile, o.logURL)
		if err != nil {
			return usageErrorf("--watch-rules: %w", err)
		}
		o.watchRules = rules
	}
	o.rules = watch.DefaultSeverityRules()
	if o.severityRules != "" {
		var err error
		if o.rules, err = watch.LoadSeverityRules(o.severityRules); err != nil {
			return usageErrorf("--watch-severity-rules: %w", err)
		}
	}
	return nil
}

func (o *watchOptions) newWatcher(tracker kite.Tracker, reg prometheus.Registerer, log *slog.Logger) (*watch.Watcher, error) {
	if o.mode == "off" {
		log.Info("PipelineRun watchers are off (--watch=off)")
		return nil, nil
	}
	cfg, err := o.clusterConfig()
	if err != nil {
		if o.mode == "auto" {
			log.Info("PipelineRun watchers are off: no cluster to watch (--watch=on makes this an error)", "reason", err.Error())
			return nil, nil
		}
		return nil, fmt.Errorf("--watch=on: %w", err)
	}
	mapper := watch.Mapper{Severity: o.rules, LogURLTemplate: o.logURL, MintMakerNamespaces: o.mintmaker}
	if o.leaderElection && o.leaseNamespace == "" {
		o.leaseNamespace = inClusterNamespace()
		if o.leaseNamespace == "" {
			return nil, usageErrorf("--leader-election needs --leader-election-namespace outside a cluster")
		}
	}
	releases := o.releases
	m, err := watch.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	w, err := watch.New(watch.Options{
		Config: cfg, Tracker: tracker, Mapper: mapper, Namespaces: o.namespaces, NamespaceSelector: o.nsSelector,
		LeaderElection: o.leaderElection, LeaderElectionNamespace: o.leaseNamespace,
		Workers: o.workers, Logger: log, Metrics: m, Releases: releases, Rules: o.watchRules,
	})
	if err != nil {
		return nil, err
	}
	log.Info("PipelineRun watchers are on", "host", cfg.Host, "namespaces", strings.Join(o.namespaces, ","), "leader_election", o.leaderElection)
	return w, nil
}

// loadClusterConfig finds the configured cluster: the pod's in-cluster
// config, else kubeconfig (--kubeconfig), KUBECONFIG or ~/.kube/config.
// It does not contact the cluster.
func loadClusterConfig(kubeconfig string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	return clusterConfigFrom(rules, kubeconfig == "")
}

// clusterConfigFrom is the pod's in-cluster config when inCluster and in
// a pod, else the config the kubeconfig rules load.
func clusterConfigFrom(rules *clientcmd.ClientConfigLoadingRules, inCluster bool) (*rest.Config, error) {
	if inCluster {
		if cfg, err := rest.InClusterConfig(); err == nil {
			return cfg, nil
		}
	}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
}

// clusterConfig finds the cluster (loadClusterConfig) and checks that it
// answers and serves Tekton's v1 PipelineRuns.
func (o *watchOptions) clusterConfig() (*rest.Config, error) {
	cfg, err := loadClusterConfig(o.kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoCluster, err)
	}
	probe := rest.CopyConfig(cfg)
	probe.Timeout = 5 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(probe)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoCluster, err)
	}
	if _, err := dc.ServerResourcesForGroupVersion("tekton.dev/v1"); err != nil {
		return nil, fmt.Errorf("%w: %s: tekton.dev/v1: %w", errNoCluster, cfg.Host, err)
	}
	return cfg, nil
}

// inClusterNamespace is the pod's namespace from its service account.
func inClusterNamespace() string {
	b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
