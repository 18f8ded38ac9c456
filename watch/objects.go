package watch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/konflux-ci/kite"
)

// objectKind is a kind the watcher reads as unstructured objects, only
// while the cluster defines it (a CustomResourceDefinition): Releases, and
// the kinds of rules. It says when an object has completed and what a
// completed object means.
type objectKind interface {
	// label names the kind in metrics, logs and events: "release", "rule:NAME".
	label() string
	gvk() schema.GroupVersionKind
	// namespaces limits the kind's watch; empty: the watcher's.
	namespaces() []string
	// selector keeps only objects of namespaces whose labels match; nil:
	// the watcher's.
	selector() labels.Selector
	// completion is cheap (it filters watch events): "" while the object
	// is still going (or is not the kind's to judge), else what it came to
	// ("failed", "recovered"): a change of it is queued.
	completion(obj *unstructured.Unstructured) string
	// evaluate reads a done object, and what it names through api (not
	// cached: only failures need it), into what Kite should do.
	evaluate(ctx context.Context, obj *unstructured.Unstructured, api client.Reader) (verdict, error)
}

// verdict is what one completed object means: a report, a resolution, or
// neither (the object does not count).
type verdict struct {
	report     *kite.Report
	resolution *kite.Resolution
	completed  time.Time
}

// objectReconciler is PipelineRunReconciler for one objectKind.
type objectReconciler struct {
	kind    objectKind
	objects client.Reader // the kind's own cache
	// client reads namespaces (for the selector) from the manager's cache;
	// api reads what a failure names straight from the API server.
	client     client.Reader
	api        client.Reader
	tracker    kite.Tracker
	events     events.EventRecorder
	namespaces labels.Selector
	log        *slog.Logger
	metrics    *Metrics
	now        func() time.Time
}

func (r *objectReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	res, err := r.reconcile(ctx, req.NamespacedName)
	r.metrics.reconciled(r.kind.label(), res, err)
	return settle(ctx, r.log, r.kind.label(), req, err, "gvk", r.kind.gvk().String())
}

func (r *objectReconciler) reconcile(ctx context.Context, key types.NamespacedName) (string, error) {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(r.kind.gvk())
	if err := r.objects.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return resultGone, nil
		}
		return resultError, fmt.Errorf("get %s: %w", r.kind.gvk().Kind, err)
	}
	if r.kind.completion(obj) == "" {
		return resultRunning, nil
	}
	sel := r.kind.selector()
	if sel == nil {
		sel = r.namespaces
	}
	switch ok, err := selected(ctx, r.client, sel, obj.GetNamespace()); {
	case err != nil:
		return resultError, err
	case !ok:
		return resultIgnored, nil
	}
	v, err := r.kind.evaluate(ctx, obj, r.api)
	if err != nil {
		return resultError, err
	}
	what := ""
	if v.resolution != nil {
		what = v.resolution.ResourceType + " " + v.resolution.ResourceName
	}
	w := writer{tracker: r.tracker, metrics: r.metrics, now: r.now}
	return w.apply(ctx, r.kind.label(), what, v, func(typ, reason, action, note string, args ...any) {
		if r.events != nil {
			r.events.Eventf(obj, nil, typ, reason, action, note, args...)
		}
	})
}

// completionPredicate queues objects whose completion has just changed
// (a run that finished; a resource that failed, or recovered), or that
// are seen for the first time (start-up, resync), as completedPredicate
// does for runs.
func completionPredicate(k objectKind) predicate.TypedFuncs[*unstructured.Unstructured] {
	done := func(o *unstructured.Unstructured) bool { return k.completion(o) != "" }
	return predicate.TypedFuncs[*unstructured.Unstructured]{
		CreateFunc: func(e event.TypedCreateEvent[*unstructured.Unstructured]) bool { return done(e.Object) },
		UpdateFunc: func(e event.TypedUpdateEvent[*unstructured.Unstructured]) bool {
			c := k.completion(e.ObjectNew)
			return c != "" && c != k.completion(e.ObjectOld)
		},
		DeleteFunc:  func(event.TypedDeleteEvent[*unstructured.Unstructured]) bool { return false },
		GenericFunc: func(e event.TypedGenericEvent[*unstructured.Unstructured]) bool { return done(e.Object) },
	}
}
