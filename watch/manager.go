package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-logr/logr"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/konflux-ci/kite"
)

// Options configure the watcher. Config and Tracker are required.
type Options struct {
	Config  *rest.Config
	Tracker kite.Tracker
	Mapper  Mapper
	// Namespaces limits the watch; empty watches all.
	Namespaces []string
	// NamespaceSelector, when set, keeps only the runs of namespaces whose
	// labels it matches (checked when a run completes).
	NamespaceSelector labels.Selector
	// LeaderElection makes replicas take turns through a Lease in
	// LeaderElectionNamespace, so that two never both write.
	LeaderElection          bool
	LeaderElectionNamespace string
	// Releases turns on the built-in Release watcher (while the cluster
	// defines Releases).
	Releases bool
	// Rules make other kinds sources of issues (LoadRules). A rule for
	// PipelineRuns or Releases replaces the built-in watcher of that kind.
	Rules *Rules
	// Workers is how many objects of each kind are reconciled at once
	// (default 16).
	Workers    int
	Logger     *slog.Logger
	Metrics    *Metrics
	SyncPeriod time.Duration
}

var pipelineRunGVK = tektonv1.SchemeGroupVersion.WithKind("PipelineRun")

// LeaseName is the Lease replicas of the watcher elect a leader through.
const LeaseName = "kite-watch"

// Watcher is a running controller manager with the PipelineRun reconciler.
type Watcher struct {
	mgr     ctrl.Manager
	log     *slog.Logger
	metrics *Metrics

	mu    sync.Mutex
	state string
	err   error
}

// Watcher states, as /readyz and the logs report them.
const (
	StateStarting = "starting"
	StateStandby  = "standby" // waiting for the leader lease
	StateLeading  = "leading"
	StateStopped  = "stopped"
	StateFailed   = "failed"
)

// Scheme knows the types the watcher reads.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := tektonv1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// New builds the manager and registers the reconciler; Run starts it.
func New(o Options) (*Watcher, error) {
	if o.Config == nil || o.Tracker == nil {
		return nil, errors.New("watch: Config and Tracker are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Metrics == nil {
		m, err := NewMetrics(nil)
		if err != nil {
			return nil, err
		}
		o.Metrics = m
	}
	if o.Mapper.Severity.Default == "" {
		o.Mapper.Severity = DefaultSeverityRules()
	}
	scheme, err := Scheme()
	if err != nil {
		return nil, err
	}
	log := o.Logger.With("component", "watch")
	// controller-runtime and client-go log through one global logger;
	// the first watcher's becomes it.
	setLogger.Do(func() { ctrl.SetLogger(logr.FromSlogHandler(log.Handler())) })
	copts := cache.Options{
		// Only runs are cached; TaskRuns are read on demand.
		ByObject: map[client.Object]cache.ByObject{&tektonv1.PipelineRun{}: {}},
	}
	if len(o.Namespaces) > 0 {
		copts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range o.Namespaces {
			copts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	if o.SyncPeriod > 0 {
		copts.SyncPeriod = &o.SyncPeriod
	}
	mgr, err := ctrl.NewManager(o.Config, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   copts,
		Logger:                  logr.FromSlogHandler(log.Handler()),
		Metrics:                 metricsserver.Options{BindAddress: "0"}, // Kite serves its own /metrics
		HealthProbeBindAddress:  "0",
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        LeaseName,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		// Give the lease up at once on shutdown so a successor starts
		// without waiting for it to expire.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return nil, fmt.Errorf("watch: controller manager: %w", err)
	}
	r := &PipelineRunReconciler{
		Client:     mgr.GetClient(),
		TaskRuns:   mgr.GetAPIReader(),
		Tracker:    o.Tracker,
		Mapper:     o.Mapper,
		Events:     mgr.GetEventRecorder("kite"),
		Namespaces: o.NamespaceSelector,
		Log:        log,
		Metrics:    o.Metrics,
	}
	if o.Rules.Replaces(pipelineRunGVK) {
		log.Info("a rule replaces the built-in PipelineRun watcher")
	} else if err := r.SetupWithManager(mgr, o.Workers); err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	var kinds []objectKind
	switch {
	case o.Releases && o.Rules.Replaces(ReleaseGVK):
		log.Info("a rule replaces the built-in Release watcher")
	case o.Releases:
		kinds = append(kinds, releaseKind{mapper: o.Mapper})
	}
	for _, x := range o.Rules.all() {
		kinds = append(kinds, ruleKind{rule: x, log: log})
	}
	if len(kinds) > 0 {
		err := mgr.Add(&kindSupervisor{
			kinds: kinds, crds: mgr.GetCache(), config: o.Config, scheme: scheme,
			client: mgr.GetClient(), api: mgr.GetAPIReader(), tracker: o.Tracker, events: mgr.GetEventRecorder("kite"),
			namespaces: o.Namespaces, selector: o.NamespaceSelector, workers: o.Workers, syncPeriod: o.SyncPeriod,
			log: log, metrics: o.Metrics,
		})
		if err != nil {
			return nil, fmt.Errorf("watch: %w", err)
		}
	}
	return &Watcher{mgr: mgr, log: log, metrics: o.Metrics, state: StateStarting}, nil
}

func controllerOptions(workers int) controller.Options {
	// A process may run the watcher more than once (a restart after a
	// lost lease, tests); the name check guards metrics Kite does not use.
	skip := true
	return controller.Options{MaxConcurrentReconciles: workers, SkipNameValidation: &skip}
}

var setLogger sync.Once

// Run runs the watcher until ctx ends. It returns nil when ctx ended it.
func (w *Watcher) Run(ctx context.Context) error {
	w.set(StateStandby, nil)
	go func() {
		select {
		case <-w.mgr.Elected():
			w.set(StateLeading, nil)
			w.metrics.leader.Set(1)
			w.log.Info("watching PipelineRuns")
		case <-ctx.Done():
		}
	}()
	err := w.mgr.Start(ctx)
	w.metrics.leader.Set(0)
	if err != nil {
		w.set(StateFailed, err)
		return fmt.Errorf("watch: %w", err)
	}
	w.set(StateStopped, nil)
	return nil
}

func (w *Watcher) set(state string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.state, w.err = state, err
}

// WaitSynced blocks until the watcher's cache holds the cluster's runs (or
// ctx ends, which it reports as false).
func (w *Watcher) WaitSynced(ctx context.Context) bool {
	return w.mgr.GetCache().WaitForCacheSync(ctx)
}

// State is the watcher's state and, once failed, why.
func (w *Watcher) State() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state, w.err
}

// Check is for readiness: an error once the watcher has failed.
func (w *Watcher) Check(context.Context) error {
	state, err := w.State()
	if state == StateFailed {
		return fmt.Errorf("the PipelineRun watcher stopped: %w", err)
	}
	return nil
}
