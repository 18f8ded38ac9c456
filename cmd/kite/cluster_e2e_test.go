package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service/servicetest"
	"github.com/konflux-ci/kite/watch"
)

// testCluster starts an envtest kube-apiserver with Tekton's CRDs for one
// test, or skips it when KUBEBUILDER_ASSETS does not name the binaries.
func testCluster(t *testing.T) (*rest.Config, *kubernetes.Clientset) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("needs a kube-apiserver and etcd: KUBEBUILDER_ASSETS=$(scripts/envtest.sh)")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tektoncd/pipeline").Output()
	require.NoError(t, err, "find Tekton's CRDs")
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(strings.TrimSpace(string(out)), "config", "300-crds")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	return cfg, kubernetes.NewForConfigOrDie(cfg)
}

// kubeconfigFor writes a kubeconfig for cfg's cluster: with token as its
// user's credentials, else cfg's own (envtest's admin certificate).
func kubeconfigFor(t *testing.T, cfg *rest.Config, token string) string {
	t.Helper()
	user := &clientcmdapi.AuthInfo{Token: token}
	if token == "" {
		user = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["user"] = user
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "user"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*kc, path))
	return path
}

// child is a kite daemon running as a child process.
type child struct {
	addr string
	logs *logBuffer
}

// startChild runs kite with args and the extra environment, and waits for
// its log line ready (JSON logs), whose addr it returns.
func startChild(t *testing.T, env []string, ready string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "--log-format", "json")...)
	cmd.Env = append(append(os.Environ(), "KITE_TEST_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &child{logs: &logBuffer{}}
	addrc, done := make(chan string, 1), make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.logs.add(sc.Text())
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == ready {
				addrc <- rec.Addr
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kite %s logs:\n%s", args[0], c.logs)
		}
		_ = cmd.Process.Kill()
		<-done //nolint:errcheck // a killed child exits with an error
	})
	select {
	case c.addr = <-addrc:
		return c
	case err := <-done:
		t.Fatalf("kite %s exited: %v\n%s", args[0], err, c.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("kite %s did not start\n%s", args[0], c.logs)
	}
	return nil
}

// TestServeMetricsOpen: with --auth=kubernetes, /metrics needs get on the
// path, so an anonymous scrape is refused, unless --metrics-open leaves it
// open; the API stays closed either way.
func TestServeMetricsOpen(t *testing.T) {
	cfg, _ := testCluster(t)
	kc := kubeconfigFor(t, cfg, "")
	for _, c := range []struct {
		flags   []string
		metrics int
	}{
		{nil, http.StatusForbidden},
		{[]string{"--metrics-open"}, http.StatusOK},
	} {
		srv := startChild(t, nil, "kite serving", append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
			"--auth", "kubernetes", "--kubeconfig", kc, "--watch", "off"}, c.flags...)...)
		for path, want := range map[string]int{"/metrics": c.metrics, "/api/v1/issues?namespace=team-a": http.StatusForbidden} {
			resp, err := http.Get("http://" + srv.addr + path)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, want, resp.StatusCode, "%v %s", c.flags, path)
		}
	}
}

// callers is an Authenticator from a table of tokens that remembers whom
// it authenticated.
type callers struct {
	tokens map[string]string
	mu     sync.Mutex
	seen   map[string]bool
}

func (c *callers) Authenticate(r *http.Request) (*kite.Principal, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return kite.Anonymous(), nil
	}
	name := c.tokens[token]
	if name == "" {
		return nil, kite.Errorf(kite.EUNAUTHENTICATED, "Invalid or expired credentials")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[name] = true
	return &kite.Principal{Name: name}, nil
}

func (c *callers) saw(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[name]
}

func (c *callers) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.seen)
}

// TestWatchServerSendsCredentials: kite watch --server reports to a Kite
// that authenticates its callers with the kubeconfig's credentials (the
// token it also watches the cluster with), or with KITE_TOKEN when set;
// anonymous, its reports would be refused and no issue would open.
func TestWatchServerSendsCredentials(t *testing.T) {
	cfg, cs := testCluster(t)
	ctx := context.Background()
	for _, ns := range []string{"ops", "team-a"} {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	_, err := cs.CoreV1().ServiceAccounts("ops").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "watcher"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "watcher"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "watcher", Namespace: "ops"}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	tr, err := cs.CoreV1().ServiceAccounts("ops").CreateToken(ctx, "watcher", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	require.NoError(t, err)
	saToken := tr.Status.Token
	kc := kubeconfigFor(t, cfg, saToken)

	svc := servicetest.Open(t)
	who := &callers{tokens: map[string]string{saToken: "system:serviceaccount:ops:watcher", "kite-token": "kite-reporter"}, seen: map[string]bool{}}
	h, err := api.New(api.Options{Service: svc, Authenticator: who, Logger: slog.New(slog.DiscardHandler),
		Authorizer: rbacTable{"system:serviceaccount:ops:watcher create team-a", "kite-reporter create team-a"}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	scheme, err := watch.Scheme()
	require.NoError(t, err)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	require.NoError(t, err)

	for _, run := range []struct {
		pipeline, caller string
		env              []string
	}{
		{"build-with-kubeconfig", "system:serviceaccount:ops:watcher", nil},
		{"build-with-kite-token", "kite-reporter", []string{"KITE_TOKEN=kite-token"}},
	} {
		t.Run(run.caller, func(t *testing.T) {
			who.forget()
			startChild(t, run.env, "kite watch reporting", "watch", "--server", srv.URL, "--kubeconfig", kc,
				"--addr", "127.0.0.1:0", "--watch-namespaces", "team-a")
			failRun(t, c, "team-a", run.pipeline)
			require.Eventually(t, func() bool {
				list, err := svc.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", ResourceName: run.pipeline})
				return err == nil && list.Total == 1
			}, time.Minute, 50*time.Millisecond, "the failed run's report reached Kite")
			assert.True(t, who.saw(run.caller), "reported as %s", run.caller)
			if run.env != nil {
				assert.False(t, who.saw("system:serviceaccount:ops:watcher"), "KITE_TOKEN wins over the kubeconfig")
			}
		})
	}
}

// failRun creates a PipelineRun of pipeline in ns and fails it, as Tekton
// would, through the status subresource.
func failRun(t *testing.T, c client.Client, ns, pipeline string) {
	t.Helper()
	ctx := context.Background()
	pr := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: pipeline + "-1", Namespace: ns},
		Spec:       tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: pipeline}},
	}
	require.NoError(t, c.Create(ctx, pr))
	now := metav1.Now()
	pr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "Failed",
		Message: "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0", LastTransitionTime: apis.VolatileTime{Inner: now}}}
	pr.Status.StartTime = &metav1.Time{Time: now.Add(-time.Minute)}
	pr.Status.CompletionTime = &now
	require.NoError(t, c.Status().Update(ctx, pr))
}
