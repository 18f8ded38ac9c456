package auth_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// cluster is the envtest API server (with the RBAC authorizer) the tests
// share, or nil when KUBEBUILDER_ASSETS does not name its binaries. It
// signs service-account tokens with saKey, the tests' own key, so that
// they can make tokens the API server checks as it checks its own
// (expired ones: TokenRequest's shortest lifetime is ten minutes).
var cluster struct {
	env   *envtest.Environment
	cfg   *rest.Config
	cs    *kubernetes.Clientset
	saKey *rsa.PrivateKey
	skip  string
}

func TestMain(m *testing.M) {
	code := func() int {
		if os.Getenv("KUBEBUILDER_ASSETS") == "" {
			cluster.skip = "the authentication tests need a kube-apiserver and etcd: run them with KUBEBUILDER_ASSETS=$(scripts/envtest.sh) go test ./auth/"
			return m.Run()
		}
		cluster.env = &envtest.Environment{}
		keyFile, err := signingKey()
		if err != nil {
			fmt.Fprintln(os.Stderr, "auth: service-account signing key:", err)
			return 1
		}
		defer func() { _ = os.RemoveAll(filepath.Dir(keyFile)) }()
		cluster.env.ControlPlane.GetAPIServer().Configure().
			Set("service-account-signing-key-file", keyFile).
			Set("service-account-key-file", keyFile)
		cfg, err := cluster.env.Start()
		if err != nil {
			fmt.Fprintln(os.Stderr, "auth: envtest:", err)
			return 1
		}
		defer func() { _ = cluster.env.Stop() }()
		cluster.cfg = cfg
		cluster.cs = kubernetes.NewForConfigOrDie(cfg)
		if err := applyRoles(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "auth: deploy/base/rbac-access.yaml:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// signingKey makes cluster.saKey and writes it where the API server reads
// it, in a directory of its own.
func signingKey() (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "kite-auth-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "sa.key")
	block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, block, 0o600); err != nil {
		return "", err
	}
	cluster.saKey = key
	return path, nil
}

// resign returns token (one the API server issued) with its times moved
// so that it expires at exp, signed again with the cluster's key: the
// same token but for its lifetime.
func resign(t testing.TB, token string, exp time.Time) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	claims["exp"] = exp.Unix()
	claims["iat"] = exp.Add(-time.Hour).Unix()
	claims["nbf"] = exp.Add(-time.Hour).Unix()
	raw, err = json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signed := parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, cluster.saKey, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func needCluster(t *testing.T) {
	t.Helper()
	if cluster.cfg == nil {
		t.Skip(cluster.skip)
	}
}

// applyRoles creates the ClusterRoles and bindings deploy/ ships.
func applyRoles(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join("..", "deploy", "base", "rbac-access.yaml"))
	if err != nil {
		return err
	}
	dec := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	for {
		doc, err := dec.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return err
		}
		switch meta.Kind {
		case "ClusterRole":
			var r rbacv1.ClusterRole
			if err := yaml.UnmarshalStrict(doc, &r); err != nil {
				return err
			}
			if _, err := cluster.cs.RbacV1().ClusterRoles().Create(ctx, &r, metav1.CreateOptions{}); err != nil {
				return err
			}
		case "ClusterRoleBinding":
			var r rbacv1.ClusterRoleBinding
			if err := yaml.UnmarshalStrict(doc, &r); err != nil {
				return err
			}
			if _, err := cluster.cs.RbacV1().ClusterRoleBindings().Create(ctx, &r, metav1.CreateOptions{}); err != nil {
				return err
			}
		case "":
		default:
			return fmt.Errorf("teach this test kind %q", meta.Kind)
		}
	}
}

// serviceAccount creates a service account in ns and returns a token for
// it, minted with the TokenRequest API.
func serviceAccount(t testing.TB, ns, name string) string {
	t.Helper()
	ctx := context.Background()
	ensureNamespace(t, ns)
	_, err := cluster.cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cluster.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

func ensureNamespace(t testing.TB, ns string) {
	t.Helper()
	_, err := cluster.cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// bind grants a ClusterRole to a subject, in ns or (ns "") cluster-wide.
func bind(t testing.TB, role, ns string, subject rbacv1.Subject) {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("%s-%s-%s", role, subject.Kind, subject.Name)
	ref := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role}
	var err error
	if ns == "" {
		_, err = cluster.cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: sanitize(name)}, RoleRef: ref, Subjects: []rbacv1.Subject{subject}}, metav1.CreateOptions{})
	} else {
		ensureNamespace(t, ns)
		_, err = cluster.cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: sanitize(name)}, RoleRef: ref, Subjects: []rbacv1.Subject{subject}}, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func serviceAccountSubject(ns, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: "ServiceAccount", Name: name, Namespace: ns}
}

func sanitize(s string) string {
	out := []byte{}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.':
			out = append(out, c)
		case c >= 'A' && c <= 'Z':
			out = append(out, c+'a'-'A')
		default:
			out = append(out, '-')
		}
	}
	return string(out)
}
