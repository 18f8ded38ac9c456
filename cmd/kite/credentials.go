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

// clusterCredentials is the transport that carries the cluster identity
// of the person or pod running a client command to Kite, so that a Kite
// that authenticates callers (kite serve --auth=kubernetes) knows them
// without a token of its own: the kubeconfig's (or, in a pod, the service
// account's) bearer token, exec plugin or client certificate, through
// client-go. The kube-apiserver's CA is not used to verify Kite: caFile
// (Kite's own CA, e.g. the cluster's service CA), else the system's roots.
// It returns nil when no cluster is configured.
func clusterCredentials(rules *clientcmd.ClientConfigLoadingRules, inCluster bool, caFile string) (http.RoundTripper, error) {
	cfg, err := clusterConfigFrom(rules, inCluster)
	if err != nil {
		return nil, nil //nolint:nilerr // no cluster configured: no credentials to send
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--certificate-authority: %w", err)
		}
		tlsCfg.RootCAs = x509.NewCertPool()
		if !tlsCfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usageErrorf("--certificate-authority %s holds no PEM certificate", caFile)
		}
	}
	clusterTLS, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig credentials: %w", err)
	}
	if clusterTLS != nil {
		tlsCfg.Certificates = clusterTLS.Certificates
		tlsCfg.GetClientCertificate = clusterTLS.GetClientCertificate
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = tlsCfg
	rt, err := rest.HTTPWrappersForConfig(cfg, base)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig credentials: %w", err)
	}
	return rt, nil
}
