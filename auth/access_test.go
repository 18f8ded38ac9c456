package auth_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/auth"
	"github.com/konflux-ci/kite/service/servicetest"
)

// kiteServer is Kite's API over a real service, authenticating and
// authorizing against the envtest cluster.
func kiteServer(t *testing.T) (*httptest.Server, *kite.Issue, *kite.Issue) {
	t.Helper()
	svc := servicetest.Open(t)
	k, err := auth.New(auth.Options{Config: cluster.cfg, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	h, err := api.New(api.Options{Service: svc, Authenticator: k, Authorizer: k})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	report := func(ns string) *kite.Issue {
		res, err := svc.Report(context.Background(), kite.Report{Namespace: ns, Title: "Build failed in " + ns, Description: "d",
			Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
		require.NoError(t, err)
		return res.Issue
	}
	a, b := report("team-a"), report("team-b")
	servicetest.WaitIndexed(t, svc)
	return srv, a, b
}

// identities are the callers of the table test: a token each ("" for none).
type identities map[string]string

func setUpIdentities(t *testing.T) identities {
	t.Helper()
	ids := identities{"no token": "", "bad token": "not-a-token"}
	ids["viewer"] = serviceAccount(t, "team-a", "viewer")
	bind(t, "view", "team-a", serviceAccountSubject("team-a", "viewer"))
	ids["editor"] = serviceAccount(t, "team-a", "editor")
	bind(t, "edit", "team-a", serviceAccountSubject("team-a", "editor"))
	ids["reporter"] = serviceAccount(t, "ci", "reporter")
	bind(t, "kite-reporter", "team-a", serviceAccountSubject("ci", "reporter"))
	ids["other namespace"] = serviceAccount(t, "team-b", "viewer")
	bind(t, "view", "team-b", serviceAccountSubject("team-b", "viewer"))
	ids["cluster reader"] = serviceAccount(t, "ops", "reader")
	bind(t, "kite-issues-view", "", serviceAccountSubject("ops", "reader"))
	ids["backup taker"] = serviceAccount(t, "ops", "backup")
	bind(t, "kite-backup", "", serviceAccountSubject("ops", "backup"))
	ids["proxy"] = serviceAccount(t, "console", "proxy")
	ctx := context.Background()
	_, err := cluster.cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "impersonate-team-a-viewer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"serviceaccounts"},
			Verbs: []string{"impersonate"}, ResourceNames: []string{"viewer"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	bind(t, "impersonate-team-a-viewer", "team-a", serviceAccountSubject("console", "proxy"))
	// A token whose service account is gone is rejected, as an expired one
	// is (TokenRequest's shortest lifetime is ten minutes).
	ids["deleted account"] = serviceAccount(t, "team-a", "gone")
	require.NoError(t, cluster.cs.CoreV1().ServiceAccounts("team-a").Delete(ctx, "gone", metav1.DeleteOptions{}))
	return ids
}

func TestRoutesByIdentity(t *testing.T) {
	needCluster(t)
	srv, a, b := kiteServer(t)
	ids := setUpIdentities(t)
	aggregate(t, "view", "kite.konflux-ci.dev")
	aggregate(t, "edit", "kite.konflux-ci.dev")

	hook := `{"pipelineName":"p","namespace":"team-a","failureReason":"r"}`
	type call struct{ method, path, body string }
	calls := map[string]call{
		"list":         {"GET", "/api/v1/issues?namespace=team-a", ""},
		"list other":   {"GET", "/api/v1/issues?namespace=team-b", ""},
		"get":          {"GET", "/api/v1/issues/" + a.ID, ""},
		"get other":    {"GET", "/api/v1/issues/" + b.ID, ""},
		"timeline":     {"GET", "/api/v1/issues/" + a.ID + "/timeline", ""},
		"search":       {"GET", "/api/v1/search?namespace=team-a&q=build", ""},
		"search both":  {"GET", "/api/v1/search?q=build+ns:team-a+ns:team-b", ""},
		"create":       {"POST", "/api/v1/issues", `{"title":"t","description":"d","severity":"major","issueType":"build","namespace":"team-a","scope":{"resourceType":"component","resourceName":"new"}}`},
		"webhook":      {"POST", "/api/v1/webhooks/pipeline-failure", hook},
		"update":       {"PUT", "/api/v1/issues/" + a.ID, `{"severity":"critical"}`},
		"resolve":      {"POST", "/api/v1/issues/" + a.ID + "/resolve", ""},
		"delete other": {"DELETE", "/api/v1/issues/" + b.ID, ""},
		// Refused to everyone who asks it here: an allowed delete would
		// take the issue from the other calls.
		"delete":       {"DELETE", "/api/v1/issues/" + a.ID, ""},
		"metrics":      {"GET", "/metrics", ""},
		"events other": {"GET", "/api/v1/events?namespace=team-b", ""},
		"events both":  {"GET", "/api/v1/events?namespace=team-a&namespace=team-b", ""},
		"healthz":      {"GET", "/healthz", ""},
		"backup":       {"GET", "/api/v1/admin/backup", ""},
	}
	// Expected status by identity and call. Ids of issues the caller may
	// not read are 404, never 403; a change to one it reads but may not
	// change is 403.
	want := map[string]map[string]int{
		"no token": {"events other": 403, "list": 403, "list other": 403, "get": 404, "get other": 404, "timeline": 404, "search": 403, "search both": 403,
			"create": 403, "webhook": 403, "update": 404, "resolve": 404, "delete": 404, "delete other": 404, "metrics": 403, "healthz": 200},
		"bad token": {"list": 401, "list other": 401, "get": 401, "get other": 401, "timeline": 401, "search": 401, "search both": 401,
			"create": 401, "webhook": 401, "update": 401, "resolve": 401, "delete other": 401, "metrics": 401, "healthz": 200},
		"deleted account": {"list": 401, "get": 401, "webhook": 401, "healthz": 200},
		"viewer": {"events other": 403, "events both": 403, "list": 200, "list other": 403, "get": 200, "get other": 404, "timeline": 200, "search": 200, "search both": 403,
			"create": 403, "webhook": 403, "update": 403, "resolve": 403, "delete": 403, "delete other": 404, "metrics": 403, "healthz": 200},
		"editor": {"list": 200, "list other": 403, "get": 200, "get other": 404, "timeline": 200, "search": 200, "search both": 403,
			"create": 201, "webhook": 201, "update": 200, "resolve": 200, "delete other": 404, "metrics": 403, "backup": 403},
		"reporter":        {"list": 403, "get": 404, "search": 403, "create": 201, "webhook": 201, "update": 404, "resolve": 404, "delete": 404},
		"other namespace": {"list": 403, "list other": 200, "get": 404, "get other": 200, "search both": 403, "webhook": 403, "update": 404, "resolve": 404, "delete": 404, "delete other": 403},
		"cluster reader": {"list": 200, "list other": 200, "get": 200, "get other": 200, "search both": 200, "webhook": 403, "update": 403, "resolve": 403,
			"delete": 403, "delete other": 403, "backup": 403},
		"backup taker": {"backup": 200, "list": 403, "webhook": 403},
	}
	for who, token := range ids {
		if want[who] == nil {
			continue
		}
		for name, wantStatus := range want[who] {
			c, ok := calls[name]
			require.True(t, ok, "no call %q", name)
			t.Run(who+"/"+name, func(t *testing.T) {
				req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
				require.NoError(t, err)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				assert.Equal(t, wantStatus, resp.StatusCode, "%s", body)
			})
		}
	}

	t.Run("a reader's refused change names what it may not do", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/issues/"+a.ID+"/resolve", nil)
		req.Header.Set("Authorization", "Bearer "+ids["viewer"])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		var body map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		assert.Equal(t, map[string]string{"error": "Access denied to this issue", "field": "id",
			"details": `system:serviceaccount:team-a:viewer may not update issues in namespace "team-a"`}, body)
	})

	t.Run("facets count only what the viewer sees", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/search?namespace=team-a&q=build&facets=namespace", nil)
		req.Header.Set("Authorization", "Bearer "+ids["viewer"])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var body struct {
			Total  int                         `json:"total"`
			Facets map[string][]map[string]any `json:"facets"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		assert.Equal(t, 1, body.Total)
		require.Len(t, body.Facets["namespace"], 1)
		assert.Equal(t, "team-a", body.Facets["namespace"][0]["value"])
	})

	t.Run("viewer follows its namespace", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/events?namespace=team-a", nil)
		req.Header.Set("Authorization", "Bearer "+ids["viewer"])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})

	t.Run("impersonating proxy", func(t *testing.T) {
		do := func(as string) int {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/issues/"+a.ID, nil)
			req.Header.Set("Authorization", "Bearer "+ids["proxy"])
			req.Header.Set("Impersonate-User", as)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			return resp.StatusCode
		}
		assert.Equal(t, 200, do("system:serviceaccount:team-a:viewer"), "allowed to act for the viewer")
		assert.Equal(t, 403, do("system:serviceaccount:team-a:editor"), "not allowed to act for the editor")
	})
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
