package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/konflux-ci/kite"
)

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// kindSupervisor watches the cluster's CustomResourceDefinitions and runs
// a watch of each objectKind only while the cluster defines and serves it:
// a kind whose definition appears is watched from then on, and one whose
// definition goes is no longer watched (its informer would only fail).
// It runs on the leader only, like the PipelineRun controller.
//
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;list;watch
type kindSupervisor struct {
	kinds []objectKind
	// crds is the manager's cache, from which definitions are read.
	crds       cache.Cache
	config     *rest.Config
	scheme     *runtime.Scheme
	client     client.Reader // namespaces, from the manager's cache
	api        client.Reader
	tracker    kite.Tracker
	events     events.EventRecorder
	namespaces []string
	selector   labels.Selector
	workers    int
	syncPeriod time.Duration
	log        *slog.Logger
	metrics    *Metrics

	running map[string]*kindWatch
}

// kindWatch is one running watch of a kind: its own cache and controller,
// stopped together.
type kindWatch struct {
	stop context.CancelFunc
	done sync.WaitGroup
}

// NeedLeaderElection: only the leader writes.
func (*kindSupervisor) NeedLeaderElection() bool { return true }

func (s *kindSupervisor) Start(ctx context.Context) error {
	s.running = map[string]*kindWatch{}
	for _, k := range s.kinds {
		s.metrics.watched.WithLabelValues(k.label()).Set(0)
	}
	poke := make(chan struct{}, 1)
	wake := func(any) {
		select {
		case poke <- struct{}{}:
		default:
		}
	}
	inf, err := s.crds.GetInformer(ctx, crdObject())
	if err != nil {
		return fmt.Errorf("watch CustomResourceDefinitions: %w", err)
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    wake,
		UpdateFunc: func(_, o any) { wake(o) },
		DeleteFunc: wake,
	})
	if err != nil {
		return fmt.Errorf("watch CustomResourceDefinitions: %w", err)
	}
	defer func() { _ = inf.RemoveEventHandler(reg) }()
	defer s.stopAll()
	wake(nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poke:
			s.sync(ctx)
		}
	}
}

// sync starts the kinds now defined and stops the kinds no longer defined.
func (s *kindSupervisor) sync(ctx context.Context) {
	var list unstructured.UnstructuredList
	list.SetGroupVersionKind(crdGVK.GroupVersion().WithKind("CustomResourceDefinitionList"))
	if err := s.crds.List(ctx, &list); err != nil {
		s.log.WarnContext(ctx, "listing CustomResourceDefinitions", "err", err)
		return
	}
	for _, k := range s.kinds {
		crd, served := definition(list.Items, k.gvk())
		label := k.label()
		w, on := s.running[label]
		switch {
		case served && !on:
			w, err := s.start(ctx, k)
			if err != nil {
				s.log.ErrorContext(ctx, "starting a watch", "kind", label, "gvk", k.gvk().String(), "err", err)
				continue
			}
			s.running[label] = w
			s.metrics.watched.WithLabelValues(label).Set(1)
			s.log.InfoContext(ctx, "watching a kind: its definition is served", "kind", label, "gvk", k.gvk().String(), "crd", crd)
		case !served && on:
			w.stop()
			w.done.Wait()
			delete(s.running, label)
			s.metrics.watched.WithLabelValues(label).Set(0)
			s.log.InfoContext(ctx, "stopped watching a kind: its definition is gone", "kind", label, "gvk", k.gvk().String())
		}
	}
}

// definition finds the CustomResourceDefinition of gvk and says whether it
// serves gvk's version now: established and not being deleted.
func definition(crds []unstructured.Unstructured, gvk schema.GroupVersionKind) (name string, served bool) {
	for i := range crds {
		crd := &crds[i]
		if nestedString(crd, "spec", "group") != gvk.Group || nestedString(crd, "spec", "names", "kind") != gvk.Kind {
			continue
		}
		if crd.GetDeletionTimestamp() != nil {
			return crd.GetName(), false
		}
		if c, ok := conditionOf(crd, "Established"); !ok || c.Status != "True" {
			return crd.GetName(), false
		}
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		for _, v := range versions {
			m, _ := v.(map[string]any)
			if str(m, "name") == gvk.Version && m["served"] == true {
				return crd.GetName(), true
			}
		}
		return crd.GetName(), false
	}
	return "", false
}

func crdObject() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(crdGVK)
	return u
}

// start runs a watch of k: a cache of its own (so that stopping it stops
// the informer too) and a controller over that cache.
func (s *kindSupervisor) start(ctx context.Context, k objectKind) (*kindWatch, error) {
	httpClient, err := rest.HTTPClientFor(s.config)
	if err != nil {
		return nil, err
	}
	// A fresh mapper: the kind may be newer than the manager's discovery.
	mapper, err := apiutil.NewDynamicRESTMapper(s.config, httpClient)
	if err != nil {
		return nil, err
	}
	opts := cache.Options{HTTPClient: httpClient, Scheme: s.scheme, Mapper: mapper}
	nss := k.namespaces()
	if len(nss) == 0 {
		nss = s.namespaces
	}
	if len(nss) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range nss {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	if s.syncPeriod > 0 {
		opts.SyncPeriod = &s.syncPeriod
	}
	c, err := cache.New(s.config, opts)
	if err != nil {
		return nil, err
	}
	r := &objectReconciler{
		kind: k, objects: c, client: s.client, api: s.api, tracker: s.tracker, events: s.events,
		namespaces: s.selector, log: s.log, metrics: s.metrics, now: time.Now,
	}
	copts := controllerOptions(s.workers)
	copts.Reconciler = r
	copts.Logger = logr.FromSlogHandler(s.log.Handler())
	ctl, err := controller.NewUnmanaged("kind-"+k.label(), copts)
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(k.gvk())
	if err := ctl.Watch(source.Kind(c, obj, &handler.TypedEnqueueRequestForObject[*unstructured.Unstructured]{}, completionPredicate(k))); err != nil {
		return nil, err
	}
	kctx, cancel := context.WithCancel(ctx)
	w := &kindWatch{stop: cancel}
	run := func(what string, f func(context.Context) error) {
		w.done.Go(func() {
			if err := f(kctx); err != nil && !errors.Is(err, context.Canceled) && kctx.Err() == nil {
				s.log.ErrorContext(ctx, "a kind's watch stopped", "kind", k.label(), "part", what, "err", err)
			}
		})
	}
	run("cache", c.Start)
	run("controller", ctl.Start)
	return w, nil
}

func (s *kindSupervisor) stopAll() {
	for label, w := range s.running {
		w.stop()
		w.done.Wait()
		s.metrics.watched.WithLabelValues(label).Set(0)
	}
	s.running = nil
}
