package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// Silences lists the silences of namespaces.
func (c *Client) Silences(ctx context.Context, f kite.SilenceFilter) ([]kite.Silence, error) {
	q := url.Values{"namespace": {strings.Join(f.Namespaces, ",")}}
	var states []string
	for _, st := range f.States {
		states = append(states, string(st))
	}
	if len(states) > 0 {
		q.Set("state", strings.Join(states, ","))
	}
	var out dataBody[kite.Silence]
	if err := c.do(ctx, http.MethodGet, "/api/v1/silences", q, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// GetSilence reads a silence.
func (c *Client) GetSilence(ctx context.Context, id string) (*kite.Silence, error) {
	return c.silenceCall(ctx, http.MethodGet, silencePath(id), "", nil)
}

// CreateSilence creates a silence.
func (c *Client) CreateSilence(ctx context.Context, r kite.SilenceRequest, actor string) (*kite.Silence, error) {
	return c.silenceCall(ctx, http.MethodPost, "/api/v1/silences", actor, silenceWire(r))
}

// UpdateSilence replaces a silence.
func (c *Client) UpdateSilence(ctx context.Context, id string, r kite.SilenceRequest, actor string) (*kite.Silence, error) {
	return c.silenceCall(ctx, http.MethodPut, silencePath(id), actor, silenceWire(r))
}

// ExpireSilence ends a silence now.
func (c *Client) ExpireSilence(ctx context.Context, id, actor string) (*kite.Silence, error) {
	return c.silenceCall(ctx, http.MethodDelete, silencePath(id), actor, nil)
}

// PreviewSilence lists the issues a silence would mute now (a page, and
// how many in all).
func (c *Client) PreviewSilence(ctx context.Context, r kite.SilenceRequest, limit int) ([]*kite.Issue, int, error) {
	var out previewBody
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/silences/preview", q, "", silenceWire(r), &out); err != nil {
		return nil, 0, err
	}
	return out.Data, out.Total, nil
}

func (c *Client) silenceCall(ctx context.Context, method, path, actor string, in any) (*kite.Silence, error) {
	var out kite.Silence
	if err := c.do(ctx, method, path, nil, actor, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func silencePath(id string) string { return "/api/v1/silences/" + url.PathEscape(id) }

// silenceWire is a request as the server reads it.
func silenceWire(r kite.SilenceRequest) silenceBody {
	b := silenceBody{Namespaces: r.Namespaces, Query: r.Query, Comment: r.Comment}
	if r.StartsAt != nil {
		b.StartsAt = r.StartsAt.UTC().Format(time.RFC3339Nano)
	}
	if !r.EndsAt.IsZero() {
		b.EndsAt = r.EndsAt.UTC().Format(time.RFC3339Nano)
	}
	return b
}
