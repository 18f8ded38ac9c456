package legacy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/legacy"
	"github.com/konflux-ci/kite/legacy/legacytest"
)

func at(day, hour int) time.Time { return time.Date(2025, 4, day, hour, 0, 0, 0, time.UTC) }

// migrate reads the whole database dsn as kite import --from-postgres does.
func migrate(t *testing.T, dsn string) (map[string]*legacy.Record, *legacy.Report, *legacy.Plan) {
	t.Helper()
	ctx := context.Background()
	src, err := legacy.Open(ctx, dsn)
	require.NoError(t, err)
	defer src.Close(ctx)
	rep := &legacy.Report{}
	plan, err := src.Plan(ctx, rep)
	require.NoError(t, err)
	out := map[string]*legacy.Record{}
	require.NoError(t, src.Records(ctx, plan, rep, func(r *legacy.Record) error {
		require.NotContains(t, out, r.Issue.ID, "an issue handed over twice")
		out[r.Issue.ID] = r
		return nil
	}))
	return out, rep, plan
}

// TestMigrationReadsTheOriginal reads a real PostgreSQL database in the
// original's schema, loaded with data shaped like the original's, and
// checks every rule of the migration: ids, times, links and relations
// kept; severities, types and states normalised and reported; duplicate
// active issues merged with the merge in the timeline; resolved issues of
// a held scope kept as history; an issue Kite cannot hold refused by
// name; and the same records again from a second read.
func TestMigrationReadsTheOriginal(t *testing.T) {
	dsn := legacytest.Start(t)
	seed := legacytest.Seed(t, dsn)
	recs, rep, plan := migrate(t, dsn)
	id := seed.ID

	assert.Equal(t, 16, rep.Issues)
	assert.Equal(t, 9, rep.Links)
	assert.Equal(t, 4, rep.Relations)
	assert.Len(t, recs, 13, "16 read, 2 merged, 1 refused")
	for _, gone := range []string{"dup2", "dup3", "refused"} {
		assert.NotContains(t, recs, id(gone))
	}

	build := recs[id("build")].Issue
	assert.Equal(t, "Frontend build failed due to dependency conflict", build.Title)
	assert.Equal(t, at(30, 15), build.DetectedAt)
	assert.Equal(t, at(30, 16), build.UpdatedAt)
	assert.Equal(t, at(30, 16), build.LastSeen)
	assert.Equal(t, kite.SeverityMajor, build.Severity)
	require.Len(t, build.Links, 2)
	assert.Equal(t, "Build Logs", build.Links[0].Title)
	assert.Equal(t, kite.Fingerprint("team-alpha", kite.IssueTypeBuild, kite.Scope{ResourceType: "component", ResourceName: "frontend-ui", ResourceNamespace: "team-alpha"}, ""), build.Fingerprint)
	assert.Equal(t, []string{id("deps")}, recs[id("build")].Related)

	// Normalised, each change reported.
	assert.Equal(t, kite.SeverityCritical, recs[id("test")].Issue.Severity)
	assert.Equal(t, kite.SeverityMajor, recs[id("release")].Issue.Severity)
	deps := recs[id("deps")].Issue
	assert.Equal(t, kite.SeverityCritical, deps.Severity)
	assert.Equal(t, kite.IssueTypeDependency, deps.IssueType)
	assert.Equal(t, kite.StateActive, deps.State)
	odd := recs[id("odd")].Issue
	assert.Equal(t, kite.SeverityMajor, odd.Severity)
	assert.Equal(t, kite.IssueTypePipeline, odd.IssueType)
	assert.Equal(t, kite.StateActive, odd.State)
	require.Len(t, odd.Links, 1, "the ftp link is dropped")
	assert.Equal(t, "Link", odd.Links[0].Title)
	resolvedLate := recs[id("noresolvedat")].Issue
	require.NotNil(t, resolvedLate.ResolvedAt)
	assert.Equal(t, at(30, 13), *resolvedLate.ResolvedAt)
	assert.Nil(t, recs[id("staleresolvedat")].Issue.ResolvedAt)
	changes := map[string]int{}
	for _, c := range rep.Changes() {
		changes[c.What] = c.Count
	}
	assert.Equal(t, map[string]int{
		`severity "Critical" -> critical`:                       1,
		`severity "medium" -> major`:                            2,
		`severity "High" -> critical`:                           1,
		`severity "urgent" (unknown) -> major`:                  1,
		`issueType "Dependency" -> dependency`:                  1,
		`issueType "deployment" (unknown) -> pipeline`:          1,
		`state "active" -> ACTIVE`:                              1,
		`state empty -> ACTIVE`:                                 1,
		`link dropped: not an http(s) URL`:                      1,
		`link title empty -> "Link"`:                            1,
		`resolved_at missing on a RESOLVED issue -> updated_at`: 1,
		`resolved_at on an ACTIVE issue dropped`:                1,
	}, changes)
	require.Len(t, rep.Refused, 1)
	assert.Equal(t, id("refused"), rep.Refused[0].ID)
	assert.Contains(t, rep.Refused[0].Reason, "namespace")

	// Three racing active issues: the oldest holds the scope, with the
	// newest content, every link once, and the merge in its timeline.
	holder := recs[id("dup1")]
	assert.Equal(t, []string{id("dup2"), id("dup3")}, holder.Merged)
	assert.Equal(t, int64(3), holder.Issue.Occurrences)
	assert.Equal(t, "Pipeline run failed: analytics-deploy (permissions)", holder.Issue.Title, "the content of the issue updated last")
	assert.Equal(t, at(20, 10), holder.Issue.DetectedAt)
	assert.Equal(t, at(25, 8), holder.Issue.LastSeen)
	var urls []string
	for _, l := range holder.Issue.Links {
		urls = append(urls, l.URL)
		assert.Equal(t, id("dup1"), l.IssueID)
	}
	assert.Equal(t, []string{"https://konflux.dev/logs/pipelineruns/run-1", "https://konflux.dev/logs/pipelineruns/run-2", "https://konflux.dev/docs/pipeline-permissions"}, urls)
	merges := 0
	for _, ev := range holder.Timeline {
		if strings.Contains(ev.Message, "merged the original Kite's duplicate active issue") {
			merges++
		}
	}
	assert.Equal(t, 2, merges)
	assert.Equal(t, []string{id("test")}, holder.Related, "dup2's relation moves to its holder")
	assert.Equal(t, []string{id("dup1")}, recs[id("test")].Related, "a relation to a merged issue points at its holder")
	assert.Equal(t, id("dup1"), plan.Resolve(id("dup3")))
	assert.Equal(t, 2, rep.Merged)
	assert.Equal(t, 1, rep.Holders)

	// A scope that failed again after each resolution: the active issue
	// holds it, the resolved ones keep their ids under keys of their own.
	assert.False(t, recs[id("hist3")].History)
	assert.Empty(t, recs[id("hist3")].Issue.Key)
	for _, name := range []string{"hist1", "hist2", "old1"} {
		r := recs[id(name)]
		assert.True(t, r.History, name)
		assert.Equal(t, legacy.HistoryKey(id(name)), r.Issue.Key, name)
		assert.Equal(t, kite.StateResolved, r.Issue.State, name)
	}
	assert.NotEqual(t, recs[id("hist1")].Issue.Fingerprint, recs[id("hist3")].Issue.Fingerprint)
	assert.False(t, recs[id("old2")].History, "with no active issue the newest resolved one holds the scope")
	assert.Equal(t, 3, rep.History)
	assert.Equal(t, []string{id("release")}, recs[id("hist1")].Related)

	// Every record is one Kite can store.
	for _, r := range recs {
		is := r.Issue
		assert.Equal(t, kite.ScopeID(is.Fingerprint), is.ScopeID)
		assert.NoError(t, kite.CheckTime("detectedAt", is.DetectedAt))
		assert.False(t, is.LastSeen.Before(is.FirstSeen), is.ID)
		if is.ResolvedAt != nil {
			assert.False(t, is.LastSeen.After(*is.ResolvedAt), is.ID)
		}
		require.NotEmpty(t, r.Timeline)
		assert.Equal(t, kite.EventOpened, r.Timeline[0].Kind)
	}

	// The plan depends only on the data: a second read hands over the
	// same records.
	again, _, _ := migrate(t, dsn)
	assert.Equal(t, recs, again)
}

// TestOpenRefusesAnotherSchema: a database without the original's tables
// and columns is named as such, with what it lacks.
func TestOpenRefusesAnotherSchema(t *testing.T) {
	dsn := legacytest.Start(t)
	legacytest.Exec(t, dsn, `DROP TABLE related_issues; ALTER TABLE issues DROP COLUMN severity`)
	_, err := legacy.Open(context.Background(), dsn)
	require.Error(t, err)
	assert.True(t, errors.Is(err, legacy.ErrNotOriginal))
	assert.Contains(t, err.Error(), `column issues.severity`)
	assert.Contains(t, err.Error(), `table "related_issues"`)

	_, err = legacy.Open(context.Background(), strings.Replace(dsn, "dbname=kite_original", "dbname=nosuchdb", 1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connect to the original Kite's database")
}
