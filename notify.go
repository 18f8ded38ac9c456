package kite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Subscription says where Kite tells of the issues that match it: an
// outbound webhook, sent each change of a kind it names as a CloudEvent,
// or an Alertmanager, which holds one alert per matching open issue while
// it stays open (docs/notifications.md). Muted and snoozed issues notify
// nobody.
type Subscription struct {
	ID   string     `json:"id"`
	Name string     `json:"name"`
	Kind NotifyKind `json:"kind"`
	URL  string     `json:"url"`
	// Namespaces whose issues it follows; empty means every namespace.
	Namespaces []string `json:"namespaces"`
	// Query filters the issues (the query language; empty matches all).
	Query string `json:"query"`
	// Events are the changes a webhook is sent (an Alertmanager follows
	// state, not events).
	Events []EventKind `json:"events,omitempty"`
	// HasSecret says webhook bodies are signed; the secret is never read
	// back.
	HasSecret bool      `json:"hasSecret"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
}

// NotifyKind is where a subscription sends.
type NotifyKind string

const (
	NotifyWebhook      NotifyKind = "webhook"
	NotifyAlertmanager NotifyKind = "alertmanager"
)

// NotifyKinds lists the kinds of subscription.
var NotifyKinds = []NotifyKind{NotifyWebhook, NotifyAlertmanager}

// NotifyEvents are the changes a webhook may be sent; DefaultNotifyEvents
// those it is sent when it names none.
var (
	NotifyEvents = []EventKind{EventOpened, EventReopened, EventResolved, EventSeen, EventEdited,
		EventAcknowledged, EventUnacknowledged, EventAssigned, EventUnassigned, EventCommented}
	DefaultNotifyEvents = []EventKind{EventOpened, EventReopened, EventResolved}
)

// SubscriptionRequest creates a subscription.
type SubscriptionRequest struct {
	Name       string      `json:"name"`
	Kind       NotifyKind  `json:"kind"`
	URL        string      `json:"url"`
	Namespaces []string    `json:"namespaces"`
	Query      string      `json:"query"`
	Events     []EventKind `json:"events,omitempty"`
	// Secret signs webhook bodies (HMAC-SHA256); optional.
	Secret string `json:"secret,omitempty"`
}

// Subscription limits: a subscription is checked at every issue write.
const (
	MaxSubscriptions           = 200
	MaxSubscriptionNamespaces  = 50
	maxSubscriptionName        = 253
	minSecretLen, maxSecretLen = 16, 256
)

// Normalize validates the request, naming the field, and fills defaults.
func (r *SubscriptionRequest) Normalize(now time.Time) error {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return Invalid("name", "Validation failed", "name is required")
	}
	if err := CheckName("name", r.Name); err != nil {
		return err
	}
	if len(r.Name) > maxSubscriptionName {
		return Invalid("name", "Validation failed", fmt.Sprintf("name is longer than %d bytes", maxSubscriptionName))
	}
	r.Kind = NotifyKind(strings.ToLower(strings.TrimSpace(string(r.Kind))))
	if r.Kind == "" {
		r.Kind = NotifyWebhook
	}
	if !slices.Contains(NotifyKinds, r.Kind) {
		return invalidEnum("kind", string(r.Kind), NotifyKinds)
	}
	if strings.TrimSpace(r.URL) == "" {
		return Invalid("url", "Validation failed", "url is required")
	}
	if err := CheckURL("url", r.URL); err != nil {
		return err
	}
	r.URL = strings.TrimSpace(r.URL)
	if len(r.Namespaces) > MaxSubscriptionNamespaces {
		return Invalid("namespaces", "Validation failed", fmt.Sprintf("a subscription names at most %d namespaces (none: every namespace)", MaxSubscriptionNamespaces))
	}
	for _, ns := range r.Namespaces {
		if ns == "" {
			return Invalid("namespaces", "Validation failed", "a namespace must not be empty")
		}
		if err := CheckName("namespaces", ns); err != nil {
			return err
		}
	}
	slices.Sort(r.Namespaces)
	r.Namespaces = slices.Compact(r.Namespaces)
	q, err := ParseQuery(r.Query, now)
	if err != nil {
		return err
	}
	if err := q.BindCaller(""); err != nil {
		return err // assignee:me means nobody here
	}
	switch r.Kind {
	case NotifyAlertmanager:
		if len(r.Events) > 0 {
			return Invalid("events", "Validation failed", "an alertmanager subscription follows open issues, not events: leave events out")
		}
		if r.Secret != "" {
			return Invalid("secret", "Validation failed", "only webhooks are signed")
		}
	default:
		if len(r.Events) == 0 {
			r.Events = slices.Clone(DefaultNotifyEvents)
		}
		for _, e := range r.Events {
			if !slices.Contains(NotifyEvents, e) {
				return invalidEnum("events", string(e), NotifyEvents)
			}
		}
		slices.Sort(r.Events)
		r.Events = slices.Compact(r.Events)
		if r.Secret != "" && (len(r.Secret) < minSecretLen || len(r.Secret) > maxSecretLen) {
			return Invalid("secret", "Validation failed", fmt.Sprintf("a secret is %d to %d bytes", minSecretLen, maxSecretLen))
		}
	}
	return nil
}

// Follows reports whether the subscription follows the issues of ns.
func (s *Subscription) Follows(ns string) bool {
	return len(s.Namespaces) == 0 || slices.Contains(s.Namespaces, ns)
}

// Notifies reports whether the issue of target, after a change of kind
// ev, is one the subscription tells of (q is its parsed query): in its
// namespaces, matching, neither muted nor snoozed, and for a webhook a
// kind of change it names. One target serves every subscription, as for
// silences.
func (s *Subscription) Notifies(q *Query, target *Target, ev EventKind) bool {
	is := target.is
	if !s.Follows(is.Namespace) || len(is.Muted) > 0 || is.Snooze != nil {
		return false
	}
	if s.Kind == NotifyWebhook && !slices.Contains(s.Events, ev) {
		return false
	}
	return q.MatchesTarget(target)
}

// Delivery is one notification sent (or being sent) to a subscription.
type Delivery struct {
	// ID is the notification's identity, the same on every attempt
	// (the CloudEvent's id), so that a receiver drops repeats.
	ID             string         `json:"id"`
	SubscriptionID string         `json:"subscriptionId"`
	IssueID        string         `json:"issueId"`
	Event          EventKind      `json:"event"`
	Status         DeliveryStatus `json:"status"`
	Attempts       int            `json:"attempts"`
	// Code is the receiver's HTTP status, 0 when none was had.
	Code  int       `json:"code,omitempty"`
	Error string    `json:"error,omitempty"`
	Time  time.Time `json:"time"`
}

// DeliveryStatus is how a delivery ended.
type DeliveryStatus string

const (
	DeliveryDelivered DeliveryStatus = "delivered"
	// DeliveryRetrying: an attempt failed; it will be tried again.
	DeliveryRetrying DeliveryStatus = "retrying"
	// DeliveryDropped: it failed for too long, or the queue was full.
	DeliveryDropped DeliveryStatus = "dropped"
)

// IssueNotification says an issue was notified to a subscription: the last
// delivery of it there.
type IssueNotification struct {
	SubscriptionID   string         `json:"subscriptionId"`
	SubscriptionName string         `json:"subscriptionName"`
	Kind             NotifyKind     `json:"kind"`
	Event            EventKind      `json:"event"`
	Status           DeliveryStatus `json:"status"`
	Time             time.Time      `json:"time"`
}

// Notifier keeps subscriptions and tells of their deliveries.
type Notifier interface {
	Subscriptions(ctx context.Context) ([]Subscription, error)
	GetSubscription(ctx context.Context, id string) (*Subscription, error)
	CreateSubscription(ctx context.Context, r SubscriptionRequest, actor string) (*Subscription, error)
	DeleteSubscription(ctx context.Context, id string) error
	// TestSubscription sends a test notification now and says how it went.
	TestSubscription(ctx context.Context, id string) (*Delivery, error)
	// Deliveries are the subscription's latest deliveries, newest first.
	Deliveries(ctx context.Context, id string, limit int) ([]Delivery, error)
	// IssueNotifications says where an issue was notified.
	IssueNotifications(ctx context.Context, issueID string) ([]IssueNotification, error)
}

// ResourceSubscriptions is the virtual resource of subscriptions: create,
// delete, list and get in each namespace a subscription follows, or
// cluster-wide for one that follows every namespace.
const ResourceSubscriptions = "subscriptions"
