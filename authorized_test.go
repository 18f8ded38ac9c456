package kite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
)

// grants is an Authorizer from a table: user -> "verb ns" allowed ("verb *"
// for every namespace, which also answers the cluster-scope question).
type grants map[string][]string

func (g grants) Authorize(_ context.Context, p *kite.Principal, a kite.Access) (bool, error) {
	if p.Name == "broken" {
		return false, errors.New("the API server is down")
	}
	for _, gr := range g[p.Name] {
		if gr == a.Verb+" *" || (a.Namespace != "" && gr == a.Verb+" "+a.Namespace) {
			return true, nil
		}
	}
	return false, nil
}

func as(name string) context.Context {
	return kite.WithPrincipal(context.Background(), &kite.Principal{Name: name})
}

func TestAuthorizedService(t *testing.T) {
	svc := servicetest.Open(t)
	report := func(ns string) *kite.Issue {
		res, err := svc.Report(context.Background(), kite.Report{Namespace: ns, Title: "t " + ns, Description: "d",
			Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
		require.NoError(t, err)
		return res.Issue
	}
	a, b := report("team-a"), report("team-b")
	servicetest.WaitIndexed(t, svc)
	az := kite.Authorized(svc, grants{
		"viewer":   {"get team-a", "list team-a", "watch team-a"},
		"editor":   {"get team-a", "list team-a", "update team-a", "delete team-a", "create team-a"},
		"reporter": {"create team-a"},
		"reader":   {"get *", "list *", "watch *"},
	})

	t.Run("get", func(t *testing.T) {
		_, err := az.GetIssue(as("viewer"), a.ID)
		require.NoError(t, err)
		_, err = az.GetIssue(as("viewer"), b.ID)
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "another namespace's issue does not exist for the caller")
		_, err = az.GetIssue(context.Background(), a.ID)
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "no principal is the anonymous caller")
		_, err = az.GetIssue(as("broken"), a.ID)
		assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err), "no answer fails closed")
	})
	t.Run("list", func(t *testing.T) {
		_, err := az.ListIssues(as("viewer"), kite.IssueFilter{Namespace: "team-a"})
		require.NoError(t, err)
		_, err = az.ListIssues(as("viewer"), kite.IssueFilter{Namespace: "team-b"})
		assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
		assert.Equal(t, "namespace", kite.ErrorField(err))
	})
	t.Run("writes", func(t *testing.T) {
		_, err := az.ResolveIssue(as("viewer"), a.ID, "viewer")
		assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err), "a viewer may not resolve an issue it reads")
		assert.Equal(t, "Access denied to this issue", kite.ErrorMessage(err))
		assert.Equal(t, `viewer may not update issues in namespace "team-a"`, kite.ErrorDetails(err))
		assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(az.DeleteIssue(as("viewer"), a.ID)))
		assert.Contains(t, kite.ErrorDetails(az.DeleteIssue(as("viewer"), a.ID)), "may not delete")
		_, err = az.ResolveIssue(as("viewer"), b.ID, "viewer")
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "nor one it cannot read, which does not exist for it")
		_, err = az.ResolveIssue(as("reporter"), a.ID, "reporter")
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "a reporter reads nothing, so it finds nothing to resolve")
		_, err = az.ResolveIssue(as("editor"), a.ID, "editor")
		require.NoError(t, err)
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(az.DeleteIssue(as("editor"), b.ID)))
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(az.RelateIssues(as("editor"), a.ID, b.ID)))
		assert.Equal(t, "one or both issues not found", kite.ErrorMessage(az.RelateIssues(as("editor"), a.ID, b.ID)))
		_, err = az.Report(as("reporter"), kite.Report{Namespace: "team-b", Title: "t", Description: "d", Severity: kite.SeverityMajor,
			IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
		assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
		n, err := az.ResolveScope(as("reporter"), kite.Resolution{Namespace: "team-a", ResourceType: "component", ResourceName: "c"})
		require.NoError(t, err)
		assert.Zero(t, n)
		_, err = az.GetIssue(as("reporter"), a.ID)
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "a reporter reads nothing")
	})
	t.Run("search over namespaces", func(t *testing.T) {
		res, err := az.Search(as("viewer"), kite.SearchRequest{Query: "ns:team-a", Facets: []string{kite.FieldNamespace}})
		require.NoError(t, err)
		assert.Equal(t, 1, res.Total)
		_, err = az.Search(as("viewer"), kite.SearchRequest{Query: "ns:team-a ns:team-b"})
		assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err), "every namespace named is checked")
		res, err = az.Search(as("reader"), kite.SearchRequest{Query: "ns:team-a ns:team-b"})
		require.NoError(t, err)
		assert.Equal(t, 2, res.Total, "a reader of every namespace")
	})
	t.Run("stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(as("viewer"))
		defer cancel()
		_, err := az.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a"}})
		require.NoError(t, err)
		_, err = az.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a", "team-b"}})
		assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	})
}

// TestAuthorizedTriage: triage changes need update on the issue's
// namespace, reading comments get; a caller who reads the issue but may
// not change it is forbidden, one who cannot read it finds nothing, as for
// every other edit.
func TestAuthorizedTriage(t *testing.T) {
	svc := servicetest.Open(t)
	res, err := svc.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "t", Description: "d",
		Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	require.NoError(t, err)
	id := res.Issue.ID
	az := kite.Authorized(svc, grants{
		"viewer":   {"get team-a"},
		"editor":   {"get team-a", "update team-a"},
		"stranger": {"get team-b", "update team-b"},
	})
	writes := map[string]func(ctx context.Context) error{
		"acknowledge": func(ctx context.Context) error { _, err := az.Acknowledge(ctx, id, true, "x"); return err },
		"assign":      func(ctx context.Context) error { _, err := az.Assign(ctx, id, "x", "x"); return err },
		"comment":     func(ctx context.Context) error { _, err := az.AddComment(ctx, id, "x", "x"); return err },
	}
	for name, w := range writes {
		assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(w(as("viewer"))), name)
		assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(w(as("stranger"))), name)
		assert.NoError(t, w(as("editor")), name)
	}
	list, err := az.Comments(as("viewer"), id)
	require.NoError(t, err)
	require.Len(t, list, 1)
	_, err = az.Comments(as("stranger"), id)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	_, err = az.EditComment(as("viewer"), id, list[0].ID, "y", "x")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(az.DeleteComment(as("viewer"), id, list[0].ID, "x")))
	_, err = az.EditComment(as("stranger"), id, list[0].ID, "y", "x")
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	assert.NoError(t, az.DeleteComment(as("editor"), id, list[0].ID, "x"))
}

// TestAuthorizedSilences: a silence is read with list and written with
// update in every namespace it names; one the caller may not read is not
// found or not listed.
func TestAuthorizedSilences(t *testing.T) {
	svc := servicetest.Open(t)
	az := kite.Authorized(svc, grants{
		"viewer": {"list team-a"},
		"editor": {"list team-a", "update team-a"},
		"both":   {"list team-a", "update team-a", "list team-b", "update team-b"},
	})
	req := func(ns ...string) kite.SilenceRequest {
		return kite.SilenceRequest{Namespaces: ns, EndsAt: time.Now().Add(time.Hour), Comment: "c"}
	}
	_, err := az.CreateSilence(as("viewer"), req("team-a"), "viewer")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	a, err := az.CreateSilence(as("editor"), req("team-a"), "editor")
	require.NoError(t, err)
	_, err = az.CreateSilence(as("editor"), req("team-a", "team-b"), "editor")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	ab, err := az.CreateSilence(as("both"), req("team-a", "team-b"), "both")
	require.NoError(t, err)

	list, err := az.Silences(as("viewer"), kite.SilenceFilter{Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	require.Len(t, list, 1, "the team-a and team-b silence is not the viewer's to read")
	assert.Equal(t, a.ID, list[0].ID)
	_, err = az.GetSilence(as("viewer"), ab.ID)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
	_, err = az.ExpireSilence(as("viewer"), a.ID, "viewer")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	_, err = az.UpdateSilence(as("editor"), a.ID, req("team-b"), "editor")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err), "moving it to a namespace one may not update")
	_, err = az.ExpireSilence(as("editor"), a.ID, "editor")
	assert.NoError(t, err)
	_, err = az.Silences(as("viewer"), kite.SilenceFilter{})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
}

// TestAuthorizedNamespaces: the all-namespaces list holds what the caller
// may list, every namespace for a cluster-wide reader.
func TestAuthorizedNamespaces(t *testing.T) {
	svc := servicetest.Open(t)
	for _, ns := range []string{"team-a", "team-b", "team-c"} {
		_, err := svc.Report(context.Background(), kite.Report{Namespace: ns, Title: "t", Description: "d",
			Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
		require.NoError(t, err)
	}
	az := kite.Authorized(svc, grants{"some": {"list team-a", "list team-c"}, "all": {"list *"}})
	names := func(user string) []string {
		list, err := az.Namespaces(as(user))
		require.NoError(t, err)
		var out []string
		for _, n := range list {
			out = append(out, n.Namespace)
		}
		return out
	}
	assert.Equal(t, []string{"team-a", "team-c"}, names("some"))
	assert.Equal(t, []string{"team-a", "team-b", "team-c"}, names("all"))
	assert.Empty(t, names("nobody"))
}
