package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestImpersonationOverRBAC: a proxy acts for a service account with the
// account's groups (a grant to system:serviceaccounts:NS reaches it), and
// with a uid and extras exactly as far as the cluster's RBAC lets it
// impersonate them.
func TestImpersonationOverRBAC(t *testing.T) {
	needCluster(t)
	srv, _, _, _ := kiteServer(t)
	ctx := context.Background()
	proxy := identity{token: serviceAccount(t, "console", "impersonator")}
	_, err := cluster.cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "impersonate-viewer-with-extras"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"serviceaccounts"}, Verbs: []string{"impersonate"}, ResourceNames: []string{"viewer"}},
			{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"userextras/scopes"}, Verbs: []string{"impersonate"}, ResourceNames: []string{"view"}},
			{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"uids"}, Verbs: []string{"impersonate"}, ResourceNames: []string{"uid-1"}},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	bind(t, "impersonate-viewer-with-extras", "", serviceAccountSubject("console", "impersonator"))
	// team-c is readable by every service account of team-a, as a group.
	bind(t, "kite-issues-view", "team-c", rbacv1.Subject{Kind: "Group", Name: "system:serviceaccounts:team-a"})

	as := func(headers ...string) identity {
		id := proxy
		id.headers = map[string]string{"Impersonate-User": "system:serviceaccount:team-a:viewer"}
		for i := 0; i+1 < len(headers); i += 2 {
			id.headers[headers[i]] = headers[i+1]
		}
		return id
	}
	status, raw := send(t, srv.URL, as(), http.MethodGet, "/api/v1/issues?namespace=team-c", "")
	assert.Equal(t, http.StatusOK, status, "the account's group is granted team-c: %s", raw)

	status, raw = send(t, srv.URL, as("Impersonate-Uid", "uid-1", "Impersonate-Extra-Scopes", "view"), http.MethodGet, "/api/v1/auth/whoami", "")
	require.Equal(t, http.StatusOK, status, "%s", raw)
	var who map[string]any
	require.NoError(t, json.Unmarshal(raw, &who))
	assert.Equal(t, "uid-1", who["uid"])
	assert.Equal(t, map[string]any{"scopes": []any{"view"}}, who["extra"])
	assert.Equal(t, []any{"system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"}, who["groups"])

	for name, id := range map[string]identity{
		"an extra value it may not impersonate": as("Impersonate-Extra-Scopes", "admin"),
		"an extra key it may not impersonate":   as("Impersonate-Extra-Team", "view"),
		"a uid it may not impersonate":          as("Impersonate-Uid", "uid-2"),
		"a group it may not impersonate":        as("Impersonate-Group", "system:masters"),
	} {
		status, raw := send(t, srv.URL, id, http.MethodGet, "/api/v1/auth/whoami", "")
		assert.Equal(t, http.StatusForbidden, status, "%s: %s", name, raw)
	}
}
