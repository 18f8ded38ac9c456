package watch_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/watch"
)

// cluster is the envtest API server the integration tests share, or nil
// when KUBEBUILDER_ASSETS does not name its binaries.
var cluster struct {
	cfg    *rest.Config
	client client.Client
	skip   string
}

func TestMain(m *testing.M) {
	code := func() int {
		env, err := startCluster()
		if err != nil {
			fmt.Fprintln(os.Stderr, "watch: envtest:", err)
			return 1
		}
		if env != nil {
			defer func() { _ = env.Stop() }()
		}
		return m.Run()
	}()
	os.Exit(code)
}

func startCluster() (*envtest.Environment, error) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		cluster.skip = "the PipelineRun watcher's integration tests need a kube-apiserver and etcd: run them with KUBEBUILDER_ASSETS=$(scripts/envtest.sh) go test ./watch/ (make test-watch)"
		return nil, nil
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tektoncd/pipeline").Output()
	if err != nil {
		return nil, fmt.Errorf("find Tekton's CRDs: %w", err)
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(strings.TrimSpace(string(out)), "config", "300-crds"), filepath.Join("testdata", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, err
	}
	scheme, err := watch.Scheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	cluster.cfg, cluster.client = cfg, c
	return env, nil
}

func needCluster(t *testing.T) {
	t.Helper()
	if cluster.skip != "" {
		t.Skip(cluster.skip)
	}
}

// startWatcher runs a watcher over the given namespaces until the test
// ends (or stop is called), reporting to tracker.
func startWatcher(t testing.TB, tracker kite.Tracker, namespaces ...string) (m *watch.Metrics, stop func()) {
	m, _, stop = startWatcherWith(t, tracker, namespaces...)
	return m, stop
}

// startWatcherWith is startWatcher that also returns the watcher.
func startWatcherWith(t testing.TB, tracker kite.Tracker, namespaces ...string) (m *watch.Metrics, w *watch.Watcher, stop func()) {
	t.Helper()
	return startWatcherOpts(t, watch.Options{Tracker: tracker, Namespaces: namespaces})
}

// startWatcherOpts runs a watcher with o on the test cluster, with the
// tests' log link template and fresh metrics unless o has them.
func startWatcherOpts(t testing.TB, o watch.Options) (m *watch.Metrics, w *watch.Watcher, stop func()) {
	t.Helper()
	o.Config = cluster.cfg
	if o.Metrics == nil {
		var err error
		o.Metrics, err = watch.NewMetrics(nil)
		require.NoError(t, err)
	}
	if o.Mapper.Severity.Default == "" {
		o.Mapper.Severity = watch.DefaultSeverityRules()
	}
	if o.Mapper.LogURLTemplate == "" {
		o.Mapper.LogURLTemplate = testLogURL
	}
	o.Logger = slog.New(slog.DiscardHandler)
	w, err := watch.New(o)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return o.Metrics, w, stop
}

const testLogURL = "https://console.example/ns/{namespace}/pipelinerun/{name}"

func createNamespace(t *testing.T, name string) {
	t.Helper()
	err := cluster.client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	require.NoError(t, err)
}

// run describes one PipelineRun to create and complete.
type run struct {
	ns, name, pipeline string
	ok                 bool
	minute             int // completion time, minutes after t0
	labels             map[string]string
}

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// complete creates the run (and, for a failure, its failed TaskRun) and
// sets their status as Tekton would, through the status subresource.
func complete(ctx context.Context, c client.Client, r run) error {
	at := metav1.NewTime(t0.Add(time.Duration(r.minute) * time.Minute))
	pr := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: r.name, Namespace: r.ns, Labels: r.labels},
		Spec:       tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: r.pipeline}},
	}
	if err := c.Create(ctx, pr); err != nil {
		return err
	}
	cond := apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue, Reason: "Succeeded", Message: "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0", LastTransitionTime: apis.VolatileTime{Inner: at}}
	if !r.ok {
		trName := r.name + "-build"
		tr := &tektonv1.TaskRun{
			ObjectMeta: metav1.ObjectMeta{Name: trName, Namespace: r.ns},
			Spec:       tektonv1.TaskRunSpec{TaskRef: &tektonv1.TaskRef{Name: "buildah"}},
		}
		if err := c.Create(ctx, tr); err != nil {
			return err
		}
		tr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "Failed", Message: `"step-build" exited with code 2`, LastTransitionTime: apis.VolatileTime{Inner: at}}}
		tr.Status.Steps = []tektonv1.StepState{
			{Name: "prepare", ContainerState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
			{Name: "build", ContainerState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}}},
		}
		if err := c.Status().Update(ctx, tr); err != nil {
			return err
		}
		pr.Status.ChildReferences = []tektonv1.ChildStatusReference{{
			TypeMeta: runtimeTypeMeta("TaskRun"), Name: trName, PipelineTaskName: "build-container",
		}}
		cond.Status, cond.Reason, cond.Message = corev1.ConditionFalse, "Failed", "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 1"
	}
	pr.Status.Conditions = duckv1.Conditions{cond}
	pr.Status.StartTime = &metav1.Time{Time: at.Add(-time.Minute)}
	pr.Status.CompletionTime = &at
	return c.Status().Update(ctx, pr)
}

func mustComplete(t *testing.T, r run) {
	t.Helper()
	require.NoError(t, complete(context.Background(), cluster.client, r))
}

// waitFor polls until check passes, failing the test with check's last
// error after a minute.
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v", what, err)
}

var errNotYet = errors.New("not yet")

func runtimeTypeMeta(kind string) runtime.TypeMeta {
	return runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: kind}
}
