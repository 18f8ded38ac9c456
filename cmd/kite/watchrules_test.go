package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

const brokenRules = `
rules:
  - name: widgets
    apiVersion: kite.example.com/v1
    kind: Widget
    condition: Healthy
    scope: {type: widget, name: object.spec.line}
    title: "'Widget ' + objet.metadata.name"
    type: build
`

// TestBrokenWatchRulesStopTheStart: kite serve and kite watch refuse a
// rules file with a broken expression as a usage error naming the rule
// and the field, before opening anything.
func TestBrokenWatchRulesStopTheStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte(brokenRules), 0o600))
	for _, args := range [][]string{
		{"serve", "--data-dir", t.TempDir(), "--watch-rules", path},
		{"watch", "--server", "http://kite.example", "--watch-rules", path},
		{"watch", "rules", "check", "--watch-rules", path},
	} {
		code, stdout, stderr := runNoEnv(args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, `rule "widgets" (rules[0]): title:`, "%v", args)
		assert.Contains(t, stderr, "undeclared reference to 'objet'", "%v", args)
	}
}

// TestWatchRulesRBAC prints the ClusterRole the example rules need.
func TestWatchRulesRBAC(t *testing.T) {
	for file, want := range map[string][]string{
		"pipelineruns.yaml": {"tekton.dev/pipelineruns:get,list,watch", "tekton.dev/taskruns:get"},
		"releases.yaml":     {"appstudio.redhat.com/releases:get,list,watch", "tekton.dev/pipelineruns:get"},
	} {
		code, stdout, stderr := runNoEnv("watch", "rules", "rbac", "--watch-rules", filepath.Join("..", "..", "deploy", "examples", "watch-rules", file))
		require.Equal(t, 0, code, stderr)
		docs := splitYAML(stdout)
		require.Len(t, docs, 2)
		var role rbacv1.ClusterRole
		require.NoError(t, yaml.UnmarshalStrict([]byte(docs[0]), &role))
		var got []string
		for _, r := range role.Rules {
			got = append(got, r.APIGroups[0]+"/"+r.Resources[0]+":"+joinVerbs(r.Verbs))
		}
		assert.Equal(t, want, got, file)
		var binding rbacv1.ClusterRoleBinding
		require.NoError(t, yaml.UnmarshalStrict([]byte(docs[1]), &binding))
		assert.Equal(t, role.Name, binding.RoleRef.Name)
		assert.Equal(t, []rbacv1.Subject{{Kind: "ServiceAccount", Name: "kite", Namespace: "kite"}}, binding.Subjects)
	}
}

func splitYAML(s string) []string {
	var out []string
	for _, d := range regexpDocs.Split(s, -1) {
		if d != "" {
			out = append(out, d)
		}
	}
	return out
}

var regexpDocs = regexp.MustCompile(`(?m)^---\n`)

func joinVerbs(v []string) string { return strings.Join(v, ",") }
