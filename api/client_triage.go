package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/konflux-ci/kite"
)

// Acknowledge acknowledges an issue (on) or clears its acknowledgement.
func (c *Client) Acknowledge(ctx context.Context, id string, on bool, actor string) (*kite.Issue, error) {
	method := http.MethodPost
	if !on {
		method = http.MethodDelete
	}
	return c.issueCall(ctx, method, issuePath(id)+"/acknowledge", actor, nil)
}

// Assign hands an issue to assignee; "" unassigns it.
func (c *Client) Assign(ctx context.Context, id, assignee, actor string) (*kite.Issue, error) {
	if assignee == "" {
		return c.issueCall(ctx, http.MethodDelete, issuePath(id)+"/assignee", actor, nil)
	}
	return c.issueCall(ctx, http.MethodPut, issuePath(id)+"/assignee", actor, assigneeBody{Assignee: assignee})
}

func (c *Client) issueCall(ctx context.Context, method, path, actor string, in any) (*kite.Issue, error) {
	var is kite.Issue
	if err := c.do(ctx, method, path, nil, actor, in, &is); err != nil {
		return nil, err
	}
	return &is, nil
}

// Comments lists an issue's comments, oldest first.
func (c *Client) Comments(ctx context.Context, id string) ([]kite.Comment, error) {
	var out dataBody[kite.Comment]
	if err := c.do(ctx, http.MethodGet, issuePath(id)+"/comments", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// AddComment comments on an issue.
func (c *Client) AddComment(ctx context.Context, id, text, author string) (*kite.Comment, error) {
	return c.commentCall(ctx, http.MethodPost, issuePath(id)+"/comments", author, text)
}

// EditComment changes the text of one's own comment.
func (c *Client) EditComment(ctx context.Context, id, commentID, text, actor string) (*kite.Comment, error) {
	return c.commentCall(ctx, http.MethodPut, issuePath(id)+"/comments/"+url.PathEscape(commentID), actor, text)
}

func (c *Client) commentCall(ctx context.Context, method, path, actor, text string) (*kite.Comment, error) {
	var out kite.Comment
	if err := c.do(ctx, method, path, nil, actor, commentBody{Text: text}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteComment deletes one's own comment.
func (c *Client) DeleteComment(ctx context.Context, id, commentID, actor string) error {
	return c.do(ctx, http.MethodDelete, issuePath(id)+"/comments/"+url.PathEscape(commentID), nil, actor, nil, nil)
}

// Snooze snoozes an issue.
func (c *Client) Snooze(ctx context.Context, id string, r kite.SnoozeRequest, actor string) (*kite.Issue, error) {
	return c.issueCall(ctx, http.MethodPost, issuePath(id)+"/snooze", actor, r)
}

// Unsnooze ends an issue's snooze.
func (c *Client) Unsnooze(ctx context.Context, id, actor string) (*kite.Issue, error) {
	return c.issueCall(ctx, http.MethodDelete, issuePath(id)+"/snooze", actor, nil)
}
