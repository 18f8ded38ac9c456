package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/auth"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestAPIServerOutage stops the cluster mid-run: what was decided recently
// keeps being served from the caches, anything else fails closed with 503,
// never 401 or 200.
func TestAPIServerOutage(t *testing.T) {
	needCluster(t)
	env := &envtest.Environment{}
	cfg, err := env.Start()
	require.NoError(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = env.Stop()
		}
	})
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	token := func(name string) string {
		_, err := cs.CoreV1().ServiceAccounts("team-a").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		require.NoError(t, err)
		tr, err := cs.CoreV1().ServiceAccounts("team-a").CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
		require.NoError(t, err)
		return tr.Status.Token
	}
	viewer, other := token("viewer"), token("other")
	_, err = cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "issues-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"kite.konflux-ci.dev"}, Resources: []string{"issues"}, Verbs: []string{"get", "list"}}}},
		metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cs.RbacV1().RoleBindings("team-a").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "viewer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "issues-reader"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "viewer", Namespace: "team-a"}}}, metav1.CreateOptions{})
	require.NoError(t, err)

	svc := servicetest.Open(t)
	// Long enough that the cached answers outlive stopping the cluster.
	reg := prometheus.NewRegistry()
	k, err := auth.New(auth.Options{Config: cfg, TokenTTL: time.Minute, AllowTTL: time.Minute, DenyTTL: time.Minute,
		ReviewTimeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler), Registerer: reg})
	require.NoError(t, err)
	h, err := api.New(api.Options{Service: svc, Authenticator: k, Authorizer: k})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	get := func(token, path string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, 200, get(viewer, "/api/v1/issues?namespace=team-a"))
	require.Equal(t, 403, get(viewer, "/api/v1/issues?namespace=team-b"))

	require.NoError(t, env.Stop())
	stopped = true
	assert.Equal(t, 200, get(viewer, "/api/v1/issues?namespace=team-a"), "a cached token and decision keep serving")
	assert.Equal(t, 403, get(viewer, "/api/v1/issues?namespace=team-b"), "a cached denial too")
	assert.Zero(t, counter(t, reg, "kite_authorizations_total", "outcome", "error"))
	assert.Equal(t, 503, get(viewer, "/api/v1/issues?namespace=team-c"), "an uncached decision fails closed")
	assert.Equal(t, float64(1), counter(t, reg, "kite_authorizations_total", "outcome", "error"), "and is counted")
	assert.Zero(t, counter(t, reg, "kite_authentications_total", "result", "error"))
	assert.Equal(t, 503, get(other, "/api/v1/issues?namespace=team-a"), "an uncached token fails closed, not as anonymous")
	assert.Equal(t, float64(1), counter(t, reg, "kite_authentications_total", "result", "error"), "and is counted")
}
