package kite

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueryMatches(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	resolved := now.Add(-time.Hour)
	is := &Issue{
		Namespace: "team-a", Title: "Pipeline frontend-on-push failed: task build-container",
		Description: "The dependency lookup failed for registry.io/org/img:tag", Severity: SeverityMajor,
		IssueType: IssueTypeBuild, State: StateActive, ReopenCount: 1, Occurrences: 7,
		Scope:      Scope{ResourceType: "pipelinerun", ResourceName: "frontend-on-push"},
		DetectedAt: now.Add(-2 * time.Hour), FirstSeen: now.Add(-72 * time.Hour), LastSeen: now.Add(-30 * time.Minute),
		Labels:  map[string]string{"appstudio.openshift.io/component": "frontend"},
		Failure: &FailureContext{Reason: "OOMKilled", Task: "build-container", Step: "step-build"},
	}
	other := *is
	other.State, other.ResolvedAt = StateResolved, &resolved
	cases := []struct {
		q    string
		want bool
	}{
		{"", true},
		{"ns:team-a", true},
		{"ns:team-b", false},
		{"is:active", true},
		{"is:resolved", false},
		{"is:regressed", true},
		{"severity:>=major", true},
		{"severity:critical", false},
		{"type:build", true},
		{"scope:pipelinerun/frontend-on-push", true},
		{"scope:frontend-on-push", true},
		{"scope:other", false},
		{"label:appstudio.openshift.io/component=frontend", true},
		{"label:appstudio.openshift.io/component", true},
		{"label:team", false},
		{"occurrences:>5", true},
		{"occurrences:<5", false},
		{"detected:>24h", true},
		{"firstSeen:>24h", false},
		{"resolved:>24h", false},
		{"depend", true},
		{"DEPEND", true},
		{"oomkilled", true},
		{"registry.io/org/img:tag", true},
		{`"lookup failed"`, true},
		{`"failed lookup"`, false},
		{"dependencies", false}, // no stemming in the stream's filter
		{"reason:oomkilled", true},
		{"task:build", true},
		{"step:deploy", false},
		{"title:frontend", true},
		{"-oomkilled", false},
		{"-is:resolved depend", true},
	}
	for _, c := range cases {
		q, err := ParseQuery(c.q, now)
		require.NoError(t, err, c.q)
		assert.Equal(t, c.want, q.Matches(is), c.q)
	}
	q, err := ParseQuery("is:resolved resolved:>24h", now)
	require.NoError(t, err)
	assert.True(t, q.Matches(&other))
}

// Several ns: terms mean any of them, in the stream's filter as in a
// search: an issue has one namespace, so ANDed they would match nothing.
func TestQueryMatchesAnyNamedNamespace(t *testing.T) {
	is := &Issue{Namespace: "team-a", State: StateActive, Severity: SeverityMajor}
	cases := []struct {
		q    string
		want bool
	}{
		{"ns:team-a ns:team-b", true},
		{"ns:team-b ns:team-a", true},
		{"ns:team-b namespace:team-c", false},
		{"ns:team-b is:active ns:team-a", true},
		{"ns:team-a ns:team-b is:resolved", false},
		{"ns:team-a ns:team-b -ns:team-a", false},
		{"-ns:team-b -ns:team-c", true},
		{"-ns:team-b -ns:team-a", false},
	}
	for _, c := range cases {
		q, err := ParseQuery(c.q, time.Time{})
		require.NoError(t, err, c.q)
		assert.Equal(t, c.want, q.Matches(is), c.q)
	}
}

// TestQueryMatchesTriage: is:acked, is:unacked, assignee:, has:, and
// assignee:me once bound to the caller.
func TestQueryMatchesTriage(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	mine := &Issue{Namespace: "team-a", AckedBy: "alice", AckedAt: &at, Assignee: "alice", Comments: 1}
	bare := &Issue{Namespace: "team-a"}
	cases := []struct {
		q          string
		mine, bare bool
	}{
		{"is:acked", true, false},
		{"is:unacked", false, true},
		{"-is:unacked", true, false},
		{"assignee:alice", true, false},
		{"assignee:bob", false, false},
		{"assignee:me", true, false},
		{"-assignee:me", false, true},
		{"has:assignee", true, false},
		{"-has:assignee", false, true},
		{"has:comments", true, false},
	}
	for _, c := range cases {
		q, err := ParseQuery(c.q, at)
		require.NoError(t, err, c.q)
		require.NoError(t, q.BindCaller("alice"), c.q)
		assert.Equal(t, c.mine, q.Matches(mine), c.q)
		assert.Equal(t, c.bare, q.Matches(bare), c.q)
	}
	q, err := ParseQuery("is:active assignee:me", at)
	require.NoError(t, err)
	err = q.BindCaller("")
	require.Error(t, err)
	assert.Contains(t, ErrorDetails(err), "at position 10: assignee:me needs to know who you are")
	for _, bad := range []string{"has:labels", "is:snoozing"} {
		_, err := ParseQuery(bad, at)
		assert.Equal(t, EINVALID, ErrorCode(err), bad)
	}
}

// BenchmarkMatch100Silences is what a write pays to test an issue against
// 100 active silences (none matching, the common case).
func BenchmarkMatch100Silences(b *testing.B) {
	var qs []*Query
	for i := range 100 {
		q, err := ParseQuery(fmt.Sprintf("reason:flaky%d scope:component-%d", i, i), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		qs = append(qs, q)
	}
	is := &Issue{Namespace: "bench-1", Title: "Pipeline run failed: new-1-2", Description: "The pipeline run failed with reason: OOMKilled",
		Scope: Scope{ResourceType: "pipelinerun", ResourceName: "new-1-2"}, Failure: &FailureContext{Reason: "OOMKilled"}}
	for b.Loop() {
		target := NewTarget(is)
		for _, q := range qs {
			if q.MatchesTarget(target) {
				b.Fatal("matched")
			}
		}
	}
}
