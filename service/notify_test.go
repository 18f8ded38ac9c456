package service_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/notify"
	"github.com/konflux-ci/kite/notify/notifytest"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// receiver is a webhook receiver that records what it is sent, answering
// with the codes it is given in turn (then 200).
type receiver struct {
	mu     sync.Mutex
	codes  []int
	events []receivedEvent
	srv    *httptest.Server
	secret string
	t      *testing.T
}

type receivedEvent struct {
	ID, Type, Subject string
	Event             kite.EventKind
	State             kite.State
	SignatureOK       bool
	Code              int
}

func newReceiver(t *testing.T, secret string, codes ...int) *receiver {
	r := &receiver{codes: codes, secret: secret, t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ce struct {
			ID, Type, Subject, SpecVersion string
			Data                           struct {
				Event kite.EventKind
				Issue kite.Issue
			}
		}
		if err := json.Unmarshal(body, &ce); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		code := http.StatusOK
		if len(r.codes) > 0 {
			code, r.codes = r.codes[0], r.codes[1:]
		}
		r.events = append(r.events, receivedEvent{ID: ce.ID, Type: ce.Type, Subject: ce.Subject, Event: ce.Data.Event, State: ce.Data.Issue.State,
			SignatureOK: notify.Verify(r.secret, req.Header.Get(notify.SignatureHeader), body, time.Now(), time.Minute) == nil, Code: code})
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// delivered returns the events answered 200, once each by id.
func (r *receiver) delivered() []receivedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []receivedEvent
	seen := map[string]bool{}
	for _, e := range r.events {
		if e.Code == http.StatusOK && !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func notifying(t *testing.T) *service.Service {
	return servicetest.OpenWith(t, service.Options{Dir: t.TempDir(), Notify: service.NotifyOptions{On: true, AllowLoopback: true,
		IssueURL: "https://console.example/ns/{namespace}/issues/{id}", Resend: 500 * time.Millisecond}})
}

func report(ns, pipeline, severity string) kite.Report {
	return kite.Report{Namespace: ns, Title: "Pipeline run failed: " + pipeline, Description: "OOMKilled", Severity: kite.Severity(severity),
		IssueType: kite.IssueTypePipeline, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: pipeline}}
}

// TestWebhookNotifications: a webhook subscription is sent a signed
// CloudEvent for each change it names, in order, retried after the
// receiver fails; its delivery log and the issue's notification record say
// so; a test notification reaches it.
func TestWebhookNotifications(t *testing.T) {
	s := notifying(t)
	rcv := newReceiver(t, "0123456789abcdef", http.StatusServiceUnavailable)
	sub, err := s.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "chat", URL: rcv.srv.URL, Namespaces: []string{"team-a"},
		Query: "severity:>=major", Secret: "0123456789abcdef"}, "alice")
	require.NoError(t, err)

	res, err := s.Report(ctx, report("team-a", "build", "major"))
	require.NoError(t, err)
	_, err = s.Report(ctx, report("team-a", "lint", "minor")) // not matched
	require.NoError(t, err)
	_, err = s.ResolveIssue(ctx, res.Issue.ID, "alice")
	require.NoError(t, err)

	waitFor(t, "opened and resolved delivered", func() bool { return len(rcv.delivered()) == 2 })
	got := rcv.delivered()
	assert.Equal(t, kite.EventOpened, got[0].Event, "in order, after a retry")
	assert.Equal(t, notify.EventTypePrefix+"opened", got[0].Type)
	assert.Equal(t, res.Issue.ID, got[0].Subject)
	assert.Equal(t, kite.StateActive, got[0].State)
	assert.Equal(t, kite.EventResolved, got[1].Event)
	for _, e := range got {
		assert.True(t, e.SignatureOK, "signed with the secret")
	}
	rcv.mu.Lock()
	assert.Equal(t, http.StatusServiceUnavailable, rcv.events[0].Code)
	assert.Equal(t, rcv.events[0].ID, rcv.events[1].ID, "a retry keeps the notification's id")
	rcv.mu.Unlock()

	var log []kite.Delivery
	waitFor(t, "the delivery log", func() bool {
		log, err = s.Deliveries(ctx, sub.ID, 10)
		return err == nil && len(log) == 3
	})
	assert.Equal(t, []kite.DeliveryStatus{kite.DeliveryDelivered, kite.DeliveryDelivered, kite.DeliveryRetrying},
		[]kite.DeliveryStatus{log[0].Status, log[1].Status, log[2].Status})
	assert.Equal(t, 503, log[2].Code)
	notified, err := s.IssueNotifications(ctx, res.Issue.ID)
	require.NoError(t, err)
	require.Len(t, notified, 1)
	assert.Equal(t, kite.EventResolved, notified[0].Event)

	d, err := s.TestSubscription(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.DeliveryDelivered, d.Status)
	waitFor(t, "the test notification", func() bool { return len(rcv.delivered()) == 3 })
	assert.Equal(t, notify.EventTypePrefix+"test", rcv.delivered()[2].Type)
}

// TestWebhookRefusalsAreDropped: a receiver that answers 4xx will not
// change its mind: the notification is dropped, logged, and the next one
// goes; a subscription to a link-local address is refused at the dial.
func TestWebhookRefusalsAreDropped(t *testing.T) {
	s := notifying(t)
	rcv := newReceiver(t, "", http.StatusBadRequest)
	sub, err := s.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "bot", URL: rcv.srv.URL,
		Events: []kite.EventKind{kite.EventOpened, kite.EventSeen}}, "alice")
	require.NoError(t, err)
	_, err = s.Report(ctx, report("team-a", "build", "major"))
	require.NoError(t, err)
	_, err = s.Report(ctx, report("team-a", "build", "major"))
	require.NoError(t, err)
	waitFor(t, "the second notification", func() bool { return len(rcv.delivered()) == 1 })
	assert.Equal(t, kite.EventSeen, rcv.delivered()[0].Event)
	waitFor(t, "the log", func() bool {
		log, err := s.Deliveries(ctx, sub.ID, 10)
		return err == nil && len(log) == 2 && log[1].Status == kite.DeliveryDropped
	})

	meta, err := s.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "meta", URL: "http://169.254.169.254/latest"}, "mallory")
	require.NoError(t, err)
	d, err := s.TestSubscription(ctx, meta.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.DeliveryDropped, d.Status)
	assert.Contains(t, d.Error, "may not reach")
}

// TestAlertmanagerHoldsOpenIssues: against a real Alertmanager, an
// Alertmanager subscription holds one alert per matching open issue, with
// the issue's labels and links; a severity change replaces the alert; a
// resolved, muted or no longer matching issue's alert ends; the issue's
// notification record says where it was notified.
func TestAlertmanagerHoldsOpenIssues(t *testing.T) {
	am := notifytest.Start(t)
	s := notifying(t)
	sub, err := s.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "oncall", Kind: kite.NotifyAlertmanager, URL: am.URL,
		Namespaces: []string{"team-a"}, Query: "severity:>=major"}, "alice")
	require.NoError(t, err)

	build, err := s.Report(ctx, report("team-a", "build", "major"))
	require.NoError(t, err)
	deploy, err := s.Report(ctx, report("team-a", "deploy", "critical"))
	require.NoError(t, err)
	_, err = s.Report(ctx, report("team-a", "lint", "minor"))
	require.NoError(t, err)
	_, err = s.Report(ctx, report("team-b", "build", "critical"))
	require.NoError(t, err)

	waitFor(t, "two alerts firing", func() bool { return len(am.Firing(t)) == 2 })
	firing := am.Firing(t)
	labels := firing[build.Issue.ID]
	assert.Equal(t, map[string]string{"alertname": "KiteIssue", "issue_id": build.Issue.ID, "namespace": "team-a", "severity": "major",
		"type": "pipeline", "scope": "pipelinerun/build", "subscription": "oncall"}, labels)
	for _, a := range am.Alerts(t) {
		if a.Labels["issue_id"] == build.Issue.ID {
			assert.Equal(t, "Pipeline run failed: build", a.Annotations["summary"])
			assert.Equal(t, "https://console.example/ns/team-a/issues/"+build.Issue.ID, a.Annotations["issue_url"])
		}
	}

	critical := kite.SeverityCritical
	_, err = s.UpdateIssue(ctx, build.Issue.ID, kite.IssueUpdate{Severity: &critical})
	require.NoError(t, err)
	waitFor(t, "the alert's severity follows", func() bool { return am.Firing(t)[build.Issue.ID]["severity"] == "critical" })

	_, err = s.ResolveIssue(ctx, deploy.Issue.ID, "alice")
	require.NoError(t, err)
	waitFor(t, "the resolved issue's alert ends", func() bool {
		_, still := am.Firing(t)[deploy.Issue.ID]
		return !still
	})
	_, err = s.CreateSilence(ctx, kite.SilenceRequest{Namespaces: []string{"team-a"}, Query: "build", EndsAt: time.Now().Add(time.Hour), Comment: "upgrade"}, "alice")
	require.NoError(t, err)
	waitFor(t, "the muted issue's alert ends", func() bool { return len(am.Firing(t)) == 0 })

	notified, err := s.IssueNotifications(ctx, deploy.Issue.ID)
	require.NoError(t, err)
	require.Len(t, notified, 1)
	assert.Equal(t, kite.NotifyAlertmanager, notified[0].Kind)
	assert.Equal(t, kite.EventResolved, notified[0].Event)

	d, err := s.TestSubscription(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.DeliveryDelivered, d.Status)
	waitFor(t, "the test alert", func() bool {
		for _, a := range am.Alerts(t) {
			if a.Labels["alertname"] == "KiteTest" {
				return true
			}
		}
		return false
	})
}
