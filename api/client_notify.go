package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/konflux-ci/kite"
)

var _ kite.Notifier = (*Client)(nil)

func subscriptionPath(id string) string { return "/api/v1/subscriptions/" + url.PathEscape(id) }

// Subscriptions lists the subscriptions the caller may list.
func (c *Client) Subscriptions(ctx context.Context) ([]kite.Subscription, error) {
	var out dataBody[kite.Subscription]
	if err := c.do(ctx, http.MethodGet, "/api/v1/subscriptions", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// GetSubscription reads a subscription.
func (c *Client) GetSubscription(ctx context.Context, id string) (*kite.Subscription, error) {
	var out kite.Subscription
	if err := c.do(ctx, http.MethodGet, subscriptionPath(id), nil, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateSubscription subscribes a webhook or an Alertmanager.
func (c *Client) CreateSubscription(ctx context.Context, r kite.SubscriptionRequest, actor string) (*kite.Subscription, error) {
	var out kite.Subscription
	if err := c.do(ctx, http.MethodPost, "/api/v1/subscriptions", nil, actor, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSubscription deletes a subscription.
func (c *Client) DeleteSubscription(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, subscriptionPath(id), nil, "", nil, nil)
}

// TestSubscription has the server send a test notification.
func (c *Client) TestSubscription(ctx context.Context, id string) (*kite.Delivery, error) {
	var out kite.Delivery
	if err := c.do(ctx, http.MethodPost, subscriptionPath(id)+"/test", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Deliveries lists a subscription's latest deliveries, newest first.
func (c *Client) Deliveries(ctx context.Context, id string, limit int) ([]kite.Delivery, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out dataBody[kite.Delivery]
	if err := c.do(ctx, http.MethodGet, subscriptionPath(id)+"/deliveries", q, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// IssueNotifications says where an issue was notified.
func (c *Client) IssueNotifications(ctx context.Context, issueID string) ([]kite.IssueNotification, error) {
	var out dataBody[kite.IssueNotification]
	if err := c.do(ctx, http.MethodGet, "/api/v1/issues/"+url.PathEscape(issueID)+"/notifications", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}
