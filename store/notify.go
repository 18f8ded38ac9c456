package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// Subscriptions and their outbox. A webhook subscription's notifications
// are written into the outbox by the same transaction as the issue change
// they tell of (saveIssue asks enqueueNotifications), so a change that is
// acknowledged is never lost to a crash, and the service's deliverer
// removes an entry only once it is delivered or given up: a restart
// resumes where delivery stopped, and sends again at most what was in
// flight. An Alertmanager subscription keeps the set of alerts it holds
// firing (firing), so that a restart resolves what ended meanwhile.

// Limits of what a subscription may keep in the store.
const (
	// MaxOutbox is how many notifications wait for one subscription; past
	// it new ones are dropped (and counted), so that a receiver that is
	// down cannot fill the volume.
	MaxOutbox = 10_000
	// keepDeliveries is how many deliveries a subscription's log keeps.
	keepDeliveries = 1000
	// maxSnapshotDescription bounds the description an outbox entry keeps
	// of its issue (what the notification carries).
	maxSnapshotDescription = 4096
)

// subscriptionRecord is a subscription as stored, with its secret.
type subscriptionRecord struct {
	kite.Subscription
	Secret string `json:"secret,omitempty"`
}

// OutboxEntry is a notification waiting for delivery.
type OutboxEntry struct {
	SubscriptionID string         `json:"-"`
	Rev            uint64         `json:"-"`
	Event          kite.EventKind `json:"event"`
	Time           time.Time      `json:"time"`
	// Issue is the issue as the change left it.
	Issue    *kite.Issue `json:"issue"`
	Attempts int         `json:"attempts,omitempty"`
	NextAt   time.Time   `json:"nextAt"`
}

// DeliveryID is the notification's identity: its subscription and the
// revision of the change it tells of.
func (e *OutboxEntry) DeliveryID() string {
	return e.SubscriptionID + "/" + strconv.FormatUint(e.Rev, 10)
}

// subscriptionCache keeps the parsed subscriptions as of the bucket's
// sequence, so an issue write costs a look at the cache, not decodes.
type subscriptionCache struct {
	mu     sync.Mutex
	subs   []activeSubscription
	seq    uint64
	loaded bool
}

type activeSubscription struct {
	key []byte
	s   kite.Subscription
	q   *kite.Query
}

func (c *subscriptionCache) all(b *bolt.Bucket, cacheable bool) ([]activeSubscription, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cacheable && c.loaded && c.seq == b.Sequence() {
		return c.subs, nil
	}
	var out []activeSubscription
	err := b.ForEach(func(k, v []byte) error {
		var rec subscriptionRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("subscription %s: %w", formatID(k), err)
		}
		q, err := kite.ParseQuery(rec.Query, rec.CreatedAt)
		if err != nil {
			return fmt.Errorf("subscription %s: %w", rec.ID, err)
		}
		out = append(out, activeSubscription{key: bytes.Clone(k), s: rec.Subscription, q: q})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cacheable {
		c.subs, c.seq, c.loaded = out, b.Sequence(), true
	}
	return out, nil
}

// enqueueNotifications writes, for the change ev from old to the issue is
// at rev, an outbox entry for every webhook subscription that is told of
// it, and marks the transaction as one Alertmanager subscriptions should
// look at.
func (t *txn) enqueueNotifications(old, is *kite.Issue, ev kite.Event, rev uint64) error {
	b := t.tx.Bucket(bucketSubs)
	if b.Sequence() == 0 && !t.subsWritten {
		return nil // never a subscription: the common case costs nothing
	}
	// Resolving ends a snooze, but the issue was out of view until then:
	// its resolution is told to nobody, as its other changes were not. (A
	// snooze that wakes on a new failure does tell: that is what it waited
	// for.)
	snoozeEnded := old != nil && old.Snooze != nil && ev.Kind == kite.EventResolved
	subs, err := t.subscriptions.all(b, !t.subsWritten)
	if err != nil {
		return err
	}
	target := kite.NewTarget(is)
	var v []byte
	for _, a := range subs {
		if a.s.Kind == kite.NotifyAlertmanager {
			if a.s.Follows(is.Namespace) {
				t.notify = true
			}
			continue
		}
		if snoozeEnded || !a.s.Notifies(a.q, target, ev.Kind) {
			continue
		}
		n := be64(t.tx.Bucket(bucketOutboxN).Get(a.key))
		if n >= MaxOutbox {
			t.dropped++
			continue
		}
		if v == nil {
			// The entry is the same for every subscription: encoded once.
			snap := *is
			snap.Description = kite.CutBytes(snap.Description, maxSnapshotDescription)
			if v, err = json.Marshal(OutboxEntry{Event: ev.Kind, Time: t.now, Issue: &snap, NextAt: t.now}); err != nil {
				return err
			}
		}
		if err := t.put(bucketOutbox, append(bytes.Clone(a.key), u64(rev)...), v); err != nil {
			return err
		}
		if err := t.put(bucketOutboxN, a.key, u64(n+1)); err != nil {
			return err
		}
		t.notify = true
	}
	return nil
}

func loadSubscription(tx *bolt.Tx, key []byte) (*subscriptionRecord, error) {
	v := tx.Bucket(bucketSubs).Get(key)
	if v == nil {
		return nil, kite.Errorf(kite.ENOTFOUND, "subscription %s not found", formatID(key))
	}
	var rec subscriptionRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("subscription %s: %w", formatID(key), err)
	}
	return &rec, nil
}

func subscriptionKey(id string) ([]byte, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, kite.Errorf(kite.ENOTFOUND, "subscription %s not found", id)
	}
	return u[:], nil
}

// Subscriptions returns every subscription, oldest first.
func (s *Store) Subscriptions(ctx context.Context) ([]kite.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []kite.Subscription
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSubs).ForEach(func(k, v []byte) error {
			var rec subscriptionRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("subscription %s: %w", formatID(k), err)
			}
			out = append(out, rec.Subscription)
			return nil
		})
	})
	return out, err
}

// GetSubscription returns one subscription.
func (s *Store) GetSubscription(ctx context.Context, id string) (*kite.Subscription, error) {
	rec, err := s.subscriptionRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	return &rec.Subscription, nil
}

// SubscriptionSecret returns the secret a subscription's bodies are signed
// with ("" for none).
func (s *Store) SubscriptionSecret(ctx context.Context, id string) (string, error) {
	rec, err := s.subscriptionRecord(ctx, id)
	if err != nil {
		return "", err
	}
	return rec.Secret, nil
}

func (s *Store) subscriptionRecord(ctx context.Context, id string) (*subscriptionRecord, error) {
	key, err := subscriptionKey(id)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec *subscriptionRecord
	err = s.view(func(tx *bolt.Tx) error {
		rec, err = loadSubscription(tx, key)
		return err
	})
	return rec, err
}

// CreateSubscription checks and keeps a subscription; it is told of changes
// from the next write on.
func (s *Store) CreateSubscription(ctx context.Context, r kite.SubscriptionRequest, actor string) (*kite.Subscription, error) {
	actor, id, err := newRecord(actor)
	if err != nil {
		return nil, err
	}
	var out *kite.Subscription
	err = s.update(ctx, func(t *txn) error {
		if err := r.Normalize(t.now); err != nil {
			return err
		}
		b := t.tx.Bucket(bucketSubs)
		if b.Stats().KeyN >= kite.MaxSubscriptions {
			return kite.Errorf(kite.ECONFLICT, "Kite keeps at most %d subscriptions: delete one first", kite.MaxSubscriptions)
		}
		rec := subscriptionRecord{Subscription: kite.Subscription{
			ID: formatID(id[:]), Name: r.Name, Kind: r.Kind, URL: r.URL, Namespaces: r.Namespaces, Query: r.Query,
			Events: r.Events, HasSecret: r.Secret != "", CreatedBy: actor, CreatedAt: t.now,
		}, Secret: r.Secret}
		if rec.Namespaces == nil {
			rec.Namespaces = []string{}
		}
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := t.put(bucketSubs, id[:], v); err != nil {
			return err
		}
		out = &rec.Subscription
		return t.touchSubscriptions()
	})
	return out, err
}

// updateSubscription runs fn in a write of the subscription id, which must
// exist.
func (s *Store) updateSubscription(ctx context.Context, id string, fn func(t *txn, key []byte, rec *subscriptionRecord) error) error {
	key, err := subscriptionKey(id)
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *txn) error {
		rec, err := loadSubscription(t.tx, key)
		if err != nil {
			return err
		}
		return fn(t, key, rec)
	})
}

// SubscriptionsSeq changes whenever a subscription is created or deleted:
// the notifier reads the subscriptions again only then.
func (s *Store) SubscriptionsSeq() (uint64, error) {
	var seq uint64
	err := s.view(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketSubs).Sequence()
		return nil
	})
	return seq, err
}

// touchSubscriptions bumps the subscriptions' sequence, which invalidates
// every cached copy.
func (t *txn) touchSubscriptions() error {
	t.subsWritten = true
	_, err := t.tx.Bucket(bucketSubs).NextSequence()
	return err
}

// DeleteSubscription removes a subscription with its outbox, delivery log
// and alerts; what it notified stays in the issues' notification records.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	return s.updateSubscription(ctx, id, func(t *txn, key []byte, _ *subscriptionRecord) error {
		if err := t.del(bucketSubs, key); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketOutbox, bucketDeliveries, bucketFiring} {
			if err := t.delPrefix(b, key); err != nil {
				return err
			}
		}
		if err := t.del(bucketOutboxN, key); err != nil {
			return err
		}
		return t.touchSubscriptions()
	})
}

// Outbox returns up to max of a subscription's waiting notifications,
// oldest change first.
func (s *Store) Outbox(ctx context.Context, id string, max int) ([]OutboxEntry, error) {
	key, err := subscriptionKey(id)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []OutboxEntry
	err = s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(key); k != nil && bytes.HasPrefix(k, key) && len(out) < max; k, v = c.Next() {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox %s: %w", formatID(key), err)
			}
			e.SubscriptionID, e.Rev = id, be64(k[len(key):])
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// SettleDelivery records an attempt at the outbox entry e: delivered or
// dropped removes it, retrying keeps it with its next attempt at next. The
// attempt goes into the subscription's delivery log, and a delivery into
// the issue's notification record.
func (s *Store) SettleDelivery(ctx context.Context, e *OutboxEntry, d kite.Delivery, next time.Time) error {
	// A subscription deleted meanwhile is not found: so is its outbox.
	return s.updateSubscription(ctx, e.SubscriptionID, func(t *txn, key []byte, rec *subscriptionRecord) error {
		okey := append(bytes.Clone(key), u64(e.Rev)...)
		if t.tx.Bucket(bucketOutbox).Get(okey) == nil {
			return nil // settled already
		}
		if d.Status == kite.DeliveryRetrying {
			e.Attempts, e.NextAt = d.Attempts, next
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := t.put(bucketOutbox, okey, v); err != nil {
				return err
			}
		} else {
			if err := t.del(bucketOutbox, okey); err != nil {
				return err
			}
			if n := be64(t.tx.Bucket(bucketOutboxN).Get(key)); n > 0 {
				if err := t.put(bucketOutboxN, key, u64(n-1)); err != nil {
					return err
				}
			}
		}
		return t.logDelivery(key, rec, d)
	})
}

// RecordDelivery logs a delivery made outside the outbox (an Alertmanager
// post, a test).
func (s *Store) RecordDelivery(ctx context.Context, d kite.Delivery) error {
	return s.updateSubscription(ctx, d.SubscriptionID, func(t *txn, key []byte, rec *subscriptionRecord) error {
		return t.logDelivery(key, rec, d)
	})
}

// logDelivery appends d to the subscription's log, keeping the newest
// keepDeliveries, and records on the issue where it was notified.
func (t *txn) logDelivery(key []byte, rec *subscriptionRecord, d kite.Delivery) error {
	b := t.tx.Bucket(bucketDeliveries)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := t.put(bucketDeliveries, append(bytes.Clone(key), u64(seq)...), v); err != nil {
		return err
	}
	if seq > keepDeliveries {
		// Entries are keyed by a sequence shared by every subscription,
		// so the cut is by count, from this subscription's oldest.
		c := b.Cursor()
		n := 0
		for k, _ := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, _ = c.Next() {
			n++
		}
		for k, _ := c.Seek(key); k != nil && bytes.HasPrefix(k, key) && n > keepDeliveries; k, _ = c.Seek(key) {
			if err := t.del(bucketDeliveries, k); err != nil {
				return err
			}
			n--
		}
	}
	if d.IssueID == "" || d.Status == kite.DeliveryRetrying {
		return nil
	}
	ik, err := parseID(d.IssueID)
	if err != nil || t.tx.Bucket(bucketIssues).Get(ik) == nil {
		return nil // a test, or an issue deleted since
	}
	nv, err := json.Marshal(kite.IssueNotification{SubscriptionID: rec.ID, SubscriptionName: rec.Name, Kind: rec.Kind,
		Event: d.Event, Status: d.Status, Time: d.Time})
	if err != nil {
		return err
	}
	return t.put(bucketNotified, append(bytes.Clone(ik), key...), nv)
}

// Deliveries returns a subscription's latest deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, id string, limit int) ([]kite.Delivery, error) {
	key, err := subscriptionKey(id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > keepDeliveries {
		limit = keepDeliveries
	}
	var out []kite.Delivery
	err = s.view(func(tx *bolt.Tx) error {
		if _, err := loadSubscription(tx, key); err != nil {
			return err
		}
		c := tx.Bucket(bucketDeliveries).Cursor()
		end := append(bytes.Clone(key), bytes.Repeat([]byte{0xff}, 8)...)
		k, v := c.Seek(end)
		if k == nil || !bytes.HasPrefix(k, key) {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, key) && len(out) < limit; k, v = c.Prev() {
			var d kite.Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("delivery of %s: %w", id, err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// IssueNotifications says where an issue was notified, a record per
// subscription, newest first.
func (s *Store) IssueNotifications(ctx context.Context, issueID string) ([]kite.IssueNotification, error) {
	key, err := parseID(issueID)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []kite.IssueNotification
	err = s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssues).Get(key) == nil {
			return errIssueNotFound
		}
		c := tx.Bucket(bucketNotified).Cursor()
		for k, v := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, v = c.Next() {
			var n kite.IssueNotification
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("notifications of %s: %w", issueID, err)
			}
			out = append(out, n)
		}
		return nil
	})
	sortNotifications(out)
	return out, err
}

func sortNotifications(ns []kite.IssueNotification) {
	for i := 1; i < len(ns); i++ {
		for j := i; j > 0 && ns[j].Time.After(ns[j-1].Time); j-- {
			ns[j], ns[j-1] = ns[j-1], ns[j]
		}
	}
}

// Firing returns the alerts an Alertmanager subscription holds firing:
// issue id -> the alert's labels.
func (s *Store) Firing(ctx context.Context, id string) (map[string]map[string]string, error) {
	key, err := subscriptionKey(id)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	err = s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketFiring).Cursor()
		for k, v := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, v = c.Next() {
			var labels map[string]string
			if err := json.Unmarshal(v, &labels); err != nil {
				return fmt.Errorf("alerts of %s: %w", id, err)
			}
			out[formatID(k[len(key):])] = labels
		}
		return nil
	})
	return out, err
}

// SetFiring records what an Alertmanager now holds after a post: the
// alerts fired (issue id -> labels) and those resolved, with the
// deliveries that tell of the changes, in one write.
func (s *Store) SetFiring(ctx context.Context, id string, fired map[string]map[string]string, resolved []string, changes []kite.Delivery) error {
	return s.updateSubscription(ctx, id, func(t *txn, key []byte, rec *subscriptionRecord) error {
		for _, d := range changes {
			if err := t.logDelivery(key, rec, d); err != nil {
				return err
			}
		}
		for iid, labels := range fired {
			ik, err := parseID(iid)
			if err != nil {
				return err
			}
			v, err := json.Marshal(labels)
			if err != nil {
				return err
			}
			if err := t.put(bucketFiring, append(bytes.Clone(key), ik...), v); err != nil {
				return err
			}
		}
		for _, iid := range resolved {
			ik, err := parseID(iid)
			if err != nil {
				return err
			}
			if err := t.del(bucketFiring, append(bytes.Clone(key), ik...)); err != nil {
				return err
			}
		}
		return nil
	})
}

// NotifyEdges is signalled after a commit that gives the service's
// notifier work (txn.notify); it is never closed.
func (s *Store) NotifyEdges() <-chan struct{} { return s.notifyEdges }
