package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	// HTTPClient replaces the default transport (tests, proxies).
	HTTPClient *http.Client
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

var _ kite.Tracker = (*Client)(nil)

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
		hc = &http.Client{Timeout: o.Timeout}
	}
	return &Client{base: u, token: o.Token, http: hc}, nil
}

// Report files a failure through the pipeline-failure webhook. Only
// pipeline reports travel this way (the watcher's); others are refused.
func (c *Client) Report(ctx context.Context, r kite.Report) (*kite.ReportResult, error) {
	if r.Scope.ResourceType != "pipelinerun" {
		return nil, kite.Invalid("scope.resourceType", "Unsupported report", "a remote Kite takes pipeline reports (scope type pipelinerun) through its pipeline-failure webhook")
	}
	b := pipelineFailureBody{
		PipelineName: r.Scope.ResourceName, Namespace: r.Namespace, Severity: string(r.Severity),
		Title: r.Title, Description: r.Description, IssueType: string(r.IssueType), Labels: r.Labels,
	}
	if f := r.Failure; f != nil {
		b.FailureReason, b.RunID, b.LogsURL = f.Reason, f.RunID, f.LogURL
		b.Task, b.Step, b.ExitCode, b.Message = f.Task, f.Step, f.ExitCode, f.Message
	}
	if b.FailureReason == "" {
		b.FailureReason = "Failed"
	}
	b.runFields = wireRun(r.Run)
	var out struct {
		Issue   *kite.Issue  `json:"issue"`
		Outcome kite.Outcome `json:"outcome"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/webhooks/pipeline-failure", b, &out); err != nil {
		return nil, err
	}
	return &kite.ReportResult{Issue: out.Issue, Outcome: out.Outcome}, nil
}

// ResolveScope resolves a pipeline's issues through the pipeline-success
// webhook.
func (c *Client) ResolveScope(ctx context.Context, r kite.Resolution) (int, error) {
	if r.ResourceType != "pipelinerun" {
		return 0, kite.Invalid("resourceType", "Unsupported resolution", "a remote Kite takes pipeline resolutions (resource type pipelinerun) through its pipeline-success webhook")
	}
	b := pipelineSuccessBody{PipelineName: r.ResourceName, Namespace: r.Namespace, runFields: wireRun(r.Run)}
	var out resolvedBody
	if err := c.do(ctx, http.MethodPost, "/api/v1/webhooks/pipeline-success", b, &out); err != nil {
		return 0, err
	}
	return out.Resolved, nil
}

func wireRun(r *kite.Run) runFields {
	if r == nil {
		return runFields{}
	}
	return runFields{RunUID: r.ID, CompletedAt: r.CompletedAt.UTC().Format(time.RFC3339Nano)}
}

// do sends one JSON request and decodes a 2xx reply into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &kite.Error{Code: kite.EUNAVAILABLE, Message: "Kite at " + c.base.Host + " did not answer", Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		return responseError(resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		return &kite.Error{Code: kite.EINTERNAL, Message: "unreadable reply from Kite", Err: err}
	}
	return nil
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
	case status == http.StatusUnauthorized:
		return kite.EFORBIDDEN
	case status >= 500:
		return kite.EUNAVAILABLE
	case status >= 400:
		return kite.EINVALID
	}
	return kite.EINTERNAL
}
