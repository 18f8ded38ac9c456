package watch

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite"
)

const certificateRule = `
rules:
  - name: certificates
    apiVersion: cert.example.com/v1
    kind: Certificate
    condition: Ready
    scope:
      type: certificate
      name: object.metadata.name
    title: "'Certificate ' + object.metadata.name + ' is not ready'"
    description: "'Certificate ' + object.metadata.name + ': ' + condition.message"
    severity: "has(object.metadata.labels) && object.metadata.labels['tier'] == 'prod' ? 'critical' : 'minor'"
    type: build
    labels: "{'cert.example.com/issuer': object.spec.issuer}"
    links: "[{'title': 'Issuer', 'url': 'https://ca.example/' + object.spec.issuer}, {'title': 'none', 'url': ''}]"
`

func loadRules(t *testing.T, text string) (*Rules, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return LoadRules(path, "https://console.example/{namespace}/{name}")
}

func certificate(status, reason, message string, minute int, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	require := map[string]any{
		"apiVersion": "cert.example.com/v1", "kind": "Certificate",
		"metadata": map[string]any{"name": "api-tls", "namespace": "team-a", "uid": "uid-1"},
		"spec":     map[string]any{"issuer": "letsencrypt"},
	}
	u.Object = require
	u.SetLabels(labels)
	if status != "" {
		u.Object["status"] = map[string]any{"conditions": []any{map[string]any{
			"type": "Ready", "status": status, "reason": reason, "message": message,
			"lastTransitionTime": t0.Add(time.Duration(minute) * time.Minute).Format(time.RFC3339),
		}}}
	}
	return u
}

func TestRuleFromACondition(t *testing.T) {
	rs, err := loadRules(t, certificateRule)
	require.NoError(t, err)
	require.Equal(t, 1, rs.Len())
	k := ruleKind{rule: rs.rules[0], log: slog.New(slog.DiscardHandler)}
	assert.Equal(t, "rule:certificates", k.label())

	assert.Empty(t, k.completion(certificate("", "", "", 0, nil)), "no condition yet")
	assert.Empty(t, k.completion(certificate("Unknown", "Issuing", "", 1, nil)))

	failed := certificate("False", "Expired", "the certificate expired", 5, map[string]string{"tier": "prod"})
	require.Equal(t, "failed", k.completion(failed))
	v, err := k.evaluate(context.Background(), failed, nil)
	require.NoError(t, err)
	require.NotNil(t, v.report)
	r := *v.report
	assert.Equal(t, "team-a", r.Namespace)
	assert.Equal(t, kite.Scope{ResourceType: "certificate", ResourceName: "api-tls", ResourceNamespace: "team-a"}, r.Scope)
	assert.Equal(t, "Certificate api-tls is not ready", r.Title)
	assert.Equal(t, "Certificate api-tls: the certificate expired", r.Description)
	assert.Equal(t, kite.SeverityCritical, r.Severity)
	assert.Equal(t, kite.IssueTypeBuild, r.IssueType)
	assert.Equal(t, map[string]string{"cert.example.com/issuer": "letsencrypt"}, r.Labels)
	assert.Equal(t, []kite.Link{{Title: "Issuer", URL: "https://ca.example/letsencrypt"}}, r.Links)
	require.NotNil(t, r.Failure)
	assert.Equal(t, "Expired", r.Failure.Reason)
	assert.Equal(t, "the certificate expired", r.Failure.Message)
	assert.Equal(t, &kite.Run{ID: "uid-1@2026-11-20T09:05:00Z", CompletedAt: t0.Add(5 * time.Minute)}, r.Run)
	assert.Equal(t, t0.Add(5*time.Minute), r.At)

	ok := certificate("True", "Ready", "", 9, nil)
	require.Equal(t, "recovered", k.completion(ok))
	v, err = k.evaluate(context.Background(), ok, nil)
	require.NoError(t, err)
	require.NotNil(t, v.resolution)
	assert.Equal(t, kite.Resolution{Namespace: "team-a", ResourceType: "certificate", ResourceName: "api-tls", At: t0.Add(9 * time.Minute),
		Actor: kite.ActorWatcher, Run: &kite.Run{ID: "uid-1@2026-11-20T09:09:00Z", CompletedAt: t0.Add(9 * time.Minute)}}, *v.resolution)

	// A value of the wrong kind at run time is refused for good.
	bad := certificate("False", "Expired", "x", 6, nil)
	bad.Object["spec"] = map[string]any{"issuer": 7}
	_, err = k.evaluate(context.Background(), bad, nil)
	require.Error(t, err)
	assert.True(t, permanent(err), "%v", err)
}

// TestBrokenRulesFailAtStart: each broken rule is refused when the file
// is loaded, naming the rule and the field.
func TestBrokenRulesFailAtStart(t *testing.T) {
	var base RuleFile
	require.NoError(t, yaml.Unmarshal([]byte(certificateRule), &base))
	for _, tc := range []struct {
		edit func(*RuleSpec)
		want string
	}{
		{func(r *RuleSpec) { r.Title = "'x' + objet.metadata.name" }, `rule "certificates" (rules[0]): title: ERROR: <input>:1:7: undeclared reference to 'objet'`},
		{func(r *RuleSpec) { r.Title = "1 + 2" }, `rule "certificates" (rules[0]): title: "1 + 2" is int, not a string`},
		{func(r *RuleSpec) { r.Failure = "'yes'" }, `rule "certificates" (rules[0]): failure: "'yes'" is string, not a bool`},
		{func(r *RuleSpec) { r.Severity = "urgent" }, `rule "certificates" (rules[0]): severity: ERROR: <input>:1:1: undeclared reference to 'urgent'`},
		{func(r *RuleSpec) { r.Scope.Type = "object.kind" }, `rule "certificates" (rules[0]): scope.type: "object.kind": a word`},
		{func(r *RuleSpec) { r.Scope.Name = "" }, `rule "certificates" (rules[0]): scope.name: required`},
		{func(r *RuleSpec) { r.Type = "" }, `rule "certificates" (rules[0]): type: required`},
		{func(r *RuleSpec) { r.Condition = "" }, `rule "certificates" (rules[0]): failure: required without condition`},
		{func(r *RuleSpec) { r.APIVersion = "cert.example.com/" }, `rule "certificates" (rules[0]): apiVersion/kind:`},
		{func(r *RuleSpec) { r.Name = "Certs!" }, `rule "Certs!" (rules[0]): name:`},
		{func(r *RuleSpec) { r.Labels = "variables.issuer" }, `labels: variables.issuer is not a variable declared before it`},
		{func(r *RuleSpec) { r.NamespaceSelector = "a=(b" }, `namespaceSelector:`},
		{func(r *RuleSpec) {
			r.Related = []RelatedSpec{{Name: "issuers", APIVersion: "cert.example.com/v1", Kind: "Issuer", Names: "[object.spec.issuer]"}}
			r.Variables = []VariableSpec{{Name: "issuer", Expression: "related.issuers"}}
			r.Failure = "size(variables.issuer) == 0"
		}, `rule "certificates" (rules[0]): failure: may not read related objects`},
	} {
		f := RuleFile{Rules: []RuleSpec{base.Rules[0]}}
		tc.edit(&f.Rules[0])
		_, err := CompileRules(f, "")
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, err := CompileRules(RuleFile{Rules: []RuleSpec{base.Rules[0], base.Rules[0]}}, "")
	assert.ErrorContains(t, err, `rule "certificates" (rules[1]): name: another rule has this name`)
	_, err = loadRules(t, "rules:\n  - name: x\n    colour: red\n")
	assert.ErrorContains(t, err, `unknown field "colour"`)
}

// TestTheDocumentedRuleCompiles keeps docs/watch.md's full example a rule
// Kite loads.
func TestTheDocumentedRuleCompiles(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "watch.md"))
	require.NoError(t, err)
	doc := string(b)
	start := strings.Index(doc, "```yaml\nrules:\n  - name: certificates")
	require.NotEqual(t, -1, start, "the example in docs/watch.md")
	example := doc[start+len("```yaml\n"):]
	example = example[:strings.Index(example, "```")]
	rs, err := loadRules(t, example)
	require.NoError(t, err)
	assert.Equal(t, 1, rs.Len())
}
