package watch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/konflux-ci/kite"
)

// PipelineRunReconciler opens an issue when a PipelineRun fails and
// resolves it when its pipeline succeeds again.
//
// +kubebuilder:rbac:groups=tekton.dev,resources=pipelineruns,verbs=get;list;watch
// +kubebuilder:rbac:groups=tekton.dev,resources=taskruns,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=kite,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=kite,resources=events,verbs=create;patch
type PipelineRunReconciler struct {
	// Client reads PipelineRuns from the manager's cache.
	Client client.Client
	// TaskRuns reads the TaskRuns of failed runs straight from the API
	// server: only failures need them, so caching every TaskRun of the
	// cluster would cost far more memory than the few reads.
	TaskRuns client.Reader
	Tracker  kite.Tracker
	Mapper   Mapper
	// Events, when set, records on each run what Kite did with it, for
	// kubectl describe and the console.
	Events events.EventRecorder
	// Namespaces, when set, selects the namespaces (by their labels)
	// whose runs count; others are ignored.
	Namespaces labels.Selector
	Log        *slog.Logger
	Metrics    *Metrics
	// Now is the clock for the completion-to-write lag; tests replace it.
	Now func() time.Time
}

// Reconcile acts on a completed run only: a failure reports, a success
// resolves. Writing the same completed run again changes nothing (the
// store applies each run once), so resyncs and restarts are harmless; a
// write error is returned so the run is retried with backoff.
func (r *PipelineRunReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	res, err := r.reconcile(ctx, req.NamespacedName)
	r.Metrics.reconciled(KindPipelineRun, res, err)
	return settle(ctx, r.Log, KindPipelineRun, req, err)
}

// permanent reports errors that retrying cannot fix: the write was
// refused as invalid or not allowed. Storage and network errors are
// retried with backoff.
func permanent(err error) bool {
	switch kite.ErrorCode(err) {
	case kite.EINVALID, kite.EFORBIDDEN, kite.ETOOLARGE:
		return true
	}
	return false
}

// Reconcile results, for kite_watch_reconciles_total.
const (
	resultGone     = "gone"
	resultIgnored  = "ignored"
	resultRunning  = "running"
	resultReported = "reported"
	resultResolved = "resolved"
	resultError    = "error"
)

func (r *PipelineRunReconciler) reconcile(ctx context.Context, key types.NamespacedName) (string, error) {
	var pr tektonv1.PipelineRun
	if err := r.Client.Get(ctx, key, &pr); err != nil {
		if apierrors.IsNotFound(err) {
			return resultGone, nil
		}
		return resultError, fmt.Errorf("get PipelineRun: %w", err)
	}
	o, done := completion(&pr)
	if !done {
		return resultRunning, nil
	}
	switch ok, err := selected(ctx, r.Client, r.Namespaces, pr.Namespace); {
	case err != nil:
		return resultError, err
	case !ok:
		return resultIgnored, nil
	}
	v, what := verdict{completed: o.completed}, ""
	if o.succeeded {
		res := r.Mapper.Resolution(&pr, o)
		v.resolution, what = &res, "pipeline "+res.ResourceName
	} else {
		failed, err := r.failedTasks(ctx, &pr)
		if err != nil {
			return resultError, err
		}
		rep := r.Mapper.Report(&pr, o, failed)
		v.report = &rep
	}
	w := writer{tracker: r.Tracker, metrics: r.Metrics, now: r.Now}
	return w.apply(ctx, KindPipelineRun, what, v, func(typ, reason, action, note string, args ...any) {
		if r.Events != nil {
			r.Events.Eventf(&pr, nil, typ, reason, action, note, args...)
		}
	})
}

// failedTasks reads the run's child TaskRuns and keeps the failed ones, in
// the order the run lists them. A TaskRun already deleted is skipped: the
// run's own condition still says why it failed.
func (r *PipelineRunReconciler) failedTasks(ctx context.Context, pr *tektonv1.PipelineRun) ([]TaskFailure, error) {
	var out []TaskFailure
	for _, ref := range pr.Status.ChildReferences {
		if ref.Kind != "TaskRun" {
			continue
		}
		var tr tektonv1.TaskRun
		err := r.TaskRuns.Get(ctx, types.NamespacedName{Namespace: pr.Namespace, Name: ref.Name}, &tr)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("get TaskRun %s: %w", ref.Name, err)
		}
		if f, ok := taskFailure(ref.PipelineTaskName, &tr); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// SetupWithManager registers the reconciler. Only runs that have just
// completed, or are seen for the first time (start-up, resync), are
// queued: the many status updates of a running pipeline are not.
func (r *PipelineRunReconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("pipelinerun").
		For(&tektonv1.PipelineRun{}, builder.WithPredicates(completedPredicate())).
		WithOptions(controllerOptions(workers)).
		Complete(r)
}

func completedPredicate() predicate.Funcs {
	done := func(o client.Object) bool {
		pr, ok := o.(*tektonv1.PipelineRun)
		if !ok {
			return false
		}
		_, d := completion(pr)
		return d
	}
	return predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return done(e.Object) },
		UpdateFunc:  func(e event.UpdateEvent) bool { return done(e.ObjectNew) && !done(e.ObjectOld) },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(e event.GenericEvent) bool { return done(e.Object) },
	}
}
