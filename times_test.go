package kite_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/konflux-ci/kite"
)

func TestCheckTime(t *testing.T) {
	for _, c := range []struct {
		at time.Time
		ok bool
	}{
		{time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), true},
		{kite.MinTime, true},
		{kite.MaxTime, true},
		{time.Time{}, false}, // year 1 would read back as 1754
		{kite.MinTime.Add(-time.Nanosecond), false},
		{kite.MaxTime.Add(time.Nanosecond), false},
		{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		err := kite.CheckTime("resolvedAt", c.at)
		if c.ok {
			assert.NoError(t, err, c.at)
			continue
		}
		assert.Equal(t, "resolvedAt", kite.ErrorField(err), c.at)
		assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	}
}

func TestParseTime(t *testing.T) {
	got, err := kite.ParseTime("completedAt", "2026-11-27T10:00:00+02:00")
	assert.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), got)
	for _, s := range []string{"yesterday", "0001-01-01T00:00:00Z", "2262-04-12T00:00:00Z"} {
		_, err := kite.ParseTime("completedAt", s)
		assert.Equal(t, "completedAt", kite.ErrorField(err), s)
	}
}

func TestReportTimesOutsideStorableRange(t *testing.T) {
	r := kite.Report{Namespace: "n", Title: "t", Description: "d", Severity: kite.SeverityMajor,
		IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: "p"},
		At: time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)}
	assert.Equal(t, "at", kite.ErrorField(r.Normalize()))
	u := kite.IssueUpdate{ResolvedAt: &time.Time{}, ResolvedAtSet: true}
	assert.Equal(t, "resolvedAt", kite.ErrorField(u.Normalize()))
}
