package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

func webhookSub(ns ...string) kite.SubscriptionRequest {
	return kite.SubscriptionRequest{Name: "chat", URL: "https://hooks.example/kite", Namespaces: ns, Query: "severity:>=major", Secret: "0123456789abcdef"}
}

// TestOutboxFollowsIssueWrites: an issue write queues a notification for
// each webhook subscription told of it, in the same transaction, with the
// issue as the write left it; muted or non-matching issues and kinds the
// subscription does not name queue nothing; settling removes or keeps an
// entry and logs it; the outbox survives a reopen of the store.
func TestOutboxFollowsIssueWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	sub, err := s.CreateSubscription(ctx, webhookSub("team-a"), "alice")
	require.NoError(t, err)
	assert.True(t, sub.HasSecret)
	assert.Equal(t, kite.DefaultNotifyEvents, sub.Events)
	secret, err := s.SubscriptionSecret(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef", secret)

	a, err := s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "build")) // a repeat: "seen", not named
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-b", "build")) // another namespace
	require.NoError(t, err)
	minor := failure("team-a", "lint")
	minor.Severity = "minor" // does not match
	_, err = s.Report(ctx, minor)
	require.NoError(t, err)
	_, err = s.ResolveIssue(ctx, a.Issue.ID, "alice")
	require.NoError(t, err)

	out, err := s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, kite.EventOpened, out[0].Event)
	assert.Equal(t, kite.StateActive, out[0].Issue.State, "the issue as the change left it")
	assert.Equal(t, kite.EventResolved, out[1].Event)
	assert.Equal(t, kite.StateResolved, out[1].Issue.State)
	assert.Less(t, out[0].Rev, out[1].Rev)
	assert.Equal(t, sub.ID+"/"+fmt.Sprint(out[0].Rev), out[0].DeliveryID())
	require.NoError(t, s.Close())

	s, err = store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	out, err = s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, out, 2, "queued notifications survive a restart")

	next := time.Now().Add(time.Minute).UTC()
	require.NoError(t, s.SettleDelivery(ctx, &out[0], kite.Delivery{ID: out[0].DeliveryID(), SubscriptionID: sub.ID, IssueID: a.Issue.ID,
		Event: kite.EventOpened, Status: kite.DeliveryRetrying, Attempts: 1, Code: 503, Time: time.Now()}, next))
	again, err := s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, again, 2)
	assert.Equal(t, 1, again[0].Attempts)
	assert.True(t, again[0].NextAt.Equal(next))
	require.NoError(t, s.SettleDelivery(ctx, &again[0], kite.Delivery{ID: again[0].DeliveryID(), SubscriptionID: sub.ID, IssueID: a.Issue.ID,
		Event: kite.EventOpened, Status: kite.DeliveryDelivered, Attempts: 2, Code: 200, Time: time.Now()}, time.Time{}))
	// Settled twice (a worker stopped between its post and its record):
	// the second changes nothing.
	require.NoError(t, s.SettleDelivery(ctx, &again[0], kite.Delivery{ID: again[0].DeliveryID(), SubscriptionID: sub.ID, IssueID: a.Issue.ID,
		Event: kite.EventOpened, Status: kite.DeliveryDelivered, Attempts: 2, Code: 200, Time: time.Now()}, time.Time{}))
	left, err := s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, kite.EventResolved, left[0].Event)

	log, err := s.Deliveries(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, log, 2)
	assert.Equal(t, kite.DeliveryDelivered, log[0].Status, "newest first")
	assert.Equal(t, kite.DeliveryRetrying, log[1].Status)
	notified, err := s.IssueNotifications(ctx, a.Issue.ID)
	require.NoError(t, err)
	require.Len(t, notified, 1)
	assert.Equal(t, "chat", notified[0].SubscriptionName)
	assert.Equal(t, kite.EventOpened, notified[0].Event)

	require.NoError(t, s.Check(), "outbox counts and records agree")
	require.NoError(t, s.DeleteSubscription(ctx, sub.ID))
	_, err = s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	_, err = s.Deliveries(ctx, sub.ID, 10)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	require.NoError(t, s.Check())
}

// TestMutedIssuesNotifyNobody: an issue a silence mutes, or a snoozed one,
// queues nothing.
func TestMutedIssuesNotifyNobody(t *testing.T) {
	s := storetest.Open(t)
	sub, err := s.CreateSubscription(ctx, webhookSub(), "alice")
	require.NoError(t, err)
	_, err = s.CreateSilence(ctx, kite.SilenceRequest{Namespaces: []string{"team-a"}, Query: "build", EndsAt: time.Now().Add(time.Hour), Comment: "upgrade"}, "alice")
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "build"))
	require.NoError(t, err)
	out, err := s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	assert.Empty(t, out)
	_, err = s.Report(ctx, failure("team-b", "build"))
	require.NoError(t, err)
	out, err = s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, out, 1, "a subscription of every namespace is told of team-b")

	// Snoozed, its resolution is told to nobody.
	until := time.Now().Add(time.Hour)
	_, err = s.Snooze(ctx, out[0].Issue.ID, kite.SnoozeRequest{Until: &until}, "alice")
	require.NoError(t, err)
	_, err = s.ResolveIssue(ctx, out[0].Issue.ID, "alice")
	require.NoError(t, err)
	after, err := s.Outbox(ctx, sub.ID, 10)
	require.NoError(t, err)
	assert.Len(t, after, 1, "nothing queued for a snoozed issue")
}

// TestSubscriptionRequestsAreChecked: a bad subscription is refused naming
// the field.
func TestSubscriptionRequestsAreChecked(t *testing.T) {
	s := storetest.Open(t)
	for field, r := range map[string]kite.SubscriptionRequest{
		"name":   {URL: "https://x.example"},
		"url":    {Name: "a", URL: "ftp://x.example"},
		"kind":   {Name: "a", URL: "https://x.example", Kind: "pager"},
		"q":      {Name: "a", URL: "https://x.example", Query: "severity:>>"},
		"events": {Name: "a", URL: "https://x.example", Events: []kite.EventKind{"exploded"}},
		"secret": {Name: "a", URL: "https://x.example", Secret: "short"},
	} {
		_, err := s.CreateSubscription(ctx, r, "alice")
		var ke *kite.Error
		require.ErrorAs(t, err, &ke, field)
		assert.Equal(t, kite.EINVALID, ke.Code, field)
		if field != "q" {
			assert.Equal(t, field, ke.Field)
		}
	}
	_, err := s.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "am", Kind: kite.NotifyAlertmanager, URL: "http://am.example:9093",
		Events: []kite.EventKind{kite.EventOpened}}, "alice")
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err), "an alertmanager subscription names no events")
}
