package watch_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

const deployDir = "../deploy/base"

// manifests decodes every document of the files a kustomization lists.
func manifests(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	var k struct {
		Resources []string       `json:"resources"`
		Rest      map[string]any `json:",inline"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	require.NoError(t, err)
	var all map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &all))
	for key := range all {
		// Anything beyond resources would transform them, and the
		// concatenation below would no longer be what kubectl applies.
		require.Contains(t, []string{"apiVersion", "kind", "resources"}, key, "deploy/base/kustomization.yaml: teach this test %q", key)
	}
	require.NoError(t, yaml.Unmarshal(raw, &k))
	var out []*unstructured.Unstructured
	for _, f := range k.Resources {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
		for {
			var u unstructured.Unstructured
			err := dec.Decode(&u.Object)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, f)
			if len(u.Object) > 0 {
				out = append(out, &u)
			}
		}
	}
	return out
}

func find[T any](t *testing.T, objs []*unstructured.Unstructured, kind, name string) *T {
	t.Helper()
	for _, u := range objs {
		if u.GetKind() == kind && u.GetName() == name {
			var v T
			b, err := yaml.Marshal(u.Object)
			require.NoError(t, err)
			require.NoError(t, yaml.UnmarshalStrict(b, &v), "%s %s", kind, name)
			return &v
		}
	}
	t.Fatalf("no %s %s in deploy/", kind, name)
	return nil
}

var rbacMarker = regexp.MustCompile(`^// \+kubebuilder:rbac:(.*)$`)

// markerRules reads the watcher's RBAC markers (every source file of the
// package): rules by namespace ("" for cluster-wide).
func markerRules(t *testing.T) map[string][]rbacv1.PolicyRule {
	t.Helper()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	out := map[string][]rbacv1.PolicyRule{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			m := rbacMarker.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			rule, ns := markerRule(t, m[1])
			out[ns] = append(out[ns], rule)
		}
		require.NoError(t, sc.Err())
	}
	return out
}

func markerRule(t *testing.T, marker string) (rule rbacv1.PolicyRule, ns string) {
	t.Helper()
	for _, kv := range strings.Split(marker, ",") {
		k, v, _ := strings.Cut(kv, "=")
		vals := strings.Split(strings.Trim(v, `"`), ";")
		switch k {
		case "groups":
			rule.APIGroups = vals
		case "resources":
			rule.Resources = vals
		case "verbs":
			rule.Verbs = vals
		case "namespace":
			ns = v
		default:
			t.Fatalf("RBAC marker key %q: teach this test", k)
		}
	}
	return rule, ns
}

func normalized(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				verbs := slices.Clone(r.Verbs)
				slices.Sort(verbs)
				out = append(out, g+"/"+res+":"+strings.Join(verbs, ","))
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestRBACMatchesTheMarkers(t *testing.T) {
	objs := manifests(t, deployDir)
	want := markerRules(t)
	cluster := find[rbacv1.ClusterRole](t, objs, "ClusterRole", "kite-watcher")
	assert.Equal(t, normalized(want[""]), normalized(cluster.Rules), "ClusterRole kite-watcher")
	role := find[rbacv1.Role](t, objs, "Role", "kite-leader-election")
	assert.Equal(t, "kite", role.Namespace)
	assert.Equal(t, normalized(want["kite"]), normalized(role.Rules), "Role kite-leader-election")
	assert.Len(t, want, 2, "markers name only the cluster and Kite's namespace")
}

func TestDeploymentIsASafeSingleWriter(t *testing.T) {
	objs := manifests(t, deployDir)
	d := find[appsv1.Deployment](t, objs, "Deployment", "kite")
	require.NotNil(t, d.Spec.Replicas)
	assert.Equal(t, int32(1), *d.Spec.Replicas, "bbolt has one writer")
	assert.Equal(t, appsv1.RecreateDeploymentStrategyType, d.Spec.Strategy.Type)
	pod := d.Spec.Template.Spec
	assert.Equal(t, "kite", pod.ServiceAccountName)
	require.NotNil(t, pod.SecurityContext)
	assert.True(t, *pod.SecurityContext.RunAsNonRoot)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SecurityContext.SeccompProfile.Type)
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation)
	assert.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
	assert.Equal(t, []corev1.Capability{"ALL"}, c.SecurityContext.Capabilities.Drop)
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	assert.False(t, c.Resources.Requests.Cpu().IsZero())
	assert.False(t, c.Resources.Limits.Memory().IsZero())
	assert.Contains(t, c.Args, "--data-dir=/data")
	mounted := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounted[m.MountPath] = m.Name
	}
	assert.Equal(t, "data", mounted["/data"])
	for _, v := range pod.Volumes {
		if v.Name == "data" {
			require.NotNil(t, v.PersistentVolumeClaim)
			find[corev1.PersistentVolumeClaim](t, objs, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName)
		}
	}
	svc := find[corev1.Service](t, objs, "Service", "kite")
	assert.Equal(t, d.Spec.Selector.MatchLabels, svc.Spec.Selector)

	// The optional ServiceMonitor scrapes that Service's port (the
	// monitoring kustomization generates a ConfigMap: render it as
	// kubectl would).
	mon := build(t, filepath.Join(deployDir, "..", "monitoring"))
	kinds := map[string]*unstructured.Unstructured{}
	for _, u := range mon {
		kinds[u.GetKind()] = u
	}
	require.Contains(t, kinds, "ServiceMonitor")
	require.Contains(t, kinds, "PrometheusRule")
	require.Contains(t, kinds, "ConfigMap")
	assert.Equal(t, "1", kinds["ConfigMap"].GetLabels()["grafana_dashboard"], "Grafana's sidecar loads it")
	assert.Equal(t, "kite-dashboard", kinds["ConfigMap"].GetName())
	port, _, _ := unstructured.NestedSlice(kinds["ServiceMonitor"].Object, "spec", "endpoints")
	require.Len(t, port, 1)
	assert.Equal(t, svc.Spec.Ports[0].Name, port[0].(map[string]any)["port"])
	// With Prometheus' token, bound to the role that may get /metrics.
	assert.NotEmpty(t, port[0].(map[string]any)["bearerTokenFile"])
	binding := find[rbacv1.ClusterRoleBinding](t, mon, "ClusterRoleBinding", "kite-metrics-reader")
	find[rbacv1.ClusterRole](t, objs, "ClusterRole", binding.RoleRef.Name)
}

// TestDeployManifestsApply sends the base to a real API server: the
// namespace for real, the rest as a server-side dry run, so that a field
// the API does not know, a bad value or a wrong kind fails here.
func TestDeployManifestsApply(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	for _, u := range manifests(t, deployDir) {
		var err error
		strict := client.FieldValidation("Strict") // an unknown field is an error, not a warning
		if u.GetKind() == "Namespace" {
			err = cluster.client.Create(ctx, u, strict)
		} else {
			err = cluster.client.Create(ctx, u, client.DryRunAll, strict)
		}
		require.NoError(t, err, "%s %s", u.GetKind(), u.GetName())
	}
}

// TestServiceMonitorBehindHTTPS: behind each HTTPS overlay, its
// monitoring kustomization scrapes Kite over https and verifies the
// certificate: the name it checks is one the certificate covers, and the
// CA comes from whoever writes the certificate (cert-manager's secret,
// OpenShift's injected service CA). The plain one scrapes http.
func TestServiceMonitorBehindHTTPS(t *testing.T) {
	root := filepath.Dir(deployDir)
	endpoint := func(objs []*unstructured.Unstructured) map[string]any {
		t.Helper()
		for _, u := range objs {
			if u.GetKind() == "ServiceMonitor" && u.GetName() == "kite" {
				eps, _, _ := unstructured.NestedSlice(u.Object, "spec", "endpoints")
				require.Len(t, eps, 1)
				return eps[0].(map[string]any)
			}
		}
		t.Fatal("no ServiceMonitor kite")
		return nil
	}
	plain := endpoint(build(t, filepath.Join(root, "monitoring")))
	assert.Contains(t, []any{nil, "http"}, plain["scheme"], "the base serves http")

	for _, overlay := range []string{"cert-manager", "openshift"} {
		t.Run(overlay, func(t *testing.T) {
			served := build(t, filepath.Join(root, "overlays", overlay))
			objs := build(t, filepath.Join(root, "overlays", overlay, "monitoring"))
			ep := endpoint(objs)
			assert.Equal(t, "https", ep["scheme"])
			assert.Equal(t, plain["port"], ep["port"])
			assert.Equal(t, plain["bearerTokenFile"], ep["bearerTokenFile"], "still with Prometheus' token")
			tlsConfig, ok := ep["tlsConfig"].(map[string]any)
			require.True(t, ok, "tlsConfig")
			serverName, _ := tlsConfig["serverName"].(string)
			svc := find[corev1.Service](t, served, "Service", "kite")
			switch overlay {
			case "cert-manager":
				var cert *unstructured.Unstructured
				for _, u := range served {
					if u.GetKind() == "Certificate" {
						cert = u
					}
				}
				require.NotNil(t, cert)
				names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
				assert.Contains(t, names, serverName, "the certificate covers the name checked")
				secret, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
				ca, _, _ := unstructured.NestedStringMap(tlsConfig, "ca", "secret")
				assert.Equal(t, map[string]string{"name": secret, "key": "ca.crt"}, ca, "the CA cert-manager writes with the certificate")
			case "openshift":
				assert.Equal(t, svc.Name+"."+svc.Namespace+".svc", serverName, "the name the service CA issues for")
				ca, _, _ := unstructured.NestedStringMap(tlsConfig, "ca", "configMap")
				assert.Equal(t, "service-ca.crt", ca["key"])
				cm := find[corev1.ConfigMap](t, objs, "ConfigMap", ca["name"])
				assert.Equal(t, svc.Namespace, cm.Namespace, "beside the ServiceMonitor")
				assert.Equal(t, "true", cm.Annotations["service.beta.openshift.io/inject-cabundle"], "the service CA operator fills it")
			}
		})
	}
}
