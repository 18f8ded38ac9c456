package watch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/konflux-ci/kite"
)

// What every reconciler does around its kind's own reading: the
// namespace selector, the write of a verdict through the tracker with its
// metrics and events, and what a failed reconcile becomes.

// eventFunc records an event on the object being reconciled.
type eventFunc func(typ, reason, action, note string, args ...any)

// selected reports whether the namespace ns has labels sel matches (nil
// matches every namespace).
func selected(ctx context.Context, c client.Reader, sel labels.Selector, ns string) (bool, error) {
	if sel == nil || ns == "" {
		return true, nil
	}
	var n corev1.Namespace
	if err := c.Get(ctx, types.NamespacedName{Name: ns}, &n); err != nil {
		return false, fmt.Errorf("get Namespace %s: %w", ns, err)
	}
	return sel.Matches(labels.Set(n.Labels)), nil
}

// writer writes verdicts of one kind through the tracker.
type writer struct {
	tracker kite.Tracker
	metrics *Metrics
	now     func() time.Time
}

// apply writes v, of an object of kind (named what in events), and
// returns the reconcile's result.
func (w writer) apply(ctx context.Context, kind, what string, v verdict, event eventFunc) (string, error) {
	switch {
	case v.resolution != nil:
		n, err := w.tracker.ResolveScope(ctx, *v.resolution)
		if err != nil {
			return resultError, fmt.Errorf("resolve: %w", err)
		}
		w.metrics.written(kind, w.now().Sub(v.completed))
		if n > 0 {
			event(corev1.EventTypeNormal, "IssuesResolved", "Resolve", "Kite resolved %d issue(s) of %s", n, what)
		}
		return resultResolved, nil
	case v.report != nil:
		res, err := w.tracker.Report(ctx, *v.report)
		if err != nil {
			return resultError, fmt.Errorf("report: %w", err)
		}
		w.metrics.reported(kind, string(res.Outcome))
		w.metrics.written(kind, w.now().Sub(v.completed))
		recordReport(res, event)
		return resultReported, nil
	}
	return resultIgnored, nil
}

// recordReport records on the object what a report did to its issue,
// for kubectl describe and the console.
func recordReport(res *kite.ReportResult, event eventFunc) {
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

// settle is what a reconcile of kind that ended in err (nil, or not)
// becomes: an error Kite refused is not retried, others are with
// backoff. attrs name the object in the logs.
func settle(ctx context.Context, log *slog.Logger, kind string, req ctrl.Request, err error, attrs ...any) (ctrl.Result, error) {
	if err == nil {
		return ctrl.Result{}, nil
	}
	attrs = append([]any{"kind", kind, "namespace", req.Namespace, "name", req.Name, "err", err}, attrs...)
	if permanent(err) {
		// Sending the same object again would be refused again.
		log.ErrorContext(ctx, "object refused by Kite; not retried", attrs...)
		return ctrl.Result{}, reconcile.TerminalError(err)
	}
	log.WarnContext(ctx, "reconciling object; will retry", attrs...)
	return ctrl.Result{}, err
}
