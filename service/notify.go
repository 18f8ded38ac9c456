package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/notify"
	"github.com/konflux-ci/kite/store"
)

// Notifications (docs/notifications.md): one worker per subscription. A
// webhook's worker drains its outbox in order, each notification until it
// is delivered, refused for good, or too old; an Alertmanager's worker
// keeps the Alertmanager holding one alert per matching open issue,
// posting every alert each Resend (so that an Alertmanager whose Kite is
// gone resolves them by themselves) and what changed soon after a change.

// NotifyOptions configure notifications (Options.Notify).
type NotifyOptions struct {
	// On starts the workers; without it subscriptions are kept and
	// queued for, but nothing is sent.
	On bool
	// Source is the CloudEvents source of webhooks (default "kite").
	Source string
	// IssueURL makes the link to an issue in notifications: {id} and
	// {namespace} are replaced. Empty: no link.
	IssueURL string
	// Resend is how often an Alertmanager is sent every alert again
	// (default DefaultResend); an alert ends by itself four Resends after
	// it was last sent.
	Resend time.Duration
	// AllowLoopback lets subscriptions reach loopback addresses.
	AllowLoopback bool
	// MaxAge is how long a webhook notification is retried before it is
	// dropped (default DefaultNotifyMaxAge).
	MaxAge time.Duration
}

// Notification defaults.
const (
	DefaultResend       = time.Minute
	DefaultNotifyMaxAge = 24 * time.Hour
	// maxAlerts bounds the alerts one Alertmanager subscription holds.
	maxAlerts = 10_000
	// alertBatch is how many alerts one post carries.
	alertBatch = 500
	// settleAlerts is how long after a change an Alertmanager is told.
	settleAlerts = time.Second
)

type notifyMetrics struct {
	deliveries *prometheus.CounterVec
	duration   prometheus.Histogram
	firing     prometheus.Gauge
}

func newNotifyMetrics() *notifyMetrics {
	m := &notifyMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_notify_deliveries_total",
			Help: "Notification attempts by kind of subscription (webhook, alertmanager) and outcome (delivered, retrying, dropped).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kite_notify_delivery_duration_seconds",
			Help:    "Time one notification post took, answered or not.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		firing: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_notify_alerts_firing",
			Help: "Alerts Kite holds firing in Alertmanagers, over every subscription.",
		}),
	}
	// Every series exists from the start, so that alerts on rates see a
	// zero before the first failure.
	for _, k := range kite.NotifyKinds {
		for _, o := range []kite.DeliveryStatus{kite.DeliveryDelivered, kite.DeliveryRetrying, kite.DeliveryDropped} {
			m.deliveries.WithLabelValues(string(k), string(o))
		}
	}
	return m
}

func (m *notifyMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.deliveries, m.duration, m.firing}
}

// notifier runs the workers.
type notifier struct {
	s       *Service
	o       NotifyOptions
	client  *notify.Client
	log     *slog.Logger
	metrics *notifyMetrics

	mu      sync.Mutex
	workers map[string]*subWorker
	firing  map[string]int // alerts firing per Alertmanager subscription
}

type subWorker struct {
	sub    kite.Subscription
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

func newNotifier(s *Service, o NotifyOptions, log *slog.Logger, m *notifyMetrics) *notifier {
	if o.Source == "" {
		o.Source = "kite"
	}
	if o.Resend <= 0 {
		o.Resend = DefaultResend
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultNotifyMaxAge
	}
	return &notifier{s: s, o: o, client: notify.NewClient(o.AllowLoopback), log: log.With("component", "notifier"),
		metrics: m, workers: map[string]*subWorker{}, firing: map[string]int{}}
}

// run keeps a worker per subscription until ctx ends, waking them when the
// store says a commit concerns them.
func (n *notifier) run(ctx context.Context) {
	defer n.s.wg.Done()
	defer n.stopAll()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	seen, known := uint64(0), false
	for {
		// The subscriptions are read again only when they changed: edges
		// come with commits, which mostly change issues.
		if seq, err := n.s.Store.SubscriptionsSeq(); err != nil || !known || seq != seen {
			n.reconcile(ctx)
			seen, known = seq, err == nil
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			continue // a safety net: edges are signalled without waiting, so one may be missed
		case <-n.s.Store.NotifyEdges():
		}
		n.mu.Lock()
		for _, w := range n.workers {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
		n.mu.Unlock()
	}
}

// reconcile starts workers for new subscriptions and stops those of
// deleted ones.
func (n *notifier) reconcile(ctx context.Context) {
	subs, err := n.s.Store.Subscriptions(ctx)
	if err != nil {
		if ctx.Err() == nil {
			n.log.Error("read subscriptions", "err", err)
		}
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	seen := map[string]bool{}
	for _, sub := range subs {
		seen[sub.ID] = true
		if _, ok := n.workers[sub.ID]; ok {
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		w := &subWorker{sub: sub, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
		n.workers[sub.ID] = w
		go func() {
			defer close(w.done)
			if sub.Kind == kite.NotifyAlertmanager {
				n.runAlertmanager(wctx, w)
			} else {
				n.runWebhook(wctx, w)
			}
		}()
	}
	for id, w := range n.workers {
		if !seen[id] {
			w.cancel()
			<-w.done
			delete(n.workers, id)
			n.setFiring(id, 0)
		}
	}
}

func (n *notifier) stopAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for id, w := range n.workers {
		w.cancel()
		<-w.done
		delete(n.workers, id)
	}
}

func (n *notifier) setFiring(id string, count int) {
	if count == 0 {
		delete(n.firing, id)
	} else {
		n.firing[id] = count
	}
	total := 0
	for _, c := range n.firing {
		total += c
	}
	n.metrics.firing.Set(float64(total))
}

// issueURL is the link to is in notifications, "" when none is set.
func (n *notifier) issueURL(is *kite.Issue) string {
	if n.o.IssueURL == "" {
		return ""
	}
	return strings.NewReplacer("{id}", is.ID, "{namespace}", is.Namespace).Replace(n.o.IssueURL)
}

// sleep waits d, or until woken or ctx ends; it reports whether ctx is
// still live.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-t.C:
	}
	return true
}

// backoff is the wait before attempt n+1: doubling from a second, at most
// five minutes, with jitter so that receivers coming back are not hit by
// every sender at once.
func backoff(attempts int) time.Duration {
	d := time.Second << min(attempts, 9)
	d = min(d, 5*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// permanent says a receiver's answer will not change if asked again: a
// 4xx other than timeout and rate limit, or an address Kite may not reach.
func permanent(code int, err error) bool {
	if errors.Is(err, notify.ErrAddressRefused) {
		return true
	}
	return code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
}

// runWebhook delivers a webhook subscription's outbox in order.
func (n *notifier) runWebhook(ctx context.Context, w *subWorker) {
	secret, err := n.s.Store.SubscriptionSecret(ctx, w.sub.ID)
	if err != nil {
		n.log.Error("read a subscription's secret", "subscription", w.sub.ID, "err", err)
		return
	}
	for ctx.Err() == nil {
		entries, err := n.s.Store.Outbox(ctx, w.sub.ID, 64)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Error("read the outbox", "subscription", w.sub.ID, "err", err)
			}
			sleep(ctx, 5*time.Second, nil)
			continue
		}
		if len(entries) == 0 {
			sleep(ctx, time.Minute, w.wake)
			continue
		}
		for i := range entries {
			e := &entries[i]
			if wait := time.Until(e.NextAt); wait > 0 {
				sleep(ctx, wait, nil) // in order: nothing passes a notification waiting to be retried
				break
			}
			if !n.deliverWebhook(ctx, w.sub, secret, e) {
				break
			}
		}
	}
}

// deliverWebhook makes one attempt at e and settles it; it reports
// whether the next entry may go (e was delivered or dropped).
func (n *notifier) deliverWebhook(ctx context.Context, sub kite.Subscription, secret string, e *store.OutboxEntry) bool {
	start := time.Now()
	code, err := n.client.SendWebhook(ctx, n.o.Source, secret, notify.Notification{
		ID: e.DeliveryID(), Event: e.Event, Time: e.Time, Issue: e.Issue, IssueURL: n.issueURL(e.Issue), Subscription: sub,
	})
	if ctx.Err() != nil {
		return false // stopping: the entry stays, and is sent again after a restart
	}
	n.metrics.duration.Observe(time.Since(start).Seconds())
	d := kite.Delivery{ID: e.DeliveryID(), SubscriptionID: sub.ID, IssueID: e.Issue.ID, Event: e.Event,
		Attempts: e.Attempts + 1, Code: code, Time: time.Now().UTC(), Status: kite.DeliveryDelivered}
	var next time.Time
	switch {
	case err == nil:
	case permanent(code, err) || time.Since(e.Time) > n.o.MaxAge:
		d.Status, d.Error = kite.DeliveryDropped, err.Error()
		n.log.Warn("notification dropped", "subscription", sub.Name, "id", d.ID, "attempts", d.Attempts, "err", err)
	default:
		d.Status, d.Error = kite.DeliveryRetrying, err.Error()
		next = time.Now().Add(backoff(e.Attempts))
	}
	n.metrics.deliveries.WithLabelValues(string(sub.Kind), string(d.Status)).Inc()
	if err := n.s.Store.SettleDelivery(ctx, e, d, next); err != nil {
		if ctx.Err() == nil {
			n.log.Error("record a delivery", "subscription", sub.Name, "id", d.ID, "err", err)
		}
		return false
	}
	return d.Status != kite.DeliveryRetrying
}

// runAlertmanager keeps an Alertmanager subscription's alerts current: a
// full post every Resend, what changed soon after a change.
func (n *notifier) runAlertmanager(ctx context.Context, w *subWorker) {
	firing, err := n.s.Store.Firing(ctx, w.sub.ID)
	if err != nil {
		n.log.Error("read the alerts a subscription holds", "subscription", w.sub.Name, "err", err)
		return
	}
	n.mu.Lock()
	n.setFiring(w.sub.ID, len(firing))
	n.mu.Unlock()
	full := time.Time{} // when the last full post was made
	failures := 0
	for ctx.Err() == nil {
		all := time.Since(full) >= n.o.Resend
		next, err := n.syncAlerts(ctx, w.sub, firing, all)
		switch {
		case err != nil && ctx.Err() == nil:
			failures++
			n.log.Warn("Alertmanager post failed; tried again", "subscription", w.sub.Name, "url", w.sub.URL, "err", err)
			sleep(ctx, min(backoff(failures), n.o.Resend), nil)
			continue
		case err != nil:
			return
		}
		failures = 0
		firing = next
		n.mu.Lock()
		n.setFiring(w.sub.ID, len(firing))
		n.mu.Unlock()
		if all {
			full = time.Now()
		}
		if !sleep(ctx, time.Until(full.Add(n.o.Resend)), w.wake) {
			return
		}
		// Woken by a change: let a burst settle, then post what changed.
		if time.Until(full.Add(n.o.Resend)) > settleAlerts && !sleep(ctx, settleAlerts, nil) {
			return
		}
	}
}

// syncAlerts posts the subscription's alerts: every matching open issue's
// when all, else only those new or changed since firing, and the end of
// those that no longer match. It returns what is firing after the post.
func (n *notifier) syncAlerts(ctx context.Context, sub kite.Subscription, firing map[string]map[string]string, all bool) (map[string]map[string]string, error) {
	open, err := n.openMatches(ctx, sub)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	endsAt := now.Add(4 * n.o.Resend)
	var alerts []notify.Alert
	next := map[string]map[string]string{}
	// What changed, for the subscription's log and the issues' records:
	// alerts that began firing and those that ended.
	var changes []kite.Delivery
	change := func(id string, ev kite.EventKind) {
		changes = append(changes, kite.Delivery{ID: fmt.Sprintf("%s/%s/%d", sub.ID, id, now.UnixNano()), SubscriptionID: sub.ID,
			IssueID: id, Event: ev, Status: kite.DeliveryDelivered, Attempts: 1, Time: now.UTC()})
	}
	var ended []string
	for id, is := range open {
		labels := notify.AlertLabels(is, sub)
		next[id] = labels
		prev, was := firing[id]
		if was && !maps.Equal(prev, labels) {
			alerts = append(alerts, notify.ResolvedAlert(prev, now)) // its identity changed (severity)
		}
		if all || !was || !maps.Equal(prev, labels) {
			alerts = append(alerts, notify.FiringAlert(is, sub, n.issueURL(is), endsAt))
		}
		if !was {
			change(id, kite.EventOpened)
		}
	}
	for id, labels := range firing {
		if _, still := open[id]; !still {
			alerts = append(alerts, notify.ResolvedAlert(labels, now))
			ended = append(ended, id)
			change(id, kite.EventResolved)
		}
	}
	for start := 0; start < len(alerts); start += alertBatch {
		batch := alerts[start:min(start+alertBatch, len(alerts))]
		t := time.Now()
		code, err := n.client.PostAlerts(ctx, sub.URL, batch)
		n.metrics.duration.Observe(time.Since(t).Seconds())
		if err != nil {
			n.metrics.deliveries.WithLabelValues(string(sub.Kind), string(kite.DeliveryRetrying)).Inc()
			_ = n.s.Store.RecordDelivery(ctx, kite.Delivery{ID: fmt.Sprintf("%s/%d", sub.ID, now.UnixNano()), SubscriptionID: sub.ID,
				Status: kite.DeliveryRetrying, Attempts: 1, Code: code, Error: err.Error(), Time: now.UTC()})
			return nil, err
		}
		n.metrics.deliveries.WithLabelValues(string(sub.Kind), string(kite.DeliveryDelivered)).Add(float64(len(batch)))
	}
	sameLabels := maps.EqualFunc(firing, next, func(a, b map[string]string) bool { return maps.Equal(a, b) })
	if len(changes) == 0 && sameLabels {
		return next, nil
	}
	// One write for what Alertmanager now holds and the changes' records.
	if err := n.s.Store.SetFiring(ctx, sub.ID, next, ended, changes); err != nil {
		return nil, err
	}
	return next, nil
}

// openMatches finds the open issues the subscription holds alerts for, at
// most maxAlerts of them.
func (n *notifier) openMatches(ctx context.Context, sub kite.Subscription) (map[string]*kite.Issue, error) {
	namespaces := sub.Namespaces
	if len(namespaces) == 0 {
		counts, err := n.s.Store.Namespaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			if c.Active > 0 {
				namespaces = append(namespaces, c.Namespace)
			}
		}
	}
	out := map[string]*kite.Issue{}
	if len(namespaces) == 0 {
		return out, nil
	}
	q, err := kite.ParseQuery(sub.Query, time.Now())
	if err != nil {
		return nil, err
	}
	req := kite.SearchRequest{Query: "is:active " + sub.Query, Namespaces: namespaces, Limit: kite.MaxLimit}
	for {
		res, err := n.s.Search(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if h.Issue.State == kite.StateActive && sub.Notifies(q, kite.NewTarget(h.Issue), "") && len(out) < maxAlerts {
				out[h.Issue.ID] = h.Issue
			}
		}
		if res.NextCursor == "" || len(out) >= maxAlerts {
			return out, nil
		}
		req.Cursor = res.NextCursor
	}
}

// TestSubscription sends a test notification to the subscription now: a
// CloudEvent of type dev.konflux-ci.kite.issue.test about a made-up issue,
// or a KiteTest alert that ends by itself in five minutes. The attempt
// goes into its delivery log.
func (s *Service) TestSubscription(ctx context.Context, id string) (*kite.Delivery, error) {
	sub, err := s.Store.GetSubscription(ctx, id)
	if err != nil {
		return nil, err
	}
	secret, err := s.Store.SubscriptionSecret(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	is := &kite.Issue{ID: "00000000-0000-0000-0000-000000000000", Title: "Kite test notification", Description: "A test sent by kite notify test.",
		Severity: kite.SeverityInfo, IssueType: kite.IssueTypePipeline, State: kite.StateActive, Namespace: "kite-test",
		Scope: kite.Scope{ResourceType: "test", ResourceName: sub.Name}, DetectedAt: now, FirstSeen: now, LastSeen: now, Occurrences: 1}
	client := s.notify.client
	d := &kite.Delivery{ID: fmt.Sprintf("%s/test-%d", sub.ID, now.UnixNano()), SubscriptionID: sub.ID, Event: "test", Attempts: 1, Time: now, Status: kite.DeliveryDelivered}
	if sub.Kind == kite.NotifyAlertmanager {
		a := notify.FiringAlert(is, *sub, "", now.Add(5*time.Minute))
		a.Labels["alertname"] = "KiteTest"
		d.Code, err = client.PostAlerts(ctx, sub.URL, []notify.Alert{a})
	} else {
		d.Code, err = client.SendWebhook(ctx, s.notify.o.Source, secret, notify.Notification{ID: d.ID, Event: "test", Time: now, Issue: is, Subscription: *sub})
	}
	if err != nil {
		d.Status, d.Error = kite.DeliveryDropped, err.Error()
	}
	if err := s.Store.RecordDelivery(ctx, *d); err != nil {
		return nil, err
	}
	return d, nil
}

var _ kite.Notifier = (*Service)(nil)
