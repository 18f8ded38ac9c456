package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// TestSubscriptionRoutes: create, read, list, test, deliveries and delete
// over HTTP; a bad request names its field; secrets are never read back.
func TestSubscriptionRoutes(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodPost, "/api/v1/subscriptions", map[string]any{"name": "chat", "url": "https://hooks.example/kite",
		"namespaces": []string{"team-a"}, "query": "severity:>=major", "secret": "0123456789abcdef"})
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	sub := res.JSON(t)
	id := sub["id"].(string)
	assert.Equal(t, "webhook", sub["kind"])
	assert.Equal(t, true, sub["hasSecret"])
	assert.NotContains(t, string(res.Raw), "0123456789abcdef")
	assert.Equal(t, []any{"opened", "reopened", "resolved"}, sub["events"])

	requireError(t, ts.do(t, http.MethodPost, "/api/v1/subscriptions", map[string]any{"name": "x", "url": "file:///etc/passwd"}),
		http.StatusBadRequest, "Validation failed", "url must be an http or https URL")
	requireError(t, ts.do(t, http.MethodPost, "/api/v1/subscriptions", map[string]any{"name": "x", "url": "https://a.example", "events": []string{"exploded"}}),
		http.StatusBadRequest, `invalid events "exploded"`, "events must be one of")

	res = ts.do(t, http.MethodGet, "/api/v1/subscriptions/"+id, nil)
	require.Equal(t, http.StatusOK, res.Code)
	assert.NotContains(t, string(res.Raw), "secret\"")
	res = ts.do(t, http.MethodGet, "/api/v1/subscriptions", nil)
	require.Equal(t, http.StatusOK, res.Code)
	assert.Len(t, res.JSON(t)["data"], 1)

	// The receiver does not exist: the test says so instead of failing.
	res = ts.do(t, http.MethodPost, "/api/v1/subscriptions/"+id+"/test", nil)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, "dropped", res.JSON(t)["status"])
	res = ts.do(t, http.MethodGet, "/api/v1/subscriptions/"+id+"/deliveries?limit=5", nil)
	require.Equal(t, http.StatusOK, res.Code)
	assert.Len(t, res.JSON(t)["data"], 1)
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/subscriptions/"+id+"/deliveries?limit=x", nil), http.StatusBadRequest, "Invalid limit")

	is := ts.createIssue(t, "team-a", "build")
	res = ts.do(t, http.MethodGet, "/api/v1/issues/"+is.ID+"/notifications", nil)
	require.Equal(t, http.StatusOK, res.Code)
	assert.Equal(t, []any{}, res.JSON(t)["data"])

	assert.Equal(t, http.StatusNoContent, ts.do(t, http.MethodDelete, "/api/v1/subscriptions/"+id, nil).Code)
	assert.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/api/v1/subscriptions/"+id, nil).Code)
	assert.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/api/v1/subscriptions/nope", nil).Code)
}

// TestSubscriptionsAreAuthorized: subscriptions are a resource of their
// own, per namespace they follow; one of every namespace needs the right
// cluster-wide; another namespace's subscription is not found.
func TestSubscriptionsAreAuthorized(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{"admin-a": {Name: "ann"}, "sre": {Name: "sre"}, "viewer": {Name: "vic"}}
		o.Authorizer = rules{
			"ann * subscriptions team-a -", "ann get issues team-a -",
			"sre * subscriptions - -", "sre * subscriptions * -",
			"vic get issues team-a -", "vic list issues team-a -",
		}
	})
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }
	body := func(ns ...string) map[string]any {
		return map[string]any{"name": "n", "url": "https://hooks.example/kite", "namespaces": ns}
	}
	res := ts.do(t, http.MethodPost, "/api/v1/subscriptions", body("team-a"), bearer("admin-a")...)
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	mine := res.JSON(t)["id"].(string)
	assert.Equal(t, "ann", res.JSON(t)["createdBy"])
	requireError(t, ts.do(t, http.MethodPost, "/api/v1/subscriptions", body(), bearer("admin-a")...), http.StatusForbidden, "Access denied", "cluster-wide")
	requireError(t, ts.do(t, http.MethodPost, "/api/v1/subscriptions", body("team-a", "team-b"), bearer("admin-a")...), http.StatusForbidden, "Access denied", "in team-b")
	requireError(t, ts.do(t, http.MethodPost, "/api/v1/subscriptions", body("team-a"), bearer("viewer")...), http.StatusForbidden, "Access denied")

	res = ts.do(t, http.MethodPost, "/api/v1/subscriptions", body(), bearer("sre")...)
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	everywhere := res.JSON(t)["id"].(string)

	res = ts.do(t, http.MethodGet, "/api/v1/subscriptions", nil, bearer("admin-a")...)
	require.Equal(t, http.StatusOK, res.Code)
	require.Len(t, res.JSON(t)["data"], 1, "ann sees only team-a's")
	res = ts.do(t, http.MethodGet, "/api/v1/subscriptions", nil, bearer("sre")...)
	assert.Len(t, res.JSON(t)["data"], 2)
	assert.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/api/v1/subscriptions/"+everywhere, nil, bearer("admin-a")...).Code)
	assert.Equal(t, http.StatusNotFound, ts.do(t, http.MethodDelete, "/api/v1/subscriptions/"+everywhere, nil, bearer("admin-a")...).Code)
	assert.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/api/v1/subscriptions/"+mine, nil, bearer("viewer")...).Code)

	res2, err := ts.store.Report(context.Background(), kite.Report{Namespace: "team-b", Title: "t", Description: "d", Severity: "major",
		IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/api/v1/issues/"+res2.Issue.ID+"/notifications", nil, bearer("viewer")...).Code)
	assert.Equal(t, http.StatusNoContent, ts.do(t, http.MethodDelete, "/api/v1/subscriptions/"+mine, nil, bearer("admin-a")...).Code)
}

// TestClientSubscriptions: the HTTP client speaks the same routes.
func TestClientSubscriptions(t *testing.T) {
	c, _, _ := newClientServer(t, "")
	ctx := context.Background()
	sub, err := c.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "am", Kind: kite.NotifyAlertmanager, URL: "http://am.example:9093"}, "alice")
	require.NoError(t, err)
	list, err := c.Subscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	got, err := c.GetSubscription(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.NotifyAlertmanager, got.Kind)
	d, err := c.TestSubscription(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, kite.DeliveryDropped, d.Status, "nothing listens there")
	log, err := c.Deliveries(ctx, sub.ID, 10)
	require.NoError(t, err)
	assert.Len(t, log, 1)
	require.NoError(t, c.DeleteSubscription(ctx, sub.ID))
	_, err = c.GetSubscription(ctx, sub.ID)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
}
