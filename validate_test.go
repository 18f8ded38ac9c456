package kite_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func validReport() kite.Report {
	return kite.Report{
		Namespace: "team-a", Title: "t", Description: "d", Severity: "major", IssueType: "build",
		Scope: kite.Scope{ResourceType: "component", ResourceName: "frontend"},
	}
}

func TestReportNormalizeDefaults(t *testing.T) {
	r := validReport()
	r.Severity = "Medium"
	require.NoError(t, r.Normalize())
	assert.Equal(t, kite.SeverityMajor, r.Severity)
	assert.Equal(t, kite.StateActive, r.State)
	assert.Equal(t, "team-a", r.Scope.ResourceNamespace)
}

func TestReportNormalizeRejects(t *testing.T) {
	cases := map[string]struct {
		edit  func(*kite.Report)
		field string
	}{
		"missing title":        {func(r *kite.Report) { r.Title = " " }, "title"},
		"missing scope name":   {func(r *kite.Report) { r.Scope.ResourceName = "" }, "scope.resourceName"},
		"bad severity":         {func(r *kite.Report) { r.Severity = "urgent" }, "severity"},
		"bad type":             {func(r *kite.Report) { r.IssueType = "deploy" }, "issueType"},
		"bad state":            {func(r *kite.Report) { r.State = "OPEN" }, "state"},
		"NUL in namespace":     {func(r *kite.Report) { r.Namespace = "a\x00b" }, "namespace"},
		"long namespace":       {func(r *kite.Report) { r.Namespace = strings.Repeat("n", 300) }, "namespace"},
		"invalid UTF-8 title":  {func(r *kite.Report) { r.Title = "\xff" }, "title"},
		"link without url":     {func(r *kite.Report) { r.Links = []kite.Link{{Title: "x"}} }, "links[0].url"},
		"huge description":     {func(r *kite.Report) { r.Description = strings.Repeat("x", 600<<10) }, "description"},
		"control char in name": {func(r *kite.Report) { r.Scope.ResourceName = "a\nb" }, "scope.resourceName"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := validReport()
			c.edit(&r)
			err := r.Normalize()
			require.Error(t, err)
			var ke *kite.Error
			require.ErrorAs(t, err, &ke)
			assert.Equal(t, kite.EINVALID, ke.Code)
			assert.Equal(t, c.field, ke.Field)
		})
	}
}

func TestFingerprint(t *testing.T) {
	s := kite.Scope{ResourceType: "pipelinerun", ResourceName: "build", ResourceNamespace: "team-a"}
	a := kite.Fingerprint("team-a", kite.IssueTypePipeline, s, "")
	assert.Equal(t, a, kite.Fingerprint("team-a", kite.IssueTypePipeline, s, ""), "stable")
	assert.NotEqual(t, a, kite.Fingerprint("team-b", kite.IssueTypePipeline, s, ""))
	assert.NotEqual(t, a, kite.Fingerprint("team-a", kite.IssueTypeBuild, s, ""))
	// Joining with a separator keeps shifted boundaries apart.
	s2 := kite.Scope{ResourceType: "pipelinerun/build", ResourceName: "", ResourceNamespace: "team-a"}
	assert.NotEqual(t, a, kite.Fingerprint("team-a", kite.IssueTypePipeline, s2, ""))
	keyed := kite.Fingerprint("team-a", kite.IssueTypePipeline, s, "incident-1")
	assert.Equal(t, keyed, kite.Fingerprint("team-a", kite.IssueTypeBuild, kite.Scope{}, "incident-1"), "a key ignores type and scope")

	id := kite.ScopeID(a)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
	assert.Equal(t, id, kite.ScopeID(a))
}

func TestFilterNormalizeAndValidate(t *testing.T) {
	f := kite.IssueFilter{Limit: -1, Offset: -5}.Normalize()
	assert.Equal(t, kite.DefaultLimit, f.Limit)
	assert.Equal(t, 0, f.Offset)
	assert.Equal(t, kite.MaxLimit, kite.IssueFilter{Limit: 1 << 30}.Normalize().Limit)

	f = kite.IssueFilter{Namespace: "a", Severity: "HIGH", State: "active"}
	require.NoError(t, f.Validate())
	assert.Equal(t, kite.SeverityCritical, f.Severity)
	assert.Equal(t, kite.StateActive, f.State)
	missing := kite.IssueFilter{}
	assert.Equal(t, "Missing namespace", kite.ErrorMessage(missing.Validate()))
}

func TestReportLabelsAreBounded(t *testing.T) {
	r := validReport()
	r.Labels = map[string]string{"appstudio.openshift.io/component": "frontend"}
	require.NoError(t, r.Normalize())
	r.Labels = map[string]string{"k": strings.Repeat("v", 300)}
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(r.Normalize()))
	r.Labels = map[string]string{"k\x00": "v"}
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(r.Normalize()))
	r.Labels = map[string]string{}
	for i := range 65 {
		r.Labels[strings.Repeat("k", i+1)] = "v"
	}
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(r.Normalize()))
}

func TestResolutionNormalize(t *testing.T) {
	ok := kite.Resolution{Namespace: "a", ResourceType: "pipelinerun", ResourceName: "p"}
	require.NoError(t, ok.Normalize())
	missing := kite.Resolution{Namespace: "a"}
	err := missing.Normalize()
	assert.Equal(t, "Missing required fields", kite.ErrorMessage(err))
	assert.Equal(t, "missing: resourceType, resourceName", kite.ErrorDetails(err))
	bad := kite.Resolution{Namespace: "a", ResourceType: "pipelinerun", ResourceName: "p\x00q"}
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(bad.Normalize()))
}

func TestFailureContextLimits(t *testing.T) {
	base := func(f *kite.FailureContext) kite.Report {
		return kite.Report{Namespace: "n", Title: "t", Description: "d", Severity: kite.SeverityMajor,
			IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: "p"}, Failure: f}
	}
	for field, f := range map[string]*kite.FailureContext{
		"failure.task":    {Task: "build\x00"},
		"failure.step":    {Step: "step\x1b[31m"},
		"failure.runId":   {RunID: strings.Repeat("r", 300)},
		"failure.reason":  {Reason: strings.Repeat("x", 100<<10)},
		"failure.message": {Message: "exit\x07 code 1"},
		"failure.logUrl":  {LogURL: "javascript:alert(1)"},
	} {
		r := base(f)
		assert.Equal(t, field, kite.ErrorField(r.Normalize()), "%+v", f)
	}
	r := base(&kite.FailureContext{Reason: "OOMKilled", Message: "line 1\n\tline 2", LogURL: "https://logs.example/1", Task: "build", Step: "step-build", RunID: "0b6f1f7e-1111"})
	assert.NoError(t, r.Normalize())

	for _, u := range []string{"javascript:alert(1)", "data:text/html,<b>", "ftp://x", "//no-scheme", "https://"} {
		r := base(nil)
		r.Links = []kite.Link{{Title: "l", URL: u}}
		assert.Equal(t, "links[0].url", kite.ErrorField(r.Normalize()), u)
	}

	// What the cluster says is cleaned, not refused: a watcher keeps the failure.
	f := &kite.FailureContext{Reason: "Failed", Message: "\x1b[31mred\x1b[0m\n" + strings.Repeat("é", 40<<10), LogURL: "data:x"}
	f.Sanitize()
	r = base(f)
	require.NoError(t, r.Normalize())
	assert.True(t, strings.HasPrefix(f.Message, "[31mred[0m\n"))
	assert.True(t, utf8.ValidString(f.Message))
	assert.Empty(t, f.LogURL)
}
