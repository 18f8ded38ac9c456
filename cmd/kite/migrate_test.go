package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/legacy"
	"github.com/konflux-ci/kite/legacy/legacytest"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/store"
)

// TestImportFromPostgres migrates a real PostgreSQL database in the
// original Kite's schema into a data directory where Kite already ran
// beside the original (it holds one scope the original also has): a dry
// run writes nothing; the import brings every issue Kite can hold with
// its id, links and relations, merges the duplicates, keeps the original's
// issue of the scope Kite holds beside Kite's as a resolved duplicate,
// reports every normalisation and the refused issue (exit 1); the store
// checks clean and a server on it finds the migrated issues; a second run
// changes nothing.
func TestImportFromPostgres(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	dsn := legacytest.Start(t)
	seed := legacytest.Seed(t, dsn)
	id := seed.ID

	dst := t.TempDir()
	st, err := store.Open(store.Options{Dir: dst})
	require.NoError(t, err)
	live, err := st.Report(context.Background(), kite.Report{Namespace: "team-beta", Title: "Release failed", Description: "seen by Kite",
		Severity: "major", IssueType: "release", Scope: kite.Scope{ResourceType: "application", ResourceName: "e-commerce-app"}})
	require.NoError(t, err)
	rev, err := st.Rev()
	require.NoError(t, err)
	require.NoError(t, st.Close())
	kiteHolder := live.Issue.ID

	var out, errb bytes.Buffer
	code := run([]string{"import", "--from-postgres", dsn, "--data-dir", dst, "--dry-run"}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitError, code, "one issue cannot be held: %s", errb.String())
	assert.Contains(t, out.String(), "would import 13 issue(s); 0 already present")
	st, err = store.Open(store.Options{Dir: dst})
	require.NoError(t, err)
	after, err := st.Rev()
	require.NoError(t, err)
	require.NoError(t, st.Close())
	assert.Equal(t, rev, after, "a dry run writes nothing")

	out.Reset()
	errb.Reset()
	code = run([]string{"import", "--from-postgres", dsn, "--data-dir", dst}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitError, code)
	report := out.String()
	for _, want := range []string{
		"imported 13 issue(s); 0 already present; 0 skipped: their scope is held by another issue; 4 relation(s) joined",
		"read 16 issue(s), 9 link(s), 4 relation(s) from the original Kite",
		"merged 2 duplicate active issue(s) into 1 issue(s) of the same scope",
		"kept 3 resolved issue(s) as history",
		`severity "medium" -> major: 2 issue(s) (` + id("release") + ", " + id("dup2") + ")",
		`severity "urgent" (unknown) -> major: 1 issue(s)`,
		"refused 1 issue(s):\n  " + id("refused") + ": namespace",
		"kept 1 issue(s) beside the issue of Kite that holds their scope",
		id("release") + " beside " + kiteHolder,
	} {
		assert.Contains(t, report, want)
	}
	assert.Contains(t, errb.String(), "1 issue(s) of the original Kite could not be imported")

	svc, err := service.Open(service.Options{Dir: dst})
	require.NoError(t, err)
	servicetest.WaitReady(t, svc)
	servicetest.WaitIndexed(t, svc)
	require.NoError(t, svc.Check())
	ctx := context.Background()

	merged, err := svc.GetIssue(ctx, id("dup1"))
	require.NoError(t, err)
	assert.Equal(t, int64(3), merged.Occurrences)
	assert.Len(t, merged.Links, 3)
	// test -> dup3 and dup2 -> test both became one relation of dup1 and
	// test, as the original counted a relation either way round once.
	require.Len(t, merged.RelatedTo, 1)
	assert.Equal(t, id("test"), merged.RelatedTo[0].SourceID)
	assert.Empty(t, merged.RelatedFrom)
	timeline, err := svc.Timeline(ctx, id("dup1"))
	require.NoError(t, err)
	var texts []string
	for _, ev := range timeline {
		texts = append(texts, ev.Message)
	}
	joined := strings.Join(texts, "\n")
	assert.Contains(t, joined, "merged the original Kite's duplicate active issue "+id("dup2"))
	assert.Contains(t, joined, "merged the original Kite's duplicate active issue "+id("dup3"))
	assert.Contains(t, joined, migrateNote)
	_, err = svc.GetIssue(ctx, id("dup2"))
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "a merged duplicate is not an issue of its own")

	superseded, err := svc.GetIssue(ctx, id("release"))
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, superseded.State)
	assert.Equal(t, legacy.HistoryKey(id("release")), superseded.Key)
	holder, err := svc.GetIssue(ctx, kiteHolder)
	require.NoError(t, err)
	assert.Equal(t, kite.StateActive, holder.State, "Kite's own issue keeps its scope")

	history, err := svc.GetIssue(ctx, id("hist1"))
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, history.State)
	assert.Equal(t, "2025-04-01T08:00:00Z", history.DetectedAt.Format("2006-01-02T15:04:05Z07:00"))

	// The next failure of a migrated scope lands on the issue holding it.
	res, err := svc.Report(ctx, kite.Report{Namespace: "team-alpha", Title: "Pipeline run failed: mobile-build", Description: "again",
		Severity: "minor", IssueType: "pipeline", Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: "mobile-build"}})
	require.NoError(t, err)
	assert.Equal(t, id("hist3"), res.Issue.ID)

	found, err := svc.Search(ctx, kite.SearchRequest{Query: "permissions", Namespaces: []string{"team-delta"}, Limit: 10})
	require.NoError(t, err)
	require.Len(t, found.Hits, 1)
	assert.Equal(t, id("dup1"), found.Hits[0].Issue.ID)
	rev, err = svc.Store.Rev()
	require.NoError(t, err)
	require.NoError(t, svc.Close())

	// Run again: everything is already there, nothing is written.
	out.Reset()
	errb.Reset()
	code = run([]string{"import", "--from-postgres", dsn, "--data-dir", dst}, nil, &out, &errb, noEnv)
	assert.Equal(t, exitError, code)
	assert.Contains(t, out.String(), "imported 0 issue(s); 13 already present; 0 skipped: their scope is held by another issue; 0 relation(s) joined")
	st, err = store.Open(store.Options{Dir: dst})
	require.NoError(t, err)
	after, err = st.Rev()
	require.NoError(t, err)
	require.NoError(t, st.Close())
	assert.Equal(t, rev, after, "a second run writes nothing")
}

// TestImportFromPostgresUsage: FILE and --from-postgres exclude each
// other, and a database that is not the original's is named as such.
func TestImportFromPostgresUsage(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	var out, errb bytes.Buffer
	assert.Equal(t, exitUsage, run([]string{"import", "x.jsonl", "--from-postgres", "host=/nowhere", "--data-dir", t.TempDir()}, nil, &out, &errb, noEnv))
	assert.Contains(t, errb.String(), "either FILE or --from-postgres")
	errb.Reset()
	assert.Equal(t, exitUsage, run([]string{"import", "--data-dir", t.TempDir()}, nil, &out, &errb, noEnv))

	dsn := legacytest.Start(t)
	legacytest.Exec(t, dsn, `DROP TABLE links`)
	errb.Reset()
	assert.Equal(t, exitError, run([]string{"import", "--from-postgres", dsn, "--data-dir", t.TempDir()}, nil, &out, &errb, noEnv))
	assert.Contains(t, errb.String(), `not the original Kite's database: no table "links"`)
}
