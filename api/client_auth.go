package api

import (
	"context"
	"net/http"
	"net/url"
)

// WhoAmI asks the server who it takes this client for.
func (c *Client) WhoAmI(ctx context.Context) (*Identity, error) {
	var id Identity
	if err := c.do(ctx, http.MethodGet, "/api/v1/auth/whoami", nil, "", nil, &id); err != nil {
		return nil, err
	}
	return &id, nil
}

// CanI asks the server whether this client may do verb to issues in
// namespace (every namespace when empty).
func (c *Client) CanI(ctx context.Context, verb, namespace string) (bool, error) {
	q := url.Values{"verb": {verb}}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	var out canIBody
	if err := c.do(ctx, http.MethodGet, "/api/v1/auth/can-i", q, "", nil, &out); err != nil {
		return false, err
	}
	return out.Allowed, nil
}
