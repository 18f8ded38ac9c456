package watch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
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
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

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
	if err == nil {
		return ctrl.Result{}, nil
	}
	gvk := r.kind.gvk()
	if permanent(err) {
		r.log.ErrorContext(ctx, "object refused by Kite; not retried", "kind", r.kind.label(), "gvk", gvk.String(), "namespace", req.Namespace, "name", req.Name, "err", err)
		return ctrl.Result{}, reconcile.TerminalError(err)
	}
	r.log.WarnContext(ctx, "reconciling object; will retry", "kind", r.kind.label(), "namespace", req.Namespace, "name", req.Name, "err", err)
	return ctrl.Result{}, err
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
	if sel != nil && obj.GetNamespace() != "" {
		var ns corev1.Namespace
		if err := r.client.Get(ctx, types.NamespacedName{Name: obj.GetNamespace()}, &ns); err != nil {
			return resultError, fmt.Errorf("get Namespace %s: %w", obj.GetNamespace(), err)
		}
		if !sel.Matches(labels.Set(ns.Labels)) {
			return resultIgnored, nil
		}
	}
	v, err := r.kind.evaluate(ctx, obj, r.api)
	if err != nil {
		return resultError, err
	}
	kind := r.kind.label()
	switch {
	case v.resolution != nil:
		n, err := r.tracker.ResolveScope(ctx, *v.resolution)
		if err != nil {
			return resultError, fmt.Errorf("resolve: %w", err)
		}
		r.metrics.written(kind, r.now().Sub(v.completed))
		if n > 0 {
			r.event(obj, corev1.EventTypeNormal, "IssuesResolved", "Resolve", "Kite resolved %d issue(s) of %s %s", n, v.resolution.ResourceType, v.resolution.ResourceName)
		}
		return resultResolved, nil
	case v.report != nil:
		res, err := r.tracker.Report(ctx, *v.report)
		if err != nil {
			return resultError, fmt.Errorf("report: %w", err)
		}
		r.metrics.reported(kind, string(res.Outcome))
		r.metrics.written(kind, r.now().Sub(v.completed))
		recordReport(res, func(typ, reason, action, note string, args ...any) {
			r.event(obj, typ, reason, action, note, args...)
		})
		return resultReported, nil
	}
	return resultIgnored, nil
}

func (r *objectReconciler) event(obj *unstructured.Unstructured, typ, reason, action, note string, args ...any) {
	if r.events != nil {
		r.events.Eventf(obj, nil, typ, reason, action, note, args...)
	}
}

// recordReport records on the object what a report did to its issue,
// for kubectl describe and the console.
func recordReport(res *kite.ReportResult, event func(typ, reason, action, note string, args ...any)) {
	is := res.Issue
	if is == nil {
		return
	}
	switch res.Outcome {
	case kite.OutcomeCreated:
		event(corev1.EventTypeWarning, "IssueOpened", "Report", "Kite issue %s: %s", is.ID, is.Title)
	case kite.OutcomeReopened:
		event(corev1.EventTypeWarning, "IssueReopened", "Report", "Kite issue %s reopened: %s", is.ID, is.Title)
	case kite.OutcomeUpdated:
		event(corev1.EventTypeWarning, "IssueRecurred", "Report", "Kite issue %s, occurrence %d: %s", is.ID, is.Occurrences, is.Title)
	}
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
