package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// EventTypePrefix starts every CloudEvent type Kite sends; the issue's
// timeline kind follows (dev.konflux-ci.kite.issue.opened).
const EventTypePrefix = "dev.konflux-ci.kite.issue."

// SignatureHeader carries a signed body's signature: t=UNIX,v1=HEX, the
// hex being HMAC-SHA256 with the subscription's secret of "UNIX.BODY".
// The time in the signed text lets a receiver refuse replays.
const SignatureHeader = "X-Kite-Signature"

// Notification is what a webhook is told.
type Notification struct {
	// ID is the same on every attempt, for receivers to drop repeats.
	ID    string
	Event kite.EventKind
	Time  time.Time
	Issue *kite.Issue
	// IssueURL links to the issue where people read it; may be empty.
	IssueURL     string
	Subscription kite.Subscription
}

// cloudEvent is the CloudEvents 1.0 structured JSON envelope.
type cloudEvent struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            eventData `json:"data"`
}

// eventData is a CloudEvent's data: the change, the issue as it left it,
// and where to read more.
type eventData = struct {
	Event        kite.EventKind `json:"event"`
	Issue        *kite.Issue    `json:"issue"`
	IssueURL     string         `json:"issueUrl,omitempty"`
	LogsURL      string         `json:"logsUrl,omitempty"`
	Subscription struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"subscription"`
}

// CloudEvent encodes n as a CloudEvents 1.0 JSON document from source.
func CloudEvent(source string, n Notification) ([]byte, error) {
	is := *n.Issue
	is.RelatedFrom, is.RelatedTo = nil, nil
	ev := cloudEvent{
		SpecVersion: "1.0", ID: n.ID, Source: source, Type: EventTypePrefix + string(n.Event),
		Subject: is.ID, Time: n.Time.UTC(), DataContentType: "application/json",
	}
	ev.Data.Event, ev.Data.Issue, ev.Data.IssueURL, ev.Data.LogsURL = n.Event, &is, n.IssueURL, is.LogLink()
	ev.Data.Subscription.ID, ev.Data.Subscription.Name = n.Subscription.ID, n.Subscription.Name
	return json.Marshal(ev)
}

// Sign returns the signature header's value for body at t.
func Sign(secret string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is returned by Verify for a body that was not signed
// with the secret, or too long ago.
var ErrBadSignature = errors.New("bad signature")

// Verify checks a signature header's value against body, refusing one
// older (or newer) than tolerance: what a receiver written in Go calls.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return fmt.Errorf("%w: want t=UNIX,v1=HEX", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s ago", ErrBadSignature, d.Round(time.Second))
	}
	if !hmac.Equal([]byte(Sign(secret, body, time.Unix(sec, 0))), []byte("t="+ts+",v1="+sig)) {
		return ErrBadSignature
	}
	return nil
}

// SendWebhook posts n to its subscription's URL as a CloudEvent, signed
// when secret is set, and returns the receiver's HTTP status.
func (c *Client) SendWebhook(ctx context.Context, source, secret string, n Notification) (int, error) {
	body, err := CloudEvent(source, n)
	if err != nil {
		return 0, err
	}
	h := http.Header{}
	h.Set("Ce-Id", n.ID) // also in the body; lets a proxy dedupe without parsing
	if secret != "" {
		h.Set(SignatureHeader, Sign(secret, body, time.Now()))
	}
	return c.post(ctx, n.Subscription.URL, "application/cloudevents+json; charset=utf-8", body, h)
}
