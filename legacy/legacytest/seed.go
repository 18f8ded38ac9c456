package legacytest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Issue is a row the seed writes, named for the tests' assertions.
type Issue struct {
	Name, ID, Title, Severity, Type, Namespace string
	State                                      *string
	ScopeType, ScopeName                       string
	Detected                                   time.Time
	Updated, Resolved                          *time.Time
	Links                                      [][2]string // title, url
}

// Seeded is what Seed wrote.
type Seeded struct {
	Issues map[string]*Issue
	// Relations are source and target names.
	Relations [][2]string
}

// ID is the id of the seeded issue name.
func (s *Seeded) ID(name string) string { return s.Issues[name].ID }

func ts(day, hour int) time.Time { return time.Date(2025, 4, day, hour, 0, 0, 0, time.UTC) }
func tp(day, hour int) *time.Time {
	t := ts(day, hour)
	return &t
}
func str(s string) *string { return &s }

// Seed fills the original's tables with data shaped like the original's own
// examples (its seed data and what its webhooks write), plus what real
// databases of it hold and Kite must fix on the way in:
//   - severities and types in any case, "medium" and "High", words Kite
//     does not know ("urgent", "deployment"), a NULL state;
//   - three active issues of one scope (two reports raced) and a scope
//     that failed again after each resolution (two resolved issues beside
//     an active one), and a scope with only resolved issues;
//   - a RESOLVED issue without resolved_at and an ACTIVE one with one;
//   - a link that is not an http(s) URL;
//   - an issue whose namespace Kite cannot hold (refused);
//   - relations, one of them from a duplicate that is merged away.
func Seed(t testing.TB, dsn string) *Seeded {
	t.Helper()
	issues := []*Issue{
		{Name: "build", Title: "Frontend build failed due to dependency conflict", Severity: "major", Type: "build", Namespace: "team-alpha",
			State: str("ACTIVE"), ScopeType: "component", ScopeName: "frontend-ui", Detected: ts(30, 15), Updated: tp(30, 16),
			Links: [][2]string{{"Build Logs", "https://konflux.dev/logs/build/frontend-ui/12345"}, {"Fix Instructions", "https://konflux.dev/docs/fixing-dependency-conflicts"}}},
		{Name: "test", Title: "API integration tests failing on database connection", Severity: "Critical", Type: "test", Namespace: "team-alpha",
			State: str("ACTIVE"), ScopeType: "component", ScopeName: "backend-api", Detected: ts(29, 9), Updated: tp(29, 9)},
		{Name: "release", Title: "Production release failed during deployment", Severity: "medium", Type: "release", Namespace: "team-beta",
			State: str("ACTIVE"), ScopeType: "application", ScopeName: "e-commerce-app", Detected: ts(29, 18), Updated: tp(29, 18),
			Links: [][2]string{{"Release Logs", "https://konflux.dev/logs/release/e-commerce-app/34567"}}},
		{Name: "deps", Title: "Frontend dependency updates available", Severity: "High", Type: "Dependency", Namespace: "team-alpha",
			State: str("active"), ScopeType: "component", ScopeName: "frontend-ui-deps", Detected: ts(28, 14), Updated: tp(28, 14)},
		// Three reports of one failing pipeline that raced.
		{Name: "dup1", Title: "Pipeline run failed: analytics-deploy", Severity: "major", Type: "pipeline", Namespace: "team-delta",
			State: str("ACTIVE"), ScopeType: "pipelinerun", ScopeName: "analytics-deploy", Detected: ts(20, 10), Updated: tp(20, 11),
			Links: [][2]string{{"Pipeline Run Logs", "https://konflux.dev/logs/pipelineruns/run-1"}}},
		{Name: "dup2", Title: "Pipeline run failed: analytics-deploy (permissions)", Severity: "medium", Type: "pipeline", Namespace: "team-delta",
			State: str("ACTIVE"), ScopeType: "pipelinerun", ScopeName: "analytics-deploy", Detected: ts(20, 12), Updated: tp(25, 8),
			Links: [][2]string{{"Pipeline Run Logs", "https://konflux.dev/logs/pipelineruns/run-2"}, {"Permissions Guide", "https://konflux.dev/docs/pipeline-permissions"}}},
		{Name: "dup3", Title: "Pipeline run failed: analytics-deploy", Severity: "major", Type: "pipeline", Namespace: "team-delta",
			State: str("ACTIVE"), ScopeType: "pipelinerun", ScopeName: "analytics-deploy", Detected: ts(21, 9), Updated: tp(21, 9),
			Links: [][2]string{{"Pipeline Run Logs", "https://konflux.dev/logs/pipelineruns/run-1"}}},
		// A scope that failed, was resolved, and failed again, twice.
		{Name: "hist1", Title: "Pipeline run failed: mobile-build", Severity: "minor", Type: "pipeline", Namespace: "team-alpha",
			State: str("RESOLVED"), ScopeType: "pipelinerun", ScopeName: "mobile-build", Detected: ts(1, 8), Updated: tp(2, 8), Resolved: tp(2, 8)},
		{Name: "hist2", Title: "Pipeline run failed: mobile-build", Severity: "minor", Type: "pipeline", Namespace: "team-alpha",
			State: str("RESOLVED"), ScopeType: "pipelinerun", ScopeName: "mobile-build", Detected: ts(5, 8), Updated: tp(6, 8), Resolved: tp(6, 8)},
		{Name: "hist3", Title: "Pipeline run failed: mobile-build", Severity: "minor", Type: "pipeline", Namespace: "team-alpha",
			State: str("ACTIVE"), ScopeType: "pipelinerun", ScopeName: "mobile-build", Detected: ts(10, 8), Updated: tp(10, 9)},
		// A scope with only resolved issues: the newest holds it.
		{Name: "old1", Title: "Build warnings in logging component", Severity: "info", Type: "build", Namespace: "team-gamma",
			State: str("RESOLVED"), ScopeType: "component", ScopeName: "logging-service", Detected: ts(3, 8), Updated: tp(4, 8), Resolved: tp(4, 8)},
		{Name: "old2", Title: "Build warnings in logging component", Severity: "info", Type: "build", Namespace: "team-gamma",
			State: str("RESOLVED"), ScopeType: "component", ScopeName: "logging-service", Detected: ts(7, 8), Updated: tp(8, 8), Resolved: tp(8, 8)},
		// What Kite normalises.
		{Name: "odd", Title: "Quota exceeded during deployment", Severity: "urgent", Type: "deployment", Namespace: "team-beta",
			State: nil, ScopeType: "application", ScopeName: "e-commerce-app-quota", Detected: ts(26, 8),
			Links: [][2]string{{"Runbook", "ftp://konflux.dev/runbooks/quota"}, {"", "https://konflux.dev/docs/resource-quota"}}},
		{Name: "noresolvedat", Title: "Database client library needs security update", Severity: "critical", Type: "dependency", Namespace: "team-beta",
			State: str("RESOLVED"), ScopeType: "application", ScopeName: "e-commerce-app-db", Detected: ts(25, 9), Updated: tp(30, 13)},
		{Name: "staleresolvedat", Title: "Pipeline tasks using deprecated API versions", Severity: "minor", Type: "pipeline", Namespace: "team-gamma",
			State: str("ACTIVE"), ScopeType: "workspace", ScopeName: "data-processing", Detected: ts(25, 11), Updated: tp(27, 11), Resolved: tp(26, 11)},
		// Kite cannot hold a namespace this long.
		{Name: "refused", Title: "An issue in a namespace Kite cannot hold", Severity: "major", Type: "build", Namespace: strings.Repeat("n", 300),
			State: str("ACTIVE"), ScopeType: "component", ScopeName: "x", Detected: ts(24, 8)},
	}
	rels := [][2]string{{"build", "deps"}, {"dup2", "test"}, {"hist1", "release"}, {"test", "dup3"}}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	out := &Seeded{Issues: map[string]*Issue{}, Relations: rels}
	for i, is := range issues {
		is.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		scope := fmt.Sprintf("00000000-0000-4000-9000-%012d", i+1)
		if _, err := conn.Exec(ctx, `INSERT INTO issue_scopes (id, resource_type, resource_name, resource_namespace) VALUES ($1, $2, $3, $4)`,
			scope, is.ScopeType, is.ScopeName, is.Namespace); err != nil {
			t.Fatal(err)
		}
		created := is.Detected
		if _, err := conn.Exec(ctx, `INSERT INTO issues (id, title, description, severity, issue_type, state, detected_at, resolved_at, namespace, scope_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			is.ID, is.Title, "The "+strings.ToLower(is.Title)+".", is.Severity, is.Type, is.State, is.Detected, is.Resolved, is.Namespace, scope, created, is.Updated); err != nil {
			t.Fatal(err)
		}
		for j, l := range is.Links {
			if _, err := conn.Exec(ctx, `INSERT INTO links (id, title, url, issue_id) VALUES ($1, $2, $3, $4)`,
				fmt.Sprintf("00000000-0000-4000-a%03d-%012d", j, i+1), l[0], l[1], is.ID); err != nil {
				t.Fatal(err)
			}
		}
		out.Issues[is.Name] = is
	}
	for i, r := range rels {
		if _, err := conn.Exec(ctx, `INSERT INTO related_issues (id, source_id, target_id) VALUES ($1, $2, $3)`,
			fmt.Sprintf("00000000-0000-4000-b000-%012d", i+1), out.ID(r[0]), out.ID(r[1])); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
