package main

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/auth"
)

// authOptions are kite serve's settings for who may call it.
type authOptions struct {
	mode         string
	anyAddress   bool
	clientCAFile string
	tokenTTL     time.Duration
	allowTTL     time.Duration
	denyTTL      time.Duration
	metricsOpen  bool
	limits       api.RateLimits
	limitsSet    bool // a rate flag was given: limits apply with --auth=none too
}

func (o *authOptions) register(f *pflag.FlagSet, env lookupEnv) {
	f.StringVar(&o.mode, "auth", envOr(env, "KITE_AUTH", "auto"), "who may call: kubernetes (the cluster authenticates callers and its RBAC authorizes them, docs/security.md), none (anyone who reaches the port; loopback addresses only), or auto: kubernetes in a pod, or with a kubeconfig whose cluster answers, else none (env KITE_AUTH)")
	f.BoolVar(&o.anyAddress, "auth-none-any-address", false, "allow --auth=none on an address other than loopback: anyone who reaches it may read, change and delete every issue")
	f.StringVar(&o.clientCAFile, "client-ca-file", envOr(env, "KITE_CLIENT_CA_FILE", ""), "also accept client certificates signed by this CA bundle (the cluster's client CA); reloaded when it changes")
	f.DurationVar(&o.tokenTTL, "auth-token-ttl", 10*time.Second, "how long a token's review is remembered")
	f.DurationVar(&o.allowTTL, "auth-allow-ttl", 10*time.Second, "how long an allowed access decision is remembered")
	f.DurationVar(&o.denyTTL, "auth-deny-ttl", 5*time.Second, "how long a denied access decision is remembered")
	f.BoolVar(&o.metricsOpen, "metrics-open", false, "serve /metrics to anyone; by default it needs get on the non-resource URL /metrics")
	f.Float64Var(&o.limits.ReadsPerSecond, "reads-per-second", 50, "each caller's sustained read rate (GET); 0 for no limit; over it, 429 with Retry-After. Applied with authentication on, or when set")
	f.IntVar(&o.limits.ReadBurst, "read-burst", 100, "reads a caller may make at once above the rate")
	f.Float64Var(&o.limits.WritesPerSecond, "writes-per-second", 100, "each caller's sustained write rate (reports, edits); 0 for no limit")
	f.IntVar(&o.limits.WriteBurst, "write-burst", 200, "writes a caller may make at once above the rate")
}

// rateLimits are the per-caller limits to apply: with authentication on,
// where callers are told apart, or when a rate flag was given.
func (o *authOptions) rateLimits(authOn bool) *api.RateLimits {
	if !authOn && !o.limitsSet {
		return nil
	}
	l := o.limits
	return &l
}

// build returns the Kubernetes authenticator and authorizer the options
// ask for, or nil for --auth=none, which it allows only on a loopback
// address unless forced, with a warning either way.
func (o *authOptions) build(addr, kubeconfig string, reg prometheus.Registerer, log *slog.Logger) (*auth.Kubernetes, error) {
	mode := o.mode
	switch mode {
	case "kubernetes", "none":
	case "auto":
		mode = autoAuthMode(kubeconfig, log)
	default:
		return nil, usageErrorf("--auth must be auto, kubernetes or none, not %q", o.mode)
	}
	if mode == "none" {
		if !loopback(addr) && !o.anyAddress {
			return nil, usageErrorf("--auth=none on %s would let anyone who reaches it read, change and delete every issue: listen on 127.0.0.1, use --auth=kubernetes, or force it with --auth-none-any-address", addr)
		}
		log.Warn("authentication is off: every caller may read, change and delete every issue", "addr", addr)
		return nil, nil
	}
	cfg, err := loadClusterConfig(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("--auth=kubernetes needs a cluster to ask: %w", err)
	}
	k, err := auth.New(auth.Options{
		Config: cfg, ClientCAFile: o.clientCAFile, TokenTTL: o.tokenTTL, AllowTTL: o.allowTTL, DenyTTL: o.denyTTL,
		Logger: log, Registerer: reg,
	})
	if err != nil {
		return nil, err
	}
	log.Info("callers are authenticated and authorized by the cluster", "host", cfg.Host, "client_ca", o.clientCAFile != "")
	return k, nil
}

// autoAuthMode is --auth=auto's choice: kubernetes in a pod, whatever the
// API server's state (falling back to no authentication there would open
// the port to the pod network); elsewhere kubernetes when a kubeconfig is
// configured and its cluster answers, else none (which build then allows on
// loopback only): a developer's stale kubeconfig must not make every
// request of make run a 503.
func autoAuthMode(kubeconfig string, log *slog.Logger) string {
	if kubeconfig == "" {
		if _, err := rest.InClusterConfig(); err == nil {
			return "kubernetes"
		}
	}
	cfg, err := loadClusterConfig(kubeconfig)
	if err != nil {
		return "none"
	}
	probe := rest.CopyConfig(cfg)
	probe.Timeout = 3 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(probe)
	if err == nil {
		_, err = dc.ServerVersion()
	}
	if err != nil {
		log.Warn("--auth=auto: the kubeconfig's cluster does not answer, so callers are not authenticated (--auth=kubernetes makes this an error)", "host", cfg.Host, "err", err)
		return "none"
	}
	return "kubernetes"
}

// loopback reports whether a listen address only accepts local callers.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
