package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// tokens is an Authenticator from a table of bearer tokens; "down" is a
// token whose review cannot be made.
type tokens map[string]*kite.Principal

func (t tokens) Authenticate(r *http.Request) (*kite.Principal, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !ok:
		return kite.Anonymous(), nil
	case token == "down":
		return nil, kite.Errorf(kite.EUNAVAILABLE, "Your credentials could not be checked; try again shortly")
	case t[token] == nil:
		return nil, kite.Errorf(kite.EUNAUTHENTICATED, "Invalid or expired credentials")
	}
	return t[token], nil
}

// rules is an Authorizer from "user verb resource ns name-or-path" lines;
// "-" matches an empty part and "*" any.
type rules []string

func (rs rules) Authorize(_ context.Context, p *kite.Principal, a kite.Access) (bool, error) {
	if p.Name == "flaky" {
		return false, errors.New("no answer")
	}
	res := a.Resource
	if res == "" && a.Path == "" {
		res = kite.ResourceIssues
	}
	got := []string{p.Name, a.Verb, res, a.Namespace, a.Name + a.Path}
	for _, r := range rs {
		want := strings.Fields(r)
		match := true
		for i := range want {
			empty := want[i] == "-" && got[i] == ""
			if want[i] != "*" && want[i] != got[i] && !empty {
				match = false
			}
		}
		if match {
			return true, nil
		}
	}
	return false, nil
}

func TestAuthenticatedServer(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{
			"viewer-token":   {Name: "alice", Groups: []string{"system:authenticated"}},
			"reporter-token": {Name: "system:serviceaccount:ops:bridge"},
			"proxy-token":    {Name: "system:serviceaccount:console:proxy"},
			"prom-token":     {Name: "system:serviceaccount:monitoring:prometheus"},
			"flaky-token":    {Name: "flaky"},
		}
		o.Authorizer = rules{
			"alice get issues team-a -", "alice list issues team-a -", "alice update issues team-a -",
			"system:serviceaccount:ops:bridge create issues team-a -",
			"system:serviceaccount:console:proxy impersonate users - alice",
			"system:serviceaccount:monitoring:prometheus get - - /metrics",
		}
	})
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }
	hook := failure("team-a", "build-app")

	res := ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", hook, bearer("reporter-token")...)
	require.Equal(t, http.StatusCreated, res.Code, "%s", res.Raw)
	id := hookIssue(t, res)["id"].(string)
	res = ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-b", "x"), bearer("reporter-token")...)
	require.Equal(t, http.StatusCreated, ts.do(t, http.MethodPost, "/api/v1/webhooks/pipeline-failure", failure("team-a", "y"), bearer("reporter-token")...).Code)
	requireError(t, res, http.StatusForbidden, "Access denied to this namespace")

	for _, c := range []struct {
		name    string
		method  string
		path    string
		headers []string
		status  int
	}{
		{"no token: anonymous is denied", "GET", "/api/v1/issues?namespace=team-a", nil, 403},
		{"bad token", "GET", "/api/v1/issues?namespace=team-a", bearer("nope"), 401},
		{"review unavailable", "GET", "/api/v1/issues?namespace=team-a", bearer("down"), 503},
		{"decision unavailable", "GET", "/api/v1/issues?namespace=team-a", bearer("flaky-token"), 503},
		{"viewer lists", "GET", "/api/v1/issues?namespace=team-a", bearer("viewer-token"), 200},
		{"viewer, other namespace", "GET", "/api/v1/issues?namespace=team-b", bearer("viewer-token"), 403},
		{"viewer gets", "GET", "/api/v1/issues/" + id, bearer("viewer-token"), 200},
		{"reporter may not read", "GET", "/api/v1/issues/" + id, bearer("reporter-token"), 404},
		{"reporter may not search", "GET", "/api/v1/search?namespace=team-a", bearer("reporter-token"), 403},
		{"viewer searches", "GET", "/api/v1/search?namespace=team-a", bearer("viewer-token"), 200},
		{"viewer searches two namespaces", "GET", "/api/v1/search?q=ns:team-a+ns:team-b", bearer("viewer-token"), 403},
		{"proxy acts for alice", "GET", "/api/v1/issues/" + id, append(bearer("proxy-token"), "Impersonate-User", "alice"), 200},
		{"proxy may not act for bob", "GET", "/api/v1/issues/" + id, append(bearer("proxy-token"), "Impersonate-User", "bob"), 403},
		{"alice may not impersonate", "GET", "/api/v1/issues/" + id, append(bearer("viewer-token"), "Impersonate-User", "admin"), 403},
		{"groups need a user", "GET", "/api/v1/issues/" + id, append(bearer("proxy-token"), "Impersonate-Group", "admins"), 400},
		{"metrics denied", "GET", "/metrics", bearer("viewer-token"), 403},
		{"metrics for prometheus", "GET", "/metrics", bearer("prom-token"), 200},
		{"healthz open", "GET", "/healthz", bearer("nope"), 200},
		{"readyz open", "GET", "/readyz", nil, 200},
		{"openapi open", "GET", "/openapi.json", nil, 200},
		{"health open", "GET", "/api/v1/health", nil, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := ts.do(t, c.method, c.path, nil, c.headers...)
			assert.Equal(t, c.status, res.Code, "%s", res.Raw)
			if c.status == 401 {
				assert.Equal(t, `Bearer realm="kite"`, res.Header.Get("WWW-Authenticate"))
			}
		})
	}

	// The actor of a write is the authenticated user, here through the proxy.
	res = ts.do(t, http.MethodPost, "/api/v1/issues/"+id+"/resolve", nil, append(bearer("proxy-token"), "Impersonate-User", "alice")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, "alice", res.Issue(t).ResolvedBy)

	// X-Kite-User from a caller who may not impersonate (a console sending
	// $USER) is ignored: the actor is whom the cluster authenticated.
	res = ts.do(t, http.MethodPut, "/api/v1/issues/"+id, map[string]any{"state": "ACTIVE"}, append(bearer("viewer-token"), "X-Kite-User", "root")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	tl := ts.do(t, http.MethodGet, "/api/v1/issues/"+id+"/timeline", nil, bearer("viewer-token")...)
	require.Equal(t, http.StatusOK, tl.Code)
	assert.Contains(t, string(tl.Raw), `"actor":"alice"`)
	assert.NotContains(t, string(tl.Raw), `"actor":"root"`)
}

func TestWildcardCORSRefusedWithAuthentication(t *testing.T) {
	_, err := New(Options{Service: newTestServer(t).store, Authenticator: tokens{}, Authorizer: rules{}, CORSOrigins: []string{"*"}})
	require.Error(t, err)
	_, err = New(Options{Service: newTestServer(t).store, Authenticator: tokens{}})
	require.Error(t, err, "an authenticator needs an authorizer")
}

func TestWhoAmIAndCanI(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{"viewer-token": {Name: "alice", Groups: []string{"devs", "system:authenticated"}}}
		o.Authorizer = rules{"alice list issues team-a -"}
	})
	bearer := []string{"Authorization", "Bearer viewer-token"}
	res := ts.do(t, http.MethodGet, "/api/v1/auth/whoami", nil, bearer...)
	require.Equal(t, http.StatusOK, res.Code)
	assert.Equal(t, map[string]any{"user": "alice", "groups": []any{"devs", "system:authenticated"}, "authentication": "kubernetes"}, res.JSON(t))
	res = ts.do(t, http.MethodGet, "/api/v1/auth/whoami", nil)
	assert.Equal(t, "system:anonymous", res.JSON(t)["user"])

	for q, want := range map[string]bool{"verb=list&namespace=team-a": true, "verb=list&namespace=team-b": false, "verb=delete&namespace=team-a": false, "verb=list": false} {
		res := ts.do(t, http.MethodGet, "/api/v1/auth/can-i?"+q, nil, bearer...)
		require.Equal(t, http.StatusOK, res.Code, q)
		assert.Equal(t, want, res.JSON(t)["allowed"], q)
	}
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/auth/can-i?verb=steal&namespace=team-a", nil, bearer...), http.StatusBadRequest, "Invalid verb")

	open := newTestServer(t)
	res = open.do(t, http.MethodGet, "/api/v1/auth/whoami", nil, "X-Kite-User", "bob")
	assert.Equal(t, map[string]any{"user": "bob", "groups": []any{}, "authentication": "none"}, res.JSON(t))
	assert.Equal(t, true, open.do(t, http.MethodGet, "/api/v1/auth/can-i?verb=delete&namespace=x", nil).JSON(t)["allowed"])
}

// TestEventStreamIsAuthorized: the stream is served by the authorized
// service like every other read.
func TestEventStreamIsAuthorized(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{"viewer-token": {Name: "alice"}}
		o.Authorizer = rules{"alice watch issues team-a -"}
	})
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/events?namespace=team-b", nil, "Authorization", "Bearer viewer-token"),
		http.StatusForbidden, "Access denied to this namespace")
	requireError(t, ts.do(t, http.MethodGet, "/api/v1/events?namespace=team-a", nil), http.StatusForbidden, "Access denied to this namespace")
}

// revocable allows alice to watch team-a until it is revoked.
type revocable struct{ revoked atomic.Bool }

func (rv *revocable) Authorize(_ context.Context, p *kite.Principal, a kite.Access) (bool, error) {
	return p.Name == "alice" && a.Verb == kite.VerbWatch && a.Namespace == "team-a" && !rv.revoked.Load(), nil
}

// TestEventStreamEndsWhenAccessIsRevoked: the server ends a stream the
// caller may no longer follow with an error event, which the client's
// feed reports as the refusal it is (the CLI's exit code 4).
func TestEventStreamEndsWhenAccessIsRevoked(t *testing.T) {
	rv := &revocable{}
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{"viewer-token": {Name: "alice"}}
		o.Authorizer = rv
	})
	srv := httptest.NewServer(ts.h)
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientOptions{Server: srv.URL, Token: "viewer-token"})
	require.NoError(t, err)
	feed, err := c.Subscribe(t.Context(), kite.ChangeRequest{Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	n := 0
	report := func() {
		n++
		_, err := ts.store.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "t", Description: "d",
			Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c" + strconv.Itoa(n)}})
		require.NoError(t, err)
	}
	report()
	_, ok := <-feed.C
	require.True(t, ok)
	rv.revoked.Store(true)
	report()
	_, ok = <-feed.C
	require.False(t, ok, "the change after the revocation is not delivered")
	err = feed.Err()
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	assert.Equal(t, "Access to the stream's namespaces was revoked", kite.ErrorMessage(err))
	assert.Contains(t, kite.ErrorDetails(err), "alice may no longer watch issues in namespace team-a")
}

// allowFunc is an Authorizer from a function.
type allowFunc func(p *kite.Principal, a kite.Access) bool

func (f allowFunc) Authorize(_ context.Context, p *kite.Principal, a kite.Access) (bool, error) {
	return f(p, a), nil
}

// TestImpersonationAsKubeAPIServer: a proxy acting for another user gets
// the identity kube-apiserver would give it (a service account's groups,
// system:authenticated or, for the anonymous user, system:unauthenticated),
// and its uid and extras when it may impersonate them; anything it may not
// impersonate is refused, never dropped.
func TestImpersonationAsKubeAPIServer(t *testing.T) {
	proxy := "system:serviceaccount:console:proxy"
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{"proxy-token": {Name: proxy, Groups: []string{"system:authenticated"}}}
		o.Authorizer = allowFunc(func(p *kite.Principal, a kite.Access) bool {
			if p.Name != proxy || a.Verb != "impersonate" {
				return false
			}
			switch a.Group + "/" + a.Resource + "/" + a.Subresource {
			case "/users/":
				return a.Name == "alice" || a.Name == kite.AnonymousUser
			case "/serviceaccounts/":
				return a.Namespace == "team-a" && a.Name == "viewer"
			case "/groups/":
				return a.Name == "devs"
			case "authentication.k8s.io/userextras/scopes", "authentication.k8s.io/userextras/example.com/team":
				return a.Name == "view" || a.Name == "payments"
			case "authentication.k8s.io/uids/":
				return a.Name == "uid-1"
			}
			return false
		})
	})
	whoami := func(headers ...string) *response {
		return ts.do(t, http.MethodGet, "/api/v1/auth/whoami", nil, append([]string{"Authorization", "Bearer proxy-token"}, headers...)...)
	}
	for _, c := range []struct {
		name    string
		headers []string
		want    map[string]any
	}{
		{"a service account is in its groups", []string{"Impersonate-User", "system:serviceaccount:team-a:viewer"},
			map[string]any{"user": "system:serviceaccount:team-a:viewer", "groups": []any{"system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"}}},
		{"a user is authenticated", []string{"Impersonate-User", "alice"},
			map[string]any{"user": "alice", "groups": []any{"system:authenticated"}}},
		{"with the groups named", []string{"Impersonate-User", "alice", "Impersonate-Group", "devs"},
			map[string]any{"user": "alice", "groups": []any{"devs", "system:authenticated"}}},
		{"the anonymous user is not authenticated", []string{"Impersonate-User", kite.AnonymousUser},
			map[string]any{"user": kite.AnonymousUser, "groups": []any{kite.UnauthenticatedGroup}}},
		{"with a uid and extras", []string{"Impersonate-User", "alice", "Impersonate-Uid", "uid-1", "Impersonate-Extra-Scopes", "view",
			"Impersonate-Extra-Example.com%2fteam", "payments"},
			map[string]any{"user": "alice", "uid": "uid-1", "groups": []any{"system:authenticated"},
				"extra": map[string]any{"scopes": []any{"view"}, "example.com/team": []any{"payments"}}}},
		{"X-Kite-User from a proxy that may act for the service account", []string{"X-Kite-User", "system:serviceaccount:team-a:viewer"},
			map[string]any{"user": "system:serviceaccount:team-a:viewer", "groups": []any{"system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := whoami(c.headers...)
			require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
			got := res.JSON(t)
			delete(got, "authentication")
			assert.Equal(t, c.want, got)
		})
	}
	for _, c := range []struct {
		name    string
		headers []string
		status  int
		details string
	}{
		{"an extra it may not impersonate", []string{"Impersonate-User", "alice", "Impersonate-Extra-Scopes", "admin"}, 403, proxy + " may not impersonate userextras/scopes admin"},
		{"a uid it may not impersonate", []string{"Impersonate-User", "alice", "Impersonate-Uid", "uid-2"}, 403, proxy + " may not impersonate uids uid-2"},
		{"a group it may not impersonate", []string{"Impersonate-User", "alice", "Impersonate-Group", "system:masters"}, 403, proxy + " may not impersonate groups system:masters"},
		{"a uid without a user", []string{"Impersonate-Uid", "uid-1"}, 400, ""},
		{"extras without a user", []string{"Impersonate-Extra-Scopes", "view"}, 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := whoami(c.headers...)
			require.Equal(t, c.status, res.Code, "%s", res.Raw)
			if c.details != "" {
				assert.Equal(t, c.details, res.JSON(t)["details"])
			}
		})
	}
}
