package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// ClientOptions configure a Client. Server is required.
type ClientOptions struct {
	// Server is the Kite base URL, such as https://kite.example.
	Server string
	// Token, when set, is sent as a bearer token.
	Token string
	// Timeout bounds each request (default 30s); a context's deadline
	// applies as well.
	Timeout time.Duration
	// HTTPClient replaces the default client (tests, proxies).
	HTTPClient *http.Client
	// Transport, when set and HTTPClient is not, carries the requests: a
	// kubeconfig's credentials (tokens, exec plugins, client certificates)
	// wrapped around a TLS transport.
	Transport http.RoundTripper
}

// Client is Kite's HTTP API seen from Go: it implements the root kite
// interfaces against a remote Kite, so callers cannot tell it from the
// in-process service. HTTP errors come back as *kite.Error with the
// domain code their status maps to.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

var _ kite.Service = (*Client)(nil)

// NewClient checks the server URL and builds a client.
func NewClient(o ClientOptions) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(o.Server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, kite.Invalid("server", "Invalid server URL", fmt.Sprintf("the server must be an http(s) URL such as https://kite.example, not %q", o.Server))
	}
	hc := o.HTTPClient
	if hc == nil {
		if o.Timeout <= 0 {
			o.Timeout = 30 * time.Second
		}
		hc = &http.Client{Timeout: o.Timeout, Transport: o.Transport}
	}
	return &Client{base: u, token: o.Token, http: hc}, nil
}

// Report files a report. A pipeline failure (scope type pipelinerun)
// goes through the pipeline-failure webhook; any other report through
// POST /api/v1/issues with its failure context. Both apply a named run
// (kite.Run) once and in completion order.
func (c *Client) Report(ctx context.Context, r kite.Report) (*kite.ReportResult, error) {
	if r.Scope.ResourceType != "pipelinerun" || r.Failure == nil {
		// Any other report (a Release's, a rule's) is the generic one,
		// with its failure and run.
		var is kite.Issue
		err := c.do(ctx, http.MethodPost, "/api/v1/issues", nil, r.Actor, createIssueBody{
			Title: r.Title, Description: r.Description, Severity: string(r.Severity), IssueType: string(r.IssueType),
			State: string(r.State), Namespace: r.Namespace, Key: r.Key, Labels: r.Labels, Links: linkBodies(r.Links),
			Scope:   scopeBody{ResourceType: r.Scope.ResourceType, ResourceName: r.Scope.ResourceName, ResourceNamespace: r.Scope.ResourceNamespace},
			Failure: r.Failure, runFields: wireRun(r.Run),
		}, &is)
		if err != nil {
			return nil, err
		}
		return &kite.ReportResult{Issue: &is}, nil
	}
	b := pipelineFailureBody{
		PipelineName: r.Scope.ResourceName, Namespace: r.Namespace, Severity: string(r.Severity),
		Title: r.Title, Description: r.Description, IssueType: string(r.IssueType), Labels: r.Labels,
	}
	f := r.Failure
	b.FailureReason, b.RunID, b.LogsURL = f.Reason, f.RunID, f.LogURL
	b.Task, b.Step, b.ExitCode, b.Message = f.Task, f.Step, f.ExitCode, f.Message
	if b.FailureReason == "" {
		b.FailureReason = "Failed"
	}
	b.runFields = wireRun(r.Run)
	var out struct {
		Issue   *kite.Issue  `json:"issue"`
		Outcome kite.Outcome `json:"outcome"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/webhooks/pipeline-failure", nil, r.Actor, b, &out); err != nil {
		return nil, err
	}
	return &kite.ReportResult{Issue: out.Issue, Outcome: out.Outcome}, nil
}

func linkBodies(ls []kite.Link) []linkBody {
	if ls == nil {
		return nil
	}
	out := make([]linkBody, len(ls))
	for i, l := range ls {
		out[i] = linkBody{Title: l.Title, URL: l.URL}
	}
	return out
}

// ResolveScope resolves a scope's issues: a pipeline's through the
// pipeline-success webhook, any other resource's through the
// scope-success one, a named run once.
func (c *Client) ResolveScope(ctx context.Context, r kite.Resolution) (int, error) {
	var out resolvedBody
	var err error
	if r.ResourceType == "pipelinerun" {
		err = c.do(ctx, http.MethodPost, "/api/v1/webhooks/pipeline-success", nil, r.Actor,
			pipelineSuccessBody{PipelineName: r.ResourceName, Namespace: r.Namespace, runFields: wireRun(r.Run)}, &out)
	} else {
		err = c.do(ctx, http.MethodPost, "/api/v1/webhooks/scope-success", nil, r.Actor,
			scopeSuccessBody{Namespace: r.Namespace, ResourceType: r.ResourceType, ResourceName: r.ResourceName, runFields: wireRun(r.Run)}, &out)
	}
	if err != nil {
		return 0, err
	}
	return out.Resolved, nil
}

func wireRun(r *kite.Run) runFields {
	if r == nil {
		return runFields{}
	}
	f := runFields{RunUID: r.ID}
	if !r.CompletedAt.IsZero() {
		f.CompletedAt = r.CompletedAt.UTC().Format(time.RFC3339Nano)
	}
	return f
}

// do sends one JSON request (query may be nil; actor, when set, names the
// person behind a write) and decodes a 2xx reply into out.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, actor string, in, out any) error {
	resp, err := c.send(ctx, method, path, query, actor, in)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		return &kite.Error{Code: kite.EINTERNAL, Message: "unreadable reply from Kite", Err: err}
	}
	return nil
}

// send makes a request and returns a successful response, whose body the
// caller closes; an error reply becomes the *kite.Error it carries.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, actor string, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	target := c.base.String() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if actor != "" && actor != kite.ActorAPI && actor != kite.ActorWebhook && actor != kite.ActorWatcher {
		req.Header.Set(userHeader, actor)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &kite.Error{Code: kite.EUNAVAILABLE, Message: "Kite at " + c.base.Host + " did not answer", Err: err}
	}
	if resp.StatusCode >= 300 {
		defer func() { _ = resp.Body.Close() }()
		return nil, responseError(resp)
	}
	return resp, nil
}

// responseError turns an error reply back into the *kite.Error the server
// answered with: the code from the status, message, details and field
// from the body.
func responseError(resp *http.Response) error {
	var body errorBody
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(raw, &body) != nil || body.Error == "" {
		body.Error = strings.TrimSpace(string(raw))
		if body.Error == "" {
			body.Error = resp.Status
		}
	}
	return &kite.Error{Code: codeOfStatus(resp.StatusCode), Message: body.Error, Details: body.Details, Field: body.Field,
		Err: fmt.Errorf("%s: HTTP %d", resp.Request.URL.Path, resp.StatusCode)}
}

// codeOfStatus inverts statusByCode; other statuses map to the nearest
// class.
func codeOfStatus(status int) string {
	for code, s := range statusByCode {
		if s == status {
			return code
		}
	}
	switch {
	case status >= 500:
		return kite.EUNAVAILABLE
	case status >= 400:
		return kite.EINVALID
	}
	return kite.EINTERNAL
}

// GetIssue reads one issue.
func (c *Client) GetIssue(ctx context.Context, id string) (*kite.Issue, error) {
	var is kite.Issue
	if err := c.do(ctx, http.MethodGet, issuePath(id), nil, "", nil, &is); err != nil {
		return nil, err
	}
	return &is, nil
}

// ListIssues is the v1 list: one namespace, filters, a page.
func (c *Client) ListIssues(ctx context.Context, f kite.IssueFilter) (*kite.IssueList, error) {
	q := url.Values{}
	for k, v := range map[string]string{
		"namespace": f.Namespace, "severity": string(f.Severity), "issueType": string(f.IssueType), "state": string(f.State),
		"resourceType": f.ResourceType, "resourceName": f.ResourceName, "search": f.Search,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Offset > 0 {
		q.Set("offset", strconv.Itoa(f.Offset))
	}
	var out listBody
	if err := c.do(ctx, http.MethodGet, "/api/v1/issues", q, "", nil, &out); err != nil {
		return nil, err
	}
	return &kite.IssueList{Issues: out.Data, Total: out.Total}, nil
}

// UpdateIssue edits the fields u sets.
func (c *Client) UpdateIssue(ctx context.Context, id string, u kite.IssueUpdate) (*kite.Issue, error) {
	b := map[string]any{}
	set := func(k string, ok bool, v any) {
		if ok {
			b[k] = v
		}
	}
	set("title", u.Title != nil, u.Title)
	set("description", u.Description != nil, u.Description)
	set("severity", u.Severity != nil, u.Severity)
	set("issueType", u.IssueType != nil, u.IssueType)
	set("state", u.State != nil, u.State)
	set("resolvedAt", u.ResolvedAtSet || u.ResolvedAt != nil, u.ResolvedAt)
	if u.Links != nil {
		b["links"] = linkBodies(*u.Links)
	}
	if u.Scope != nil {
		b["scope"] = scopeBody{ResourceType: u.Scope.ResourceType, ResourceName: u.Scope.ResourceName, ResourceNamespace: u.Scope.ResourceNamespace}
	}
	var is kite.Issue
	if err := c.do(ctx, http.MethodPut, issuePath(id), nil, u.Actor, b, &is); err != nil {
		return nil, err
	}
	return &is, nil
}

// DeleteIssue deletes an issue.
func (c *Client) DeleteIssue(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, issuePath(id), nil, "", nil, nil)
}

// ResolveIssue resolves one issue in actor's name.
func (c *Client) ResolveIssue(ctx context.Context, id, actor string) (*kite.Issue, error) {
	var is kite.Issue
	if err := c.do(ctx, http.MethodPost, issuePath(id)+"/resolve", nil, actor, nil, &is); err != nil {
		return nil, err
	}
	return &is, nil
}

// RelateIssues links two issues.
func (c *Client) RelateIssues(ctx context.Context, sourceID, targetID string) error {
	return c.do(ctx, http.MethodPost, issuePath(sourceID)+"/related", nil, "", relatedBody{RelatedID: targetID}, nil)
}

// UnrelateIssues removes the link between two issues.
func (c *Client) UnrelateIssues(ctx context.Context, a, b string) error {
	return c.do(ctx, http.MethodDelete, issuePath(a)+"/related/"+url.PathEscape(b), nil, "", nil, nil)
}

// Timeline is an issue's history, oldest first.
func (c *Client) Timeline(ctx context.Context, id string) ([]kite.Event, error) {
	var out dataBody[kite.Event]
	if err := c.do(ctx, http.MethodGet, issuePath(id)+"/timeline", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Search answers the query language.
func (c *Client) Search(ctx context.Context, r kite.SearchRequest) (*kite.SearchResult, error) {
	q := url.Values{"q": {r.Query}, "highlight": {strconv.FormatBool(r.Highlight)}}
	if len(r.Namespaces) > 0 {
		q.Set("namespace", strings.Join(r.Namespaces, ","))
	}
	if r.Limit > 0 {
		q.Set("limit", strconv.Itoa(r.Limit))
	}
	if r.Cursor != "" {
		q.Set("cursor", r.Cursor)
	}
	if len(r.Facets) > 0 {
		q.Set("facets", strings.Join(r.Facets, ","))
	}
	var out searchBody
	if err := c.do(ctx, http.MethodGet, "/api/v1/search", q, "", nil, &out); err != nil {
		return nil, err
	}
	return &kite.SearchResult{Hits: out.Data, Total: out.Total, TotalIsLowerBound: out.TotalIsLowerBound, Facets: out.Facets, NextCursor: out.NextCursor}, nil
}

func issuePath(id string) string { return "/api/v1/issues/" + url.PathEscape(id) }

// Namespaces lists the namespaces with issues the caller may list.
func (c *Client) Namespaces(ctx context.Context) ([]kite.NamespaceCount, error) {
	var out dataBody[kite.NamespaceCount]
	if err := c.do(ctx, http.MethodGet, "/api/v1/namespaces", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}
