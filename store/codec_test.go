package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func fullIssue() *kite.Issue {
	at := time.Date(2026, 11, 20, 10, 0, 0, 123456789, time.UTC)
	resolved := at.Add(time.Hour)
	code := 137
	return &kite.Issue{
		ID: "0198f3a0-0000-7000-8000-000000000001", Title: "Pipeline run failed: build", Description: "ünïcode\nand lines",
		Severity: kite.SeverityCritical, IssueType: kite.IssueTypeBuild, State: kite.StateResolved,
		DetectedAt: at, ResolvedAt: &resolved, Namespace: "team-a", ScopeID: "s", Links: []kite.Link{{ID: "l", Title: "t", URL: "u", IssueID: "i"}},
		Scope:     kite.Scope{ID: "s", ResourceType: "pipelinerun", ResourceName: "build", ResourceNamespace: "team-a"},
		CreatedAt: at, UpdatedAt: resolved, Fingerprint: "fp", Key: "k", FirstSeen: at, LastSeen: at.Add(time.Minute),
		Occurrences: 42, ReopenCount: 3, ResolvedBy: "alice",
		Failure: &kite.FailureContext{Reason: "OOMKilled", Task: "build", Step: "step-build", ExitCode: &code, Message: "m", LogURL: "https://l", RunID: "r"},
		Labels:  map[string]string{"b": "2", "a": "1"},
		Rev:     1 << 40,
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for name, is := range map[string]*kite.Issue{
		"full":    fullIssue(),
		"minimal": {ID: "x", Links: []kite.Link{}, Severity: kite.SeverityInfo},
	} {
		t.Run(name, func(t *testing.T) {
			b := encodeRecord(is)
			got, err := decodeRecord(b)
			require.NoError(t, err)
			assert.Equal(t, is, got)
			assert.Equal(t, b, encodeRecord(got), "encoding is deterministic")
		})
	}
}

func TestDecodeRecordRejectsDamage(t *testing.T) {
	b := encodeRecord(fullIssue())
	for i := range len(b) - 1 {
		_, err := decodeRecord(b[:i])
		assert.Error(t, err, "truncated at %d", i)
	}
	_, err := decodeRecord(append(b, 0))
	assert.Error(t, err, "trailing bytes")
	bad := append([]byte{}, b...)
	bad[0] = 99
	_, err = decodeRecord(bad)
	assert.ErrorContains(t, err, "version 99")
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(fullIssue()))
	f.Add([]byte{recordVersion, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		is, err := decodeRecord(b)
		if err != nil {
			return
		}
		// Whatever decodes survives a round trip unchanged.
		again, err := decodeRecord(encodeRecord(is))
		require.NoError(t, err)
		assert.Equal(t, is, again)
	})
}
