package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/tui"
)

// tokenTable authenticates bearer tokens from a table; rbacTable allows
// "user verb namespace" lines. (The real cluster's are tested in auth/.)
type tokenTable map[string]string

func (tt tokenTable) Authenticate(r *http.Request) (*kite.Principal, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return kite.Anonymous(), nil
	}
	if tt[token] == "" {
		return nil, kite.Errorf(kite.EUNAUTHENTICATED, "Invalid or expired credentials")
	}
	return &kite.Principal{Name: tt[token]}, nil
}

type rbacTable []string

func (rt rbacTable) Authorize(_ context.Context, p *kite.Principal, a kite.Access) (bool, error) {
	for _, r := range rt {
		if r == p.Name+" "+a.Verb+" "+a.Namespace {
			return true, nil
		}
	}
	return false, nil
}

// kubeconfigWith writes a kubeconfig whose user has token; its cluster is
// never contacted: Kite's server is another URL.
func kubeconfigWith(t *testing.T, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://kube.invalid:6443"}
users:
- name: u
  user: {token: "` + token + `"}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: team-a}
current-context: ctx
`
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

func TestClientSendsKubeconfigCredentials(t *testing.T) {
	svc := servicetest.Open(t)
	_, err := svc.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "Build failed", Description: "d",
		Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	require.NoError(t, err)
	h, err := api.New(api.Options{Service: svc, Authenticator: tokenTable{"alice-token": "alice"},
		Authorizer: rbacTable{"alice list team-a", "alice get team-a"}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	home := t.TempDir()
	var extraEnv map[string]string
	cli := func(kubeconfig string, args ...string) (int, string, string) {
		env := map[string]string{"HOME": home, "KITE_SERVER": srv.URL, "KUBECONFIG": kubeconfig}
		maps.Copy(env, extraEnv)
		var out, errb bytes.Buffer
		code := run(args, nil, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		return code, out.String(), errb.String()
	}
	code, out, errs := cli(kubeconfigWith(t, "alice-token"), "issues", "list", "-o", "name")
	require.Equal(t, exitOK, code, errs)
	assert.NotEmpty(t, out, "alice lists team-a, the kubeconfig's namespace, as herself")

	code, _, errs = cli(kubeconfigWith(t, "alice-token"), "issues", "list", "-n", "team-b")
	assert.Equal(t, exitDenied, code)
	assert.Contains(t, errs, "Access denied to this namespace")
	assert.Contains(t, errs, "RBAC does not allow this")

	code, _, errs = cli(kubeconfigWith(t, "stale-token"), "issues", "list")
	assert.Equal(t, exitDenied, code)
	assert.Contains(t, errs, "Invalid or expired credentials")
	assert.Contains(t, errs, "log in to the cluster again")

	// --token wins over the kubeconfig, and so do KITE_TOKEN and kite
	// config's token.
	code, _, _ = cli(kubeconfigWith(t, "stale-token"), "issues", "list", "--token", "alice-token")
	assert.Equal(t, exitOK, code)
	extraEnv = map[string]string{"KITE_TOKEN": "alice-token"}
	code, _, errs = cli(kubeconfigWith(t, "stale-token"), "issues", "list")
	assert.Equal(t, exitOK, code, "KITE_TOKEN: %s", errs)
	extraEnv = nil
	code, _, errs = cli("", "config", "set", "token", "alice-token")
	require.Equal(t, exitOK, code, errs)
	code, _, errs = cli(kubeconfigWith(t, "stale-token"), "issues", "list", "-n", "team-a")
	assert.Equal(t, exitOK, code, "kite config's token: %s", errs)
	extraEnv = map[string]string{"KITE_TOKEN": "stale-token"}
	code, _, _ = cli(kubeconfigWith(t, "alice-token"), "issues", "list", "-n", "team-a")
	assert.Equal(t, exitDenied, code, "a token of Kite's own is used even when the kubeconfig's would do")
}

func TestAuthWhoAmIAndCanI(t *testing.T) {
	svc := servicetest.Open(t)
	h, err := api.New(api.Options{Service: svc, Authenticator: tokenTable{"alice-token": "alice"},
		Authorizer: rbacTable{"alice list team-a"}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := map[string]string{"HOME": t.TempDir(), "KITE_SERVER": srv.URL, "KITE_TOKEN": "alice-token"}
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(args, nil, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		return code, out.String(), errb.String()
	}
	code, out, _ := cli("auth", "whoami")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "user:   alice")
	code, out, _ = cli("auth", "can-i", "list", "-n", "team-a")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "yes\n", out)
	code, out, errs := cli("auth", "can-i", "delete", "-n", "team-a")
	assert.Equal(t, exitDenied, code)
	assert.Equal(t, "no\n", out)
	assert.NotContains(t, errs, "RBAC does not allow", "the answer needs no hint")
	code, _, _ = cli("auth", "can-i", "steal", "-n", "team-a")
	assert.Equal(t, exitUsage, code)
}

// TestConsoleWithKubeconfigCredentials runs the console the way kite tui
// builds it (the client commands' client, so the kubeconfig's token)
// against a server that authenticates callers: it lists what the token's
// user may see, and a user it does not know gets the console's refusal line.
func TestConsoleWithKubeconfigCredentials(t *testing.T) {
	svc := servicetest.Open(t)
	_, err := svc.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "frontend image push denied", Description: "d",
		Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	require.NoError(t, err)
	servicetest.WaitIndexed(t, svc)
	h, err := api.New(api.Options{Service: svc, Authenticator: tokenTable{"alice-token": "alice"},
		Authorizer: rbacTable{"alice list team-a", "alice get team-a", "alice watch team-a"}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for token, want := range map[string]string{
		"alice-token": "frontend image push denied",
		"stale-token": "not signed in: the server rejected your credentials",
	} {
		t.Run(token, func(t *testing.T) {
			env := map[string]string{"HOME": t.TempDir(), "KITE_SERVER": srv.URL, "KUBECONFIG": kubeconfigWith(t, token)}
			o := &clientOptions{env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, output: "table"}
			c, err := o.client()
			require.NoError(t, err)
			ns, err := o.resolveNamespace()
			require.NoError(t, err)
			tm := teatest.NewTestModel(t, tui.New(t.Context(), c, tui.Options{Namespace: ns}), teatest.WithInitialTermSize(120, 24))
			t.Cleanup(func() { _ = tm.Quit() })
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
				teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
		})
	}
}

// TestRefusedWriteExitsNotAllowed: a caller who may read an issue but not
// change it is told so (403, not 404) and the CLI exits 4 with the hint.
func TestRefusedWriteExitsNotAllowed(t *testing.T) {
	svc := servicetest.Open(t)
	res, err := svc.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "Build failed", Description: "d",
		Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	require.NoError(t, err)
	id := res.Issue.ID
	h, err := api.New(api.Options{Service: svc, Authenticator: tokenTable{"alice-token": "alice"},
		Authorizer: rbacTable{"alice list team-a", "alice get team-a"}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := map[string]string{"HOME": t.TempDir(), "KITE_SERVER": srv.URL, "KITE_TOKEN": "alice-token"}
	cli := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(args, nil, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		return code, errb.String()
	}
	for _, args := range [][]string{
		{"issues", "resolve", id},
		{"issues", "delete", id},
		{"issues", "update", id, "--severity", "critical"},
		{"issues", "ack", id},
	} {
		code, errs := cli(args...)
		assert.Equal(t, exitDenied, code, "%v: %s", args, errs)
		assert.Contains(t, errs, "Access denied to this issue", args)
		assert.Contains(t, errs, `alice may not `, args)
		assert.Contains(t, errs, "RBAC does not allow this", args)
	}
	code, errs := cli("issues", "resolve", id, missingID)
	assert.Equal(t, exitDenied, code, "refused and not found: not allowed, %s", errs)
	is, err := svc.GetIssue(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, kite.StateActive, is.State, "nothing was changed")
}

// TestTokenWithCertificateAuthority: a token of Kite's own is sent over a
// connection verified with --certificate-authority (KITE_CA_FILE), as
// the kubeconfig's credentials are.
func TestTokenWithCertificateAuthority(t *testing.T) {
	svc := servicetest.Open(t)
	h, err := api.New(api.Options{Service: svc, Authenticator: tokenTable{"alice-token": "alice"}, Authorizer: rbacTable{"alice list team-a"}})
	require.NoError(t, err)
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	for name, env := range map[string]map[string]string{
		"flags": {},
		"env":   {"KITE_TOKEN": "alice-token", "KITE_CA_FILE": ca},
	} {
		t.Run(name, func(t *testing.T) {
			env["HOME"] = t.TempDir()
			args := []string{"issues", "list", "-n", "team-a", "--server", srv.URL}
			if name == "flags" {
				args = append(args, "--token", "alice-token", "--certificate-authority", ca)
			}
			var out, errb bytes.Buffer
			code := run(args, nil, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			assert.Equal(t, exitOK, code, errb.String())
		})
	}
}
