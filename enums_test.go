package kite_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func TestParseSeverity(t *testing.T) {
	cases := map[string]kite.Severity{
		"info": kite.SeverityInfo, "MINOR": kite.SeverityMinor, " major ": kite.SeverityMajor,
		"critical": kite.SeverityCritical, "medium": kite.SeverityMajor, "warning": kite.SeverityMinor,
		"high": kite.SeverityCritical, "low": kite.SeverityMinor, "error": kite.SeverityMajor,
	}
	for in, want := range cases {
		got, err := kite.ParseSeverity("severity", in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := kite.ParseSeverity("severity", "urgent")
	require.Error(t, err)
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Equal(t, `invalid severity "urgent"`, kite.ErrorMessage(err))
	assert.Equal(t, "severity must be one of: info, minor, major, critical", kite.ErrorDetails(err))
}

func TestSeverityRankOrders(t *testing.T) {
	for i := 1; i < len(kite.Severities); i++ {
		assert.Less(t, kite.Severities[i-1].Rank(), kite.Severities[i].Rank())
	}
	assert.Equal(t, 0, kite.Severity("medium").Rank(), "aliases rank only after parsing")
}

func TestParseIssueTypeAndState(t *testing.T) {
	ty, err := kite.ParseIssueType("issueType", "Build")
	require.NoError(t, err)
	assert.Equal(t, kite.IssueTypeBuild, ty)
	_, err = kite.ParseIssueType("issueType", "deploy")
	assert.Contains(t, kite.ErrorDetails(err), "build, test, release, dependency, pipeline")

	st, err := kite.ParseState("state", "resolved")
	require.NoError(t, err)
	assert.Equal(t, kite.StateResolved, st)
	_, err = kite.ParseState("state", "OPEN")
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
}

func TestErrorHelpers(t *testing.T) {
	assert.Equal(t, "", kite.ErrorCode(nil))
	plain := assert.AnError
	assert.Equal(t, kite.EINTERNAL, kite.ErrorCode(plain))
	assert.Equal(t, "Internal server error", kite.ErrorMessage(plain), "internal errors never leak their text")
	wrapped := &kite.Error{Code: kite.ECONFLICT, Message: "taken", Err: plain}
	assert.ErrorIs(t, wrapped, plain)
	assert.Equal(t, kite.ECONFLICT, kite.ErrorCode(wrapped))
}
