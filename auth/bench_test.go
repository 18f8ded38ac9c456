package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/auth"
	"github.com/konflux-ci/kite/service/servicetest"
)

// BenchmarkGetIssue serves GET /api/v1/issues/{id} through the real
// handler, without authentication and with it (a service account's token
// and its decision already cached, as for a client's every request but
// the first in a few seconds), and reports each one's p50. The difference
// is what authentication and authorization add to a request.
//
//	KUBEBUILDER_ASSETS=$(scripts/envtest.sh) go test -run '^$' -bench GetIssue ./auth/
func BenchmarkGetIssue(b *testing.B) {
	if cluster.cfg == nil {
		b.Skip(cluster.skip)
	}
	svc := servicetest.Open(b)
	res, err := svc.Report(context.Background(), kite.Report{Namespace: "bench", Title: "Build failed", Description: "d",
		Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	if err != nil {
		b.Fatal(err)
	}
	token := serviceAccount(b, "bench", "reader")
	bind(b, "kite-issues-view", "bench", rbacv1.Subject{Kind: "ServiceAccount", Name: "reader", Namespace: "bench"})
	k, err := auth.New(auth.Options{Config: cluster.cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	open, err := api.New(api.Options{Service: svc})
	if err != nil {
		b.Fatal(err)
	}
	authed, err := api.New(api.Options{Service: svc, Authenticator: k, Authorizer: k})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		h     http.Handler
		token string
	}{{"open", open, ""}, {"authenticated", authed, token}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/issues/"+res.Issue.ID, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			serve := func() {
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d: %s", w.Code, w.Body)
				}
			}
			serve() // the first request reviews and caches
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				serve()
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
		})
	}
}
