package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kiteTransport is a copy of base (Go's default transport when nil) that
// verifies Kite's certificate against caFile (Kite's own CA, e.g. the
// cluster's service CA), else against the system's roots. The
// kube-apiserver's CA is never used for it: Kite is not the API server.
func kiteTransport(base *http.Transport, caFile string) (*http.Transport, error) {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	t := base.Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--certificate-authority: %w", err)
		}
		t.TLSClientConfig.RootCAs = x509.NewCertPool()
		if !t.TLSClientConfig.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usageErrorf("--certificate-authority %s holds no PEM certificate", caFile)
		}
	}
	return t, nil
}

// clusterCredentials wraps t in what carries the cluster identity of the
// person or pod running a client command to Kite, so that a Kite that
// authenticates callers (kite serve --auth=kubernetes) knows them without
// a token of its own: the kubeconfig's (or, in a pod, the service
// account's) bearer token, exec plugin or client certificate, through
// client-go. It returns t itself when no cluster is configured.
func clusterCredentials(rules *clientcmd.ClientConfigLoadingRules, inCluster bool, t *http.Transport) (http.RoundTripper, error) {
	cfg, err := clusterConfigFrom(rules, inCluster)
	if err != nil {
		return t, nil //nolint:nilerr // no cluster configured: no credentials to send
	}
	clusterTLS, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig credentials: %w", err)
	}
	if clusterTLS != nil {
		t = t.Clone()
		t.TLSClientConfig.Certificates = clusterTLS.Certificates
		t.TLSClientConfig.GetClientCertificate = clusterTLS.GetClientCertificate
	}
	rt, err := rest.HTTPWrappersForConfig(cfg, t)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig credentials: %w", err)
	}
	return rt, nil
}

// credentials is what a client command sends Kite, the same for every
// client command: a token of Kite's own (--token, KITE_TOKEN, else kite
// config's) with a transport that verifies Kite, or without one, a
// transport that carries the kubeconfig's credentials (clusterCredentials).
// base gives the connection settings (nil: Go's defaults).
func (o *clientOptions) credentials(cfg cliConfig, base *http.Transport) (string, http.RoundTripper, error) {
	t, err := kiteTransport(base, firstOf(o.caFile, envValue(o.env, "KITE_CA_FILE")))
	if err != nil {
		return "", nil, err
	}
	if token := firstOf(o.token, envValue(o.env, "KITE_TOKEN"), cfg.Token); token != "" {
		return token, t, nil
	}
	rt, err := clusterCredentials(o.kubeconfigRules(), o.inCluster(), t)
	return "", rt, err
}
