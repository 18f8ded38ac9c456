package notify

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// AlertName is the alertname label of every alert Kite posts.
const AlertName = "KiteIssue"

// Labels an alert takes from its issue's labels when it has them (the
// watcher sets them from the PipelineRun's).
const (
	labelApplication = "appstudio.openshift.io/application"
	labelComponent   = "appstudio.openshift.io/component"
)

// maxAnnotation bounds an annotation's text; Alertmanager keeps every alert
// in memory.
const maxAnnotation = 2048

// Alert is one alert of Alertmanager's v2 API.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// AlertLabels are the labels of is's alert: its identity in Alertmanager,
// and what its routes and silences match on.
func AlertLabels(is *kite.Issue, sub kite.Subscription) map[string]string {
	l := map[string]string{
		"alertname":    AlertName,
		"issue_id":     is.ID,
		"namespace":    is.Namespace,
		"severity":     string(is.Severity),
		"type":         string(is.IssueType),
		"scope":        is.Scope.ResourceType + "/" + is.Scope.ResourceName,
		"subscription": sub.Name,
	}
	if v := is.Labels[labelApplication]; v != "" {
		l["application"] = v
	}
	if v := is.Labels[labelComponent]; v != "" {
		l["component"] = v
	}
	return l
}

// FiringAlert is is's alert while it is open: it ends by itself at endsAt
// unless posted again, so an Alertmanager whose Kite is gone resolves it.
func FiringAlert(is *kite.Issue, sub kite.Subscription, issueURL string, endsAt time.Time) Alert {
	a := Alert{
		Labels: AlertLabels(is, sub),
		Annotations: map[string]string{
			"summary":     kite.CutBytes(is.Title, maxAnnotation),
			"description": kite.CutBytes(is.Description, maxAnnotation),
		},
		StartsAt:     is.DetectedAt.UTC(),
		EndsAt:       endsAt.UTC(),
		GeneratorURL: issueURL,
	}
	if issueURL != "" {
		a.Annotations["issue_url"] = issueURL
	}
	if l := is.LogLink(); l != "" {
		a.Annotations["logs_url"] = l
	}
	return a
}

// ResolvedAlert ends the alert with labels at t.
func ResolvedAlert(labels map[string]string, t time.Time) Alert {
	return Alert{Labels: labels, StartsAt: t.UTC(), EndsAt: t.UTC()}
}

// PostAlerts sends alerts to the Alertmanager at base (its URL, with or
// without /api/v2/alerts).
func (c *Client) PostAlerts(ctx context.Context, base string, alerts []Alert) (int, error) {
	body, err := json.Marshal(alerts)
	if err != nil {
		return 0, err
	}
	url := strings.TrimSuffix(base, "/")
	if !strings.HasSuffix(url, "/api/v2/alerts") {
		url += "/api/v2/alerts"
	}
	return c.post(ctx, url, "application/json", body, nil)
}
