package auth_test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/auth"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// kiteServer is Kite's API over a real service, authenticating and
// authorizing against the envtest cluster, with an issue in team-a and
// one in team-b.
func kiteServer(t *testing.T) (*httptest.Server, *service.Service, *kite.Issue, *kite.Issue) {
	t.Helper()
	svc := servicetest.Open(t)
	k, err := auth.New(auth.Options{Config: cluster.cfg, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	h, err := api.New(api.Options{Service: svc, Authenticator: k, Authorizer: k})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	a, b := reportIn(t, svc, "team-a", "c"), reportIn(t, svc, "team-b", "c")
	servicetest.WaitIndexed(t, svc)
	return srv, svc, a, b
}

// reportIn opens an issue of component name in ns, as the cluster's own
// reports would, past Kite's authorization.
func reportIn(t *testing.T, svc *service.Service, ns, name string) *kite.Issue {
	t.Helper()
	res, err := svc.Report(context.Background(), kite.Report{Namespace: ns, Title: "Build failed in " + ns, Description: "d",
		Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: name}})
	require.NoError(t, err)
	return res.Issue
}

// identity is a caller of the table test and what the cluster grants it.
type identity struct {
	token string
	// headers are sent with every request (a proxy's impersonation).
	headers map[string]string
	// user is whom Kite sees (the author of the identity's comments).
	user string
	// grants are the verbs on issues by namespace ("*": every one).
	grants map[string][]string
	// rejected identities get 401 from every route but the open ones;
	// refused ones (a proxy that may not act for whom it names) 403.
	rejected, refused bool
	metrics, backups  bool
	// subscriptions are the namespaces whose notification subscriptions
	// it manages (admin, through kite-subscriptions-admin).
	subscriptions []string
}

// may reports whether id may do verb to issues in ns.
func (id identity) may(verb, ns string) bool {
	return slices.Contains(id.grants[ns], verb) || slices.Contains(id.grants["*"], verb)
}

var (
	viewVerbs = []string{"get", "list", "watch"}
	editVerbs = []string{"get", "list", "watch", "create", "update", "delete"}
)

func saUser(ns, name string) string { return "system:serviceaccount:" + ns + ":" + name }

// setUpIdentities creates the service accounts and bindings of the table
// test: the built-in view, edit and admin roles (which the issue roles
// aggregate into) in team-a, a reporter, a viewer of another namespace, a
// cluster-wide reader, the backup and metrics roles, an impersonating
// proxy, and tokens the cluster rejects (forged, of a deleted account,
// and expired).
func setUpIdentities(t *testing.T) map[string]identity {
	t.Helper()
	ctx := context.Background()
	sa := func(ns, name, role, bindNS string) string {
		token := serviceAccount(t, ns, name)
		if role != "" {
			bind(t, role, bindNS, serviceAccountSubject(ns, name))
		}
		return token
	}
	ids := map[string]identity{
		"no token":  {user: kite.AnonymousUser},
		"bad token": {token: "not-a-token", rejected: true},
		"viewer": {token: sa("team-a", "viewer", "view", "team-a"), user: saUser("team-a", "viewer"),
			grants: map[string][]string{"team-a": viewVerbs}},
		"editor": {token: sa("team-a", "editor", "edit", "team-a"), user: saUser("team-a", "editor"),
			grants: map[string][]string{"team-a": editVerbs}},
		"admin": {token: sa("team-a", "admin", "admin", "team-a"), user: saUser("team-a", "admin"),
			grants: map[string][]string{"team-a": editVerbs}, subscriptions: []string{"team-a"}},
		"reporter": {token: sa("ci", "reporter", "kite-reporter", "team-a"), user: saUser("ci", "reporter"),
			grants: map[string][]string{"team-a": {"create"}}},
		"other namespace": {token: sa("team-b", "viewer", "view", "team-b"), user: saUser("team-b", "viewer"),
			grants: map[string][]string{"team-b": viewVerbs}},
		"cluster reader": {token: sa("ops", "reader", "kite-issues-view", ""), user: saUser("ops", "reader"),
			grants: map[string][]string{"*": viewVerbs}},
		"backup taker": {token: sa("ops", "backup", "kite-backup", ""), user: saUser("ops", "backup"), backups: true},
		"prometheus":   {token: sa("monitoring", "prometheus", "kite-metrics-reader", ""), user: saUser("monitoring", "prometheus"), metrics: true},
	}
	_, err := cluster.cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "impersonate-team-a-viewer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"serviceaccounts"},
			Verbs: []string{"impersonate"}, ResourceNames: []string{"viewer"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	proxy := sa("console", "proxy", "impersonate-team-a-viewer", "team-a")
	ids["proxy as viewer"] = identity{token: proxy, headers: map[string]string{"Impersonate-User": saUser("team-a", "viewer")},
		user: saUser("team-a", "viewer"), grants: ids["viewer"].grants}
	ids["proxy as editor"] = identity{token: proxy, headers: map[string]string{"Impersonate-User": saUser("team-a", "editor")}, refused: true}

	// A token whose service account is gone is rejected.
	deleted := serviceAccount(t, "team-a", "gone")
	require.NoError(t, cluster.cs.CoreV1().ServiceAccounts("team-a").Delete(ctx, "gone", metav1.DeleteOptions{}))
	ids["deleted account"] = identity{token: deleted, rejected: true}
	// An expired token: one the cluster issued, for a bound viewer, with
	// its lifetime moved into the past and signed again with the cluster's
	// key (TestExpiredTokenIsOnlyExpired shows the same token with a
	// lifetime ahead is accepted).
	ids["expired token"] = identity{token: resign(t, sa("team-a", "expiring", "view", "team-a"), time.Now().Add(-time.Hour)), rejected: true}
	return ids
}

// call is one request of the table: prep makes what it needs (fresh
// issues for every change, so that the order of the calls does not
// matter) and returns its path and body, for the caller user; want is
// the status an identity gets.
type call struct {
	method string
	route  string // the route's template, as the OpenAPI document names it
	prep   func(t *testing.T, user string) (path, body string)
	want   func(id identity) int
	open   bool // answered without authentication
}

// inNamespaces: ok when the identity may do verb in every namespace, else
// 403 naming the namespace.
func inNamespaces(verb string, ok int, namespaces ...string) func(identity) int {
	return func(id identity) int {
		for _, ns := range namespaces {
			if !id.may(verb, ns) {
				return http.StatusForbidden
			}
		}
		return ok
	}
}

// onIssues: ok when the identity may do verb to the issues of namespaces
// in turn; the first it may not is 403 if it may read it, else 404 (an
// issue it cannot read does not exist for it).
func onIssues(verb string, ok int, namespaces ...string) func(identity) int {
	return func(id identity) int {
		for _, ns := range namespaces {
			switch {
			case id.may(verb, ns):
			case verb != "get" && id.may("get", ns):
				return http.StatusForbidden
			default:
				return http.StatusNotFound
			}
		}
		return ok
	}
}

// onSilence: a silence of namespace ns the identity may not list is not
// found; one it may list but not change (verb) is 403.
func onSilence(verb string, ok int, ns string) func(identity) int {
	return func(id identity) int {
		switch {
		case !id.may("list", ns):
			return http.StatusNotFound
		case !id.may(verb, ns):
			return http.StatusForbidden
		}
		return ok
	}
}

func anyCaller(ok int) func(identity) int { return func(identity) int { return ok } }

// onSubscription: a subscription of ns the identity may not manage is not
// found (creating one is 403).
func onSubscription(ok, otherwise int, ns string) func(identity) int {
	return func(id identity) int {
		if slices.Contains(id.subscriptions, ns) {
			return ok
		}
		return otherwise
	}
}

// calls are every route of the API.
func calls(t *testing.T, svc *service.Service, a, b *kite.Issue) map[string]call {
	ctx := context.Background()
	n := 0
	fresh := func(ns string) *kite.Issue {
		n++
		return reportIn(t, svc, ns, "fresh-"+strconv.Itoa(n))
	}
	fixed := func(path, body string) func(*testing.T, string) (string, string) {
		return func(*testing.T, string) (string, string) { return path, body }
	}
	onFresh := func(ns, suffix, body string) func(*testing.T, string) (string, string) {
		return func(*testing.T, string) (string, string) { return "/api/v1/issues/" + fresh(ns).ID + suffix, body }
	}
	silence := func(ns string) *kite.Silence {
		sl, err := svc.CreateSilence(ctx, kite.SilenceRequest{Namespaces: []string{ns}, Query: "reason:x",
			EndsAt: time.Now().Add(time.Hour), Comment: "c"}, "setup")
		require.NoError(t, err)
		return sl
	}
	silenceBody := `{"namespaces":["team-a"],"query":"reason:x","for":"2h","comment":"c"}`
	// A subscription whose receiver Kite may not reach (loopback): a test
	// of it answers at once, dropped.
	subscription := func(ns ...string) string {
		sub, err := svc.CreateSubscription(ctx, kite.SubscriptionRequest{Name: "chat", URL: "http://127.0.0.1:1/hook", Namespaces: ns}, "setup")
		require.NoError(t, err)
		return "/api/v1/subscriptions/" + sub.ID
	}
	onSub := func(suffix string) func(*testing.T, string) (string, string) {
		return func(*testing.T, string) (string, string) { return subscription("team-a") + suffix, "" }
	}
	hook := func(body string) string { return strings.ReplaceAll(body, "NS", "team-a") }
	return map[string]call{
		"health":  {method: "GET", route: "/api/v1/health", prep: fixed("/api/v1/health", ""), open: true},
		"version": {method: "GET", route: "/api/v1/version", prep: fixed("/api/v1/version", ""), open: true},
		"healthz": {method: "GET", route: "/healthz", prep: fixed("/healthz", ""), open: true},
		"readyz":  {method: "GET", route: "/readyz", prep: fixed("/readyz", ""), open: true},
		"openapi": {method: "GET", route: "/openapi.json", prep: fixed("/openapi.json", ""), open: true},
		"metrics": {method: "GET", route: "/metrics", prep: fixed("/metrics", ""), want: func(id identity) int {
			if id.metrics {
				return http.StatusOK
			}
			return http.StatusForbidden
		}},
		"backup": {method: "GET", route: "/api/v1/admin/backup", prep: fixed("/api/v1/admin/backup", ""), want: func(id identity) int {
			if id.backups {
				return http.StatusOK
			}
			return http.StatusForbidden
		}},
		"whoami":     {method: "GET", route: "/api/v1/auth/whoami", prep: fixed("/api/v1/auth/whoami", ""), want: anyCaller(200)},
		"can-i":      {method: "GET", route: "/api/v1/auth/can-i", prep: fixed("/api/v1/auth/can-i?verb=delete&namespace=team-a", ""), want: anyCaller(200)},
		"namespaces": {method: "GET", route: "/api/v1/namespaces", prep: fixed("/api/v1/namespaces", ""), want: anyCaller(200)},

		"list":         {method: "GET", route: "/api/v1/issues", prep: fixed("/api/v1/issues?namespace=team-a", ""), want: inNamespaces("list", 200, "team-a")},
		"list other":   {method: "GET", route: "/api/v1/issues", prep: fixed("/api/v1/issues?namespace=team-b", ""), want: inNamespaces("list", 200, "team-b")},
		"search":       {method: "GET", route: "/api/v1/search", prep: fixed("/api/v1/search?namespace=team-a&q=build", ""), want: inNamespaces("list", 200, "team-a")},
		"search both":  {method: "GET", route: "/api/v1/search", prep: fixed("/api/v1/search?q=build+ns:team-a+ns:team-b", ""), want: inNamespaces("list", 200, "team-a", "team-b")},
		"facets":       {method: "GET", route: "/api/v1/search", prep: fixed("/api/v1/search?namespace=team-a&facets=namespace,severity", ""), want: inNamespaces("list", 200, "team-a")},
		"events":       {method: "GET", route: "/api/v1/events", prep: fixed("/api/v1/events?namespace=team-a", ""), want: inNamespaces("watch", 200, "team-a")},
		"events other": {method: "GET", route: "/api/v1/events", prep: fixed("/api/v1/events?namespace=team-b", ""), want: inNamespaces("watch", 200, "team-b")},
		"events both": {method: "GET", route: "/api/v1/events", prep: fixed("/api/v1/events?namespace=team-a&namespace=team-b", ""),
			want: inNamespaces("watch", 200, "team-a", "team-b")},
		"create": {method: "POST", route: "/api/v1/issues", prep: fixed("/api/v1/issues", `{"title":"t","description":"d","severity":"major","issueType":"build","namespace":"team-a","scope":{"resourceType":"component","resourceName":"new"}}`),
			want: inNamespaces("create", 201, "team-a")},

		"get":          {method: "GET", route: "/api/v1/issues/{id}", prep: fixed("/api/v1/issues/"+a.ID, ""), want: onIssues("get", 200, "team-a")},
		"get other":    {method: "GET", route: "/api/v1/issues/{id}", prep: fixed("/api/v1/issues/"+b.ID, ""), want: onIssues("get", 200, "team-b")},
		"timeline":     {method: "GET", route: "/api/v1/issues/{id}/timeline", prep: fixed("/api/v1/issues/"+a.ID+"/timeline", ""), want: onIssues("get", 200, "team-a")},
		"update":       {method: "PUT", route: "/api/v1/issues/{id}", prep: onFresh("team-a", "", `{"severity":"critical"}`), want: onIssues("update", 200, "team-a")},
		"resolve":      {method: "POST", route: "/api/v1/issues/{id}/resolve", prep: onFresh("team-a", "/resolve", ""), want: onIssues("update", 200, "team-a")},
		"delete":       {method: "DELETE", route: "/api/v1/issues/{id}", prep: onFresh("team-a", "", ""), want: onIssues("delete", 204, "team-a")},
		"delete other": {method: "DELETE", route: "/api/v1/issues/{id}", prep: onFresh("team-b", "", ""), want: onIssues("delete", 204, "team-b")},
		"relate": {method: "POST", route: "/api/v1/issues/{id}/related", prep: func(*testing.T, string) (string, string) {
			return "/api/v1/issues/" + fresh("team-a").ID + "/related", `{"relatedId":"` + fresh("team-a").ID + `"}`
		}, want: onIssues("update", 201, "team-a", "team-a")},
		"relate other": {method: "POST", route: "/api/v1/issues/{id}/related", prep: func(*testing.T, string) (string, string) {
			return "/api/v1/issues/" + fresh("team-a").ID + "/related", `{"relatedId":"` + fresh("team-b").ID + `"}`
		}, want: onIssues("update", 201, "team-a", "team-b")},
		"unrelate": {method: "DELETE", route: "/api/v1/issues/{id}/related/{relatedId}", prep: func(t *testing.T, _ string) (string, string) {
			x, y := fresh("team-a"), fresh("team-a")
			require.NoError(t, svc.RelateIssues(ctx, x.ID, y.ID))
			return "/api/v1/issues/" + x.ID + "/related/" + y.ID, ""
		}, want: onIssues("update", 204, "team-a", "team-a")},

		"acknowledge": {method: "POST", route: "/api/v1/issues/{id}/acknowledge", prep: onFresh("team-a", "/acknowledge", ""), want: onIssues("update", 200, "team-a")},
		"unacknowledge": {method: "DELETE", route: "/api/v1/issues/{id}/acknowledge", prep: func(t *testing.T, _ string) (string, string) {
			x := fresh("team-a")
			_, err := svc.Acknowledge(ctx, x.ID, true, "setup")
			require.NoError(t, err)
			return "/api/v1/issues/" + x.ID + "/acknowledge", ""
		}, want: onIssues("update", 200, "team-a")},
		"assign": {method: "PUT", route: "/api/v1/issues/{id}/assignee", prep: onFresh("team-a", "/assignee", `{"assignee":"team-payments"}`), want: onIssues("update", 200, "team-a")},
		"unassign": {method: "DELETE", route: "/api/v1/issues/{id}/assignee", prep: func(t *testing.T, _ string) (string, string) {
			x := fresh("team-a")
			_, err := svc.Assign(ctx, x.ID, "team-payments", "setup")
			require.NoError(t, err)
			return "/api/v1/issues/" + x.ID + "/assignee", ""
		}, want: onIssues("update", 200, "team-a")},
		"snooze": {method: "POST", route: "/api/v1/issues/{id}/snooze", prep: onFresh("team-a", "/snooze", `{"until":"2h"}`), want: onIssues("update", 200, "team-a")},
		"unsnooze": {method: "DELETE", route: "/api/v1/issues/{id}/snooze", prep: func(t *testing.T, _ string) (string, string) {
			x := fresh("team-a")
			until := time.Now().Add(time.Hour)
			_, err := svc.Snooze(ctx, x.ID, kite.SnoozeRequest{Until: &until}, "setup")
			require.NoError(t, err)
			return "/api/v1/issues/" + x.ID + "/snooze", ""
		}, want: onIssues("update", 200, "team-a")},
		"comments":       {method: "GET", route: "/api/v1/issues/{id}/comments", prep: fixed("/api/v1/issues/"+a.ID+"/comments", ""), want: onIssues("get", 200, "team-a")},
		"comments other": {method: "GET", route: "/api/v1/issues/{id}/comments", prep: fixed("/api/v1/issues/"+b.ID+"/comments", ""), want: onIssues("get", 200, "team-b")},
		"comment":        {method: "POST", route: "/api/v1/issues/{id}/comments", prep: onFresh("team-a", "/comments", `{"text":"Renewed the certificate"}`), want: onIssues("update", 201, "team-a")},
		// The caller's own comment, which only its author may change.
		"edit comment": {method: "PUT", route: "/api/v1/issues/{id}/comments/{commentId}", prep: func(t *testing.T, user string) (string, string) {
			x := fresh("team-a")
			c, err := svc.AddComment(ctx, x.ID, "first", user)
			require.NoError(t, err)
			return "/api/v1/issues/" + x.ID + "/comments/" + c.ID, `{"text":"second"}`
		}, want: onIssues("update", 200, "team-a")},
		"delete comment": {method: "DELETE", route: "/api/v1/issues/{id}/comments/{commentId}", prep: func(t *testing.T, user string) (string, string) {
			x := fresh("team-a")
			c, err := svc.AddComment(ctx, x.ID, "first", user)
			require.NoError(t, err)
			return "/api/v1/issues/" + x.ID + "/comments/" + c.ID, ""
		}, want: onIssues("update", 204, "team-a")},

		"pipeline-failure": {method: "POST", route: "/api/v1/webhooks/pipeline-failure", prep: fixed("/api/v1/webhooks/pipeline-failure", hook(`{"pipelineName":"p","namespace":"NS","failureReason":"r"}`)),
			want: inNamespaces("create", 201, "team-a")},
		"pipeline-failure other": {method: "POST", route: "/api/v1/webhooks/pipeline-failure", prep: fixed("/api/v1/webhooks/pipeline-failure", `{"pipelineName":"p","namespace":"team-b","failureReason":"r"}`),
			want: inNamespaces("create", 201, "team-b")},
		"pipeline-success": {method: "POST", route: "/api/v1/webhooks/pipeline-success", prep: fixed("/api/v1/webhooks/pipeline-success", hook(`{"pipelineName":"p","namespace":"NS"}`)),
			want: inNamespaces("create", 200, "team-a")},
		"release-failure": {method: "POST", route: "/api/v1/webhooks/release-failure", prep: fixed("/api/v1/webhooks/release-failure", hook(`{"application":"shop","namespace":"NS","failurePhase":"Processing","release":"r1"}`)),
			want: inNamespaces("create", 201, "team-a")},
		"release-success": {method: "POST", route: "/api/v1/webhooks/release-success", prep: fixed("/api/v1/webhooks/release-success", hook(`{"application":"shop","namespace":"NS"}`)),
			want: inNamespaces("create", 200, "team-a")},
		"scope-success": {method: "POST", route: "/api/v1/webhooks/scope-success", prep: fixed("/api/v1/webhooks/scope-success", hook(`{"namespace":"NS","resourceType":"releaseplan","resourceName":"prod"}`)),
			want: inNamespaces("create", 200, "team-a")},
		"mintmaker-custom": {method: "POST", route: "/api/v1/webhooks/mintmaker-custom", prep: fixed("/api/v1/webhooks/mintmaker-custom", hook(`{"pipelineId":"m","namespace":"NS","type":"error","logs":["Renovate failed"]}`)),
			want: inNamespaces("create", 201, "team-a")},

		"list silences":     {method: "GET", route: "/api/v1/silences", prep: fixed("/api/v1/silences?namespace=team-a", ""), want: inNamespaces("list", 200, "team-a")},
		"create silence":    {method: "POST", route: "/api/v1/silences", prep: fixed("/api/v1/silences", silenceBody), want: inNamespaces("update", 201, "team-a")},
		"preview silence":   {method: "POST", route: "/api/v1/silences/preview", prep: fixed("/api/v1/silences/preview", `{"namespaces":["team-a"],"query":"build"}`), want: inNamespaces("list", 200, "team-a")},
		"get silence":       {method: "GET", route: "/api/v1/silences/{id}", prep: func(*testing.T, string) (string, string) { return "/api/v1/silences/" + silence("team-a").ID, "" }, want: onSilence("list", 200, "team-a")},
		"get silence other": {method: "GET", route: "/api/v1/silences/{id}", prep: func(*testing.T, string) (string, string) { return "/api/v1/silences/" + silence("team-b").ID, "" }, want: onSilence("list", 200, "team-b")},
		"update silence": {method: "PUT", route: "/api/v1/silences/{id}", prep: func(*testing.T, string) (string, string) {
			return "/api/v1/silences/" + silence("team-a").ID, silenceBody
		},
			want: onSilence("update", 200, "team-a")},
		"expire silence": {method: "DELETE", route: "/api/v1/silences/{id}", prep: func(*testing.T, string) (string, string) { return "/api/v1/silences/" + silence("team-a").ID, "" },
			want: onSilence("update", 200, "team-a")},

		"list subscriptions": {method: "GET", route: "/api/v1/subscriptions", prep: fixed("/api/v1/subscriptions", ""), want: anyCaller(200)},
		"create subscription": {method: "POST", route: "/api/v1/subscriptions", prep: fixed("/api/v1/subscriptions", `{"name":"n","url":"https://hooks.example/kite","namespaces":["team-a"]}`),
			want: onSubscription(201, http.StatusForbidden, "team-a")},
		"create subscription everywhere": {method: "POST", route: "/api/v1/subscriptions", prep: fixed("/api/v1/subscriptions", `{"name":"n","url":"https://hooks.example/kite"}`),
			want: anyCaller(http.StatusForbidden)},
		"get subscription": {method: "GET", route: "/api/v1/subscriptions/{id}", prep: onSub(""), want: onSubscription(200, http.StatusNotFound, "team-a")},
		"get subscription everywhere": {method: "GET", route: "/api/v1/subscriptions/{id}", prep: func(*testing.T, string) (string, string) { return subscription(), "" },
			want: anyCaller(http.StatusNotFound)},
		"delete subscription": {method: "DELETE", route: "/api/v1/subscriptions/{id}", prep: onSub(""), want: onSubscription(204, http.StatusNotFound, "team-a")},
		"test subscription":   {method: "POST", route: "/api/v1/subscriptions/{id}/test", prep: onSub("/test"), want: onSubscription(200, http.StatusNotFound, "team-a")},
		"deliveries":          {method: "GET", route: "/api/v1/subscriptions/{id}/deliveries", prep: onSub("/deliveries"), want: onSubscription(200, http.StatusNotFound, "team-a")},
		"notifications":       {method: "GET", route: "/api/v1/issues/{id}/notifications", prep: fixed("/api/v1/issues/"+a.ID+"/notifications", ""), want: onIssues("get", 200, "team-a")},
		"notifications other": {method: "GET", route: "/api/v1/issues/{id}/notifications", prep: fixed("/api/v1/issues/"+b.ID+"/notifications", ""), want: onIssues("get", 200, "team-b")},
	}
}

// send makes one request as id and returns its status and body; a stream
// that opens is closed once its status is known.
func send(t *testing.T, base string, id identity, method, path, body string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	require.NoError(t, err)
	if id.token != "" {
		req.Header.Set("Authorization", "Bearer "+id.token)
	}
	for k, v := range id.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		return resp.StatusCode, nil
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// TestRoutesByIdentity sends every route as every identity over the
// cluster's real RBAC and checks the status: what the identity's roles
// allow succeeds; a namespace it may not use is 403; an issue (or a
// silence) it may not read is 404, one it reads but may not change 403;
// rejected credentials are 401, a refused impersonation 403; the open
// routes answer everyone.
func TestRoutesByIdentity(t *testing.T) {
	needCluster(t)
	srv, svc, a, b := kiteServer(t)
	ids := setUpIdentities(t)
	for _, role := range []string{"view", "edit", "admin"} {
		aggregate(t, role, "kite.konflux-ci.dev")
	}
	table := calls(t, svc, a, b)
	requireEveryRoute(t, table)

	for who, id := range ids {
		for name, c := range table {
			want := http.StatusOK
			switch {
			case c.open:
			case id.rejected:
				want = http.StatusUnauthorized
			case id.refused:
				want = http.StatusForbidden
			default:
				want = c.want(id)
			}
			t.Run(who+"/"+name, func(t *testing.T) {
				path, body := c.prep(t, cmp.Or(id.user, "someone"))
				status, raw := send(t, srv.URL, id, c.method, path, body)
				assert.Equal(t, want, status, "%s %s: %s", c.method, path, raw)
			})
		}
	}

	t.Run("a reader's refused change names what it may not do", func(t *testing.T) {
		status, raw := send(t, srv.URL, ids["viewer"], http.MethodPost, "/api/v1/issues/"+a.ID+"/resolve", "")
		require.Equal(t, http.StatusForbidden, status)
		var body map[string]string
		require.NoError(t, json.Unmarshal(raw, &body))
		assert.Equal(t, map[string]string{"error": "Access denied to this issue", "field": "id",
			"details": `system:serviceaccount:team-a:viewer may not update issues in namespace "team-a"`}, body)
	})

	t.Run("namespaces lists what the caller may list", func(t *testing.T) {
		for who, want := range map[string][]string{
			"viewer": {"team-a"}, "proxy as viewer": {"team-a"}, "other namespace": {"team-b"},
			"cluster reader": {"team-a", "team-b"}, "reporter": nil, "no token": nil,
		} {
			status, raw := send(t, srv.URL, ids[who], http.MethodGet, "/api/v1/namespaces", "")
			require.Equal(t, http.StatusOK, status, who)
			var body struct {
				Data []struct {
					Namespace string `json:"namespace"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(raw, &body), "%s", raw)
			var got []string
			for _, d := range body.Data {
				got = append(got, d.Namespace)
			}
			assert.Equal(t, want, got, who)
		}
	})

	servicetest.WaitIndexed(t, svc)
	for _, who := range []string{"viewer", "editor", "proxy as viewer", "cluster reader"} {
		t.Run(who+" searches and counts only team-a", func(t *testing.T) {
			status, raw := send(t, srv.URL, ids[who], http.MethodGet, "/api/v1/search?namespace=team-a&q=build&limit=1000&facets=namespace", "")
			require.Equal(t, http.StatusOK, status, "%s", raw)
			var body struct {
				Total int `json:"total"`
				Hits  []struct {
					Issue kite.Issue `json:"issue"`
				} `json:"data"`
				Facets map[string][]struct {
					Value string `json:"value"`
					Count int    `json:"count"`
				} `json:"facets"`
			}
			require.NoError(t, json.Unmarshal(raw, &body))
			require.NotEmpty(t, body.Hits)
			for _, h := range body.Hits {
				assert.Equal(t, "team-a", h.Issue.Namespace)
			}
			require.Len(t, body.Facets["namespace"], 1, "no other namespace is counted")
			assert.Equal(t, "team-a", body.Facets["namespace"][0].Value)
			assert.Equal(t, body.Total, body.Facets["namespace"][0].Count)
		})
	}

	// A stream follows the namespaces it names and no other: a change in
	// team-b, made first, never reaches a team-a stream, whoever follows.
	for _, who := range []string{"viewer", "editor", "proxy as viewer", "cluster reader"} {
		t.Run(who+" follows team-a only", func(t *testing.T) {
			events := followAs(t, srv.URL, ids[who], "namespace=team-a")
			other, mine := reportIn(t, svc, "team-b", "stream-"+who), reportIn(t, svc, "team-a", "stream-"+who)
			e, ok := nextEvent(t, events)
			require.True(t, ok)
			var c kite.IssueChange
			require.NoError(t, json.Unmarshal(e.data, &c), "%s: %s", e.name, e.data)
			assert.Equal(t, mine.ID, c.ID, "the team-b change (%s) is not streamed", other.ID)
			assert.Equal(t, "team-a", c.Namespace)
		})
	}
	t.Run("cluster reader follows both namespaces", func(t *testing.T) {
		events := followAs(t, srv.URL, ids["cluster reader"], "namespace=team-a&namespace=team-b")
		x, y := reportIn(t, svc, "team-b", "both-1"), reportIn(t, svc, "team-a", "both-2")
		for _, want := range []*kite.Issue{x, y} {
			e, ok := nextEvent(t, events)
			require.True(t, ok)
			assert.Contains(t, string(e.data), want.ID)
		}
	})
}

// followAs opens the event stream of query as id.
func followAs(t *testing.T, base string, id identity, query string) <-chan sse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/v1/events?"+query, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+id.token)
	for k, v := range id.headers {
		req.Header.Set(k, v)
	}
	return stream(t, req)
}

// requireEveryRoute checks that the table has a call for every route of
// the OpenAPI document (which api's tests hold to the router), so that a
// new route cannot go unchecked here.
func requireEveryRoute(t *testing.T, table map[string]call) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "api", "openapi.json"))
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	covered := map[string]bool{}
	for _, c := range table {
		covered[c.method+" "+c.route] = true
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			m := strings.ToUpper(method)
			if !slices.Contains([]string{"GET", "POST", "PUT", "DELETE", "PATCH"}, m) {
				continue
			}
			assert.True(t, covered[m+" "+path], "no call of %s %s in the table", m, path)
		}
	}
}

// TestExpiredTokenIsOnlyExpired: the table's expired token is refused for
// its lifetime alone: the same token, signed the same way with a lifetime
// ahead, is accepted.
func TestExpiredTokenIsOnlyExpired(t *testing.T) {
	needCluster(t)
	srv, _, _, _ := kiteServer(t)
	issued := serviceAccount(t, "team-a", "lifetimes")
	bind(t, "kite-issues-view", "team-a", serviceAccountSubject("team-a", "lifetimes"))
	for exp, want := range map[time.Time]int{
		time.Now().Add(time.Hour):  http.StatusOK,
		time.Now().Add(-time.Hour): http.StatusUnauthorized,
	} {
		status, raw := send(t, srv.URL, identity{token: resign(t, issued, exp)}, http.MethodGet, "/api/v1/issues?namespace=team-a", "")
		assert.Equal(t, want, status, "expires %s: %s", exp, raw)
	}
}

// aggregate does the work of kube-controller-manager's ClusterRole
// aggregation controller, which envtest does not run: the built-in role
// gets the rules of every ClusterRole its aggregation rule selects (by the
// labels deploy/base/rbac-access.yaml sets), and it checks that group is among
// them.
func aggregate(t *testing.T, role, group string) {
	t.Helper()
	ctx := context.Background()
	r, err := cluster.cs.RbacV1().ClusterRoles().Get(ctx, role, metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, r.AggregationRule, role)
	var rules []rbacv1.PolicyRule
	for _, sel := range r.AggregationRule.ClusterRoleSelectors {
		selector, err := metav1.LabelSelectorAsSelector(&sel)
		require.NoError(t, err)
		list, err := cluster.cs.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
		require.NoError(t, err)
		for _, cr := range list.Items {
			rules = append(rules, cr.Rules...)
		}
	}
	found := false
	for _, rule := range rules {
		for _, g := range rule.APIGroups {
			found = found || g == group
		}
	}
	require.True(t, found, "no role aggregated into %s grants %s", role, group)
	r.Rules = rules
	_, err = cluster.cs.RbacV1().ClusterRoles().Update(ctx, r, metav1.UpdateOptions{})
	require.NoError(t, err)
}
