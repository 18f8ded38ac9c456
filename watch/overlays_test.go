package watch_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// build renders a kustomization as kubectl apply -k would.
func build(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	require.NoError(t, err, dir)
	var out []*unstructured.Unstructured
	for _, r := range res.Resources() {
		m, err := r.Map()
		require.NoError(t, err)
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out
}

func typed[T any](t *testing.T, u *unstructured.Unstructured) *T {
	t.Helper()
	var v T
	b, err := yaml.Marshal(u.Object)
	require.NoError(t, err)
	require.NoError(t, yaml.UnmarshalStrict(b, &v))
	return &v
}

// TestOverlaysServeHTTPS builds every kustomization under deploy/ and
// checks what the HTTPS overlays change: the serving pair from the secret
// kite-tls, probes over HTTPS, and who writes the secret. With a cluster,
// the overlays' Deployment and Service also pass a strict server-side dry
// run.
func TestOverlaysServeHTTPS(t *testing.T) {
	root := filepath.Dir(deployDir)
	for _, dir := range []string{"", "monitoring", "examples/unauthenticated-reporter"} {
		require.NotEmpty(t, build(t, filepath.Join(root, dir)), dir)
	}
	for _, overlay := range []string{"cert-manager", "openshift"} {
		t.Run(overlay, func(t *testing.T) {
			objs := build(t, filepath.Join(root, "overlays", overlay))
			var dep *appsv1.Deployment
			var svc *corev1.Service
			kinds := map[string]bool{}
			for _, u := range objs {
				kinds[u.GetKind()] = true
				switch {
				case u.GetKind() == "Deployment" && u.GetName() == "kite":
					dep = typed[appsv1.Deployment](t, u)
				case u.GetKind() == "Service" && u.GetName() == "kite":
					svc = typed[corev1.Service](t, u)
				}
			}
			require.NotNil(t, dep)
			require.NotNil(t, svc)
			c := dep.Spec.Template.Spec.Containers[0]
			assert.Contains(t, c.Args, "--tls-cert-file=/tls/tls.crt")
			assert.Contains(t, c.Args, "--tls-key-file=/tls/tls.key")
			assert.True(t, slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "tls" && m.MountPath == "/tls" }))
			assert.True(t, slices.ContainsFunc(dep.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool {
				return v.Name == "tls" && v.Secret != nil && v.Secret.SecretName == "kite-tls"
			}))
			for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
				assert.Equal(t, corev1.URISchemeHTTPS, p.HTTPGet.Scheme, name)
			}
			if overlay == "openshift" {
				assert.Equal(t, "kite-tls", svc.Annotations["service.beta.openshift.io/serving-cert-secret-name"])
			} else {
				assert.True(t, kinds["Certificate"], "cert-manager writes the secret")
			}
			if cluster.client == nil {
				return
			}
			ctx := context.Background()
			for _, u := range objs {
				if u.GetKind() != "Deployment" && u.GetKind() != "Service" {
					continue
				}
				if u.GetNamespace() != "" {
					ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": u.GetNamespace()}}}
					_ = cluster.client.Create(ctx, ns)
				}
				require.NoError(t, cluster.client.Create(ctx, u, client.DryRunAll, client.FieldValidation("Strict")), "%s %s", u.GetKind(), u.GetName())
			}
		})
	}
}
