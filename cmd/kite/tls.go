package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"sync"

	"k8s.io/apiserver/pkg/server/dynamiccertificates"
)

// servingTLS is the TLS configuration of kite serve with --tls-cert-file
// and --tls-key-file. The pair is reloaded when its files change (a
// rotated cert-manager or service-CA secret), until ctx ends, without a
// restart: each handshake takes the current pair. With requestClientCerts
// a client may present a certificate, which the authenticator verifies
// against the cluster's client CA; the handshake itself does not require
// one, since most callers send tokens.
func servingTLS(ctx context.Context, certFile, keyFile string, requestClientCerts bool) (*tls.Config, error) {
	content, err := dynamiccertificates.NewDynamicServingContentFromFiles("serving", certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert-file, --tls-key-file: %w", err)
	}
	go content.Run(ctx, 1)
	pair := &currentPair{content: content}
	if _, err := pair.get(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return pair.get() },
	}
	if requestClientCerts {
		cfg.ClientAuth = tls.RequestClientCert
	}
	return cfg, nil
}

// currentPair parses the serving pair once per change of its files.
type currentPair struct {
	content   *dynamiccertificates.DynamicCertKeyPairContent
	mu        sync.Mutex
	cert, key []byte
	parsed    *tls.Certificate
}

func (p *currentPair) get() (*tls.Certificate, error) {
	cert, key := p.content.CurrentCertKeyContent()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.parsed != nil && bytes.Equal(cert, p.cert) && bytes.Equal(key, p.key) {
		return p.parsed, nil
	}
	c, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	p.cert, p.key, p.parsed = cert, key, &c
	return p.parsed, nil
}
