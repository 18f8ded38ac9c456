package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

const testID = "0198f3a0-0000-7000-8000-000000000001"

func fullIssue() *kite.Issue {
	at := time.Date(2026, 11, 20, 10, 0, 0, 123456789, time.UTC)
	resolved := at.Add(time.Hour)
	code := 137
	fp := kite.Fingerprint("team-a", kite.IssueTypeBuild, kite.Scope{ResourceType: "pipelinerun", ResourceName: "build"}, "")
	scopeID := kite.ScopeID(fp)
	return &kite.Issue{
		ID: testID, Title: "Pipeline run failed: build", Description: "ünïcode\nand lines",
		Severity: kite.SeverityCritical, IssueType: kite.IssueTypeBuild, State: kite.StateResolved,
		DetectedAt: at, ResolvedAt: &resolved, Namespace: "team-a", ScopeID: scopeID,
		Links:     []kite.Link{{ID: "6f1c1f4e-2b47-4a53-9d3e-0c1a2b3c4d5e", Title: "t", URL: "u", IssueID: testID}},
		Scope:     kite.Scope{ID: scopeID, ResourceType: "pipelinerun", ResourceName: "build", ResourceNamespace: "team-a"},
		CreatedAt: at, UpdatedAt: resolved, Fingerprint: fp, Key: "k", FirstSeen: at, LastSeen: at.Add(time.Minute),
		Occurrences: 42, ReopenCount: 3, ResolvedBy: "alice",
		Failure: &kite.FailureContext{Reason: "OOMKilled", Task: "build", Step: "step-build", ExitCode: &code, Message: "m", LogURL: "https://l", RunID: "r"},
		Labels:  map[string]string{"b": "2", "a": "1"},
		Rev:     1 << 40,
	}
}

func minimalIssue() *kite.Issue {
	is := fullIssue()
	is.ResolvedAt, is.Failure, is.Labels, is.Key, is.ResolvedBy = nil, nil, nil, "", ""
	is.Links = []kite.Link{}
	is.CreatedAt, is.FirstSeen = time.Time{}, time.Time{}
	return is
}

func testKey(t testing.TB) []byte {
	id, err := parseID(testID)
	require.NoError(t, err)
	return id
}

func TestRecordRoundTrip(t *testing.T) {
	for name, is := range map[string]*kite.Issue{"full": fullIssue(), "minimal": minimalIssue()} {
		t.Run(name, func(t *testing.T) {
			b, err := encodeRecord(is)
			require.NoError(t, err)
			got, err := decodeRecord(testKey(t), b)
			require.NoError(t, err)
			assert.Equal(t, is, got)
			again, err := encodeRecord(got)
			require.NoError(t, err)
			assert.Equal(t, b, again, "encoding is deterministic")
		})
	}
}

func TestEncodeRecordRejectsMalformedIdentifiers(t *testing.T) {
	for name, edit := range map[string]func(*kite.Issue){
		"scope id":    func(is *kite.Issue) { is.ScopeID = "nope" },
		"link id":     func(is *kite.Issue) { is.Links[0].ID = "nope" },
		"fingerprint": func(is *kite.Issue) { is.Fingerprint = "abc" },
	} {
		is := fullIssue()
		edit(is)
		_, err := encodeRecord(is)
		assert.Error(t, err, name)
	}
}

func TestDecodeRecordRejectsDamage(t *testing.T) {
	key := testKey(t)
	b, err := encodeRecord(fullIssue())
	require.NoError(t, err)
	for i := range len(b) - 1 {
		_, err := decodeRecord(key, b[:i])
		assert.Error(t, err, "truncated at %d", i)
	}
	_, err = decodeRecord(key, append(b, 0))
	assert.Error(t, err, "trailing bytes")
	bad := append([]byte{}, b...)
	bad[0] = 99
	_, err = decodeRecord(key, bad)
	assert.ErrorContains(t, err, "version 99")
}

func FuzzDecodeRecord(f *testing.F) {
	b, err := encodeRecord(fullIssue())
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte{recordVersion, 0xff, 0xff, 0xff, 0xff, 0x0f})
	key := testKey(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		is, err := decodeRecord(key, b)
		if err != nil {
			return
		}
		// Whatever decodes survives a round trip unchanged.
		enc, err := encodeRecord(is)
		require.NoError(t, err)
		again, err := decodeRecord(key, enc)
		require.NoError(t, err)
		assert.Equal(t, is, again)
	})
}
