package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/store"
)

// serveOptions are kite serve's settings after flags and environment.
type serveOptions struct {
	addr            string
	dataDir         string
	log             logFlags
	demo            bool
	maxBodyBytes    int64
	clusterURL      string
	logsEndpoint    string
	runRetention    string
	searchTimeout   time.Duration
	writeTimeout    time.Duration
	maxExpensive    int
	maxPerCaller    int
	metricsNS       int
	maxConns        int
	corsOrigins     []string
	shutdownTimeout time.Duration
	lockTimeout     time.Duration
	debugAddr       string
	tlsCert         string
	tlsKey          string
	watch           watchOptions
	auth            authOptions
	backupDir       string
	backupEvery     time.Duration
	backupKeep      int
	retain          retentionFlags
	notify          notifyFlags
}

func newServeCmd(env lookupEnv) *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Kite server: REST API, webhooks and metrics over a local data directory",
		Long: `Run the Kite server. Issues are kept in a bbolt file in --data-dir; the
v1 REST API and webhooks, /healthz, /readyz, /metrics and /openapi.json are
served on --addr. SIGTERM or SIGINT stops accepting connections, lets
in-flight requests finish and closes the store.

With --watch=auto (the default) it also watches Tekton PipelineRuns when a
cluster serving them is reachable (in-cluster config, --kubeconfig or
KUBECONFIG): a failed run opens an issue, a passing run resolves it.

Environment: KITE_ADDR (or the original's KITE_HOST and KITE_PORT),
KITE_DATA_DIR, KITE_LOG_FORMAT, KITE_LOG_LEVEL, KITE_CLUSTER_URL,
KITE_DEBUG_ADDR.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range []string{"reads-per-second", "read-burst", "writes-per-second", "write-burst"} {
				o.auth.limitsSet = o.auth.limitsSet || cmd.Flags().Changed(name)
			}
			return o.log.runDaemon(cmd, func(ctx context.Context, log *slog.Logger) error { return serve(ctx, o, log) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", defaultAddr(env), "listen address (env KITE_ADDR, or KITE_HOST and KITE_PORT)")
	dataDirFlag(f, env, &o.dataDir)
	o.log.register(cmd, env)
	f.BoolVar(&o.demo, "demo", false, "load a sample set of issues when the store is empty")
	f.Int64Var(&o.maxBodyBytes, "max-body-bytes", api.DefaultMaxBodyBytes, "largest request body accepted; larger ones get 413")
	f.StringVar(&o.clusterURL, "cluster-url", envOr(env, "KITE_CLUSTER_URL", api.DefaultClusterURL), "console URL of pipeline-failure log links when a webhook has a runId but no logsUrl (env KITE_CLUSTER_URL)")
	f.StringVar(&o.logsEndpoint, "logs-endpoint", envOr(env, "KITE_LOGS_ENDPOINT", api.DefaultLogsEndpoint), "path after --cluster-url to which a webhook's runId is appended; with {runId} (and {namespace}) placeholders they are replaced instead (env KITE_LOGS_ENDPOINT)")
	f.IntVar(&o.maxConns, "max-connections", 0, "connections served at once; more wait until one closes (default: the open-file limit less 256, kept for the store, the index and the watcher)")
	f.IntVar(&o.metricsNS, "metrics-namespaces", store.DefaultMetricsNamespaces, "namespaces (those with the most issues) with kite_issues series of their own; the rest are summed as namespace=\"other\"")
	f.StringVar(&o.runRetention, "run-retention", envOr(env, "KITE_RUN_RETENTION", service.DefaultRunRetention.String()), "how long applied run ids are remembered so that re-sent runs change nothing; longer than the cluster keeps completed PipelineRuns (env KITE_RUN_RETENTION)")
	f.DurationVar(&o.writeTimeout, "write-timeout", 30*time.Second, "longest the writing of one ordinary response may take; a client that reads slower loses its connection (the event stream has its own heartbeat deadline)")
	f.IntVar(&o.maxExpensive, "max-searches", 0, "searches (and v1 lists with search= or over 100 issues) served at once; more get 503 with Retry-After (default: 4 per CPU)")
	f.IntVar(&o.maxPerCaller, "max-searches-per-caller", 0, "of those, how many one authenticated caller may run at once; more get 429 with Retry-After (default: a quarter of --max-searches, at least 1)")
	f.DurationVar(&o.searchTimeout, "search-timeout", service.DefaultSearchTimeout, "longest a search of the index may run; longer ones stop with 503")
	f.StringSliceVar(&o.corsOrigins, "cors-origin", splitList(envOr(env, "KITE_CORS_ORIGINS", "")), "browser origins allowed to call the API, comma-separated; * for any, refused with authentication on (default * with --auth=none, none otherwise; env KITE_CORS_ORIGINS)")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight requests may take to finish on shutdown")
	f.DurationVar(&o.lockTimeout, "lock-timeout", 2*time.Second, "how long to wait for another process to release the data directory")
	o.watch.register(f, env, "auto")
	o.auth.register(f, env)
	f.StringVar(&o.tlsCert, "tls-cert-file", envOr(env, "KITE_TLS_CERT_FILE", ""), "serve HTTPS with this certificate (PEM, with its chain); reloaded when it changes (env KITE_TLS_CERT_FILE)")
	f.StringVar(&o.tlsKey, "tls-key-file", envOr(env, "KITE_TLS_KEY_FILE", ""), "the certificate's private key (env KITE_TLS_KEY_FILE)")
	o.retain.register(f, env)
	o.notify.register(f, env)
	f.StringVar(&o.backupDir, "backup-dir", envOr(env, "KITE_BACKUP_DIR", ""), "write a backup of the store into this directory every --backup-every (a second volume or a mounted bucket; docs/operations.md); off when empty (env KITE_BACKUP_DIR)")
	f.DurationVar(&o.backupEvery, "backup-every", service.DefaultBackupEvery, "how often --backup-dir receives a backup")
	f.IntVar(&o.backupKeep, "backup-keep", service.DefaultBackupKeep, "how many of the newest backups --backup-dir keeps")
	f.StringVar(&o.debugAddr, "debug-addr", envOr(env, "KITE_DEBUG_ADDR", ""), "serve Go's profiler (/debug/pprof/) on this address; off when empty (env KITE_DEBUG_ADDR)")
	return cmd
}

// defaultAddr honours KITE_ADDR, then the original Kite's KITE_HOST and
// KITE_PORT, then :8080.
func defaultAddr(env lookupEnv) string {
	if v, ok := env("KITE_ADDR"); ok && v != "" {
		return v
	}
	host, _ := env("KITE_HOST")
	port, ok := env("KITE_PORT")
	if !ok || port == "" {
		port = "8080"
	}
	return net.JoinHostPort(host, port)
}

// dataDirFlag is the --data-dir flag of every command that opens one.
func dataDirFlag(f *pflag.FlagSet, env lookupEnv, p *string) {
	f.StringVar(p, "data-dir", envOr(env, "KITE_DATA_DIR", "./kite-data"), "data directory (env KITE_DATA_DIR)")
}

func envOr(env lookupEnv, key, def string) string {
	if v, ok := env(key); ok && v != "" {
		return v
	}
	return def
}

// serve runs the server until ctx ends, then shuts it down in reverse order
// of start: listener and in-flight requests first, the store last.
func serve(ctx context.Context, o serveOptions, log *slog.Logger) error {
	if o.maxBodyBytes <= 0 {
		return usageErrorf("--max-body-bytes must be positive")
	}
	if o.writeTimeout <= 0 || o.maxExpensive < 0 || o.maxPerCaller < 0 {
		return usageErrorf("--write-timeout must be positive and --max-searches and --max-searches-per-caller not negative")
	}
	if o.searchTimeout <= 0 {
		return usageErrorf("--search-timeout must be a positive duration such as 10s, not %s", o.searchTimeout)
	}
	if err := o.watch.validate(); err != nil {
		return err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usageErrorf("--tls-cert-file and --tls-key-file go together")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	authk, err := o.auth.build(o.addr, o.watch.kubeconfig, reg, log)
	if err != nil {
		return err
	}
	var authn api.Authenticator
	var authz kite.Authorizer
	if authk != nil {
		authn, authz = authk, authk
		actx, stopAuth := context.WithCancel(ctx)
		defer stopAuth()
		go authk.Run(actx)
	}
	if o.backupDir != "" && (o.backupEvery < time.Minute || o.backupKeep < 1) {
		return usageErrorf("--backup-every must be at least 1m and --backup-keep at least 1")
	}
	retention, err := o.retain.parse()
	if err != nil {
		return usageError{err}
	}
	runRetention, err := time.ParseDuration(o.runRetention)
	if err != nil || runRetention <= 0 {
		return usageErrorf("--run-retention must be a positive duration such as 720h, not %q", o.runRetention)
	}
	st, err := service.Open(service.Options{
		Dir: o.dataDir, Logger: log, Registerer: reg, LockTimeout: o.lockTimeout, RunRetention: runRetention,
		MetricsNamespaces: o.metricsNS, SearchTimeout: o.searchTimeout,
		BackupDir: o.backupDir, BackupEvery: o.backupEvery, BackupKeep: o.backupKeep, Retention: retention,
		Notify: o.notify.options(),
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing store", "err", err)
		}
	}()
	if o.demo {
		n, err := loadDemo(ctx, st)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if n > 0 {
			log.Info("loaded demo issues", "count", n)
		}
	}

	checks := map[string]func(context.Context) error{}
	w, err := o.watch.newWatcher(st, reg, log)
	if err != nil {
		return err
	}
	if w != nil {
		checks["watcher"] = w.Check
		wctx, stopWatch := context.WithCancel(ctx)
		watchDone := make(chan struct{})
		go func() {
			defer close(watchDone)
			if err := w.Run(wctx); err != nil {
				log.Error("PipelineRun watcher stopped; /readyz reports it", "err", err)
			}
		}()
		// Deferred after the store's Close, so it runs first: the
		// watcher stops writing before the store closes.
		defer func() { stopWatch(); <-watchDone }()
	}

	closing := make(chan struct{})
	handler, err := api.New(api.Options{
		Service:               st,
		Ping:                  st.Ping,
		Logger:                log,
		Registerer:            reg,
		Gatherer:              reg,
		MaxBodyBytes:          o.maxBodyBytes,
		Version:               buildVersion(),
		ClusterURL:            o.clusterURL,
		LogsEndpoint:          o.logsEndpoint,
		CORSOrigins:           o.corsOrigins,
		Checks:                checks,
		WriteTimeout:          o.writeTimeout,
		MaxExpensive:          o.maxExpensive,
		MaxExpensivePerCaller: o.maxPerCaller,
		Degraded:              map[string]func(context.Context) error{"storage": func(context.Context) error { return st.WriteFault() }},
		Closing:               closing,
		Authenticator:         authn,
		Authorizer:            authz,
		MetricsOpen:           o.auth.metricsOpen,
		RateLimits:            o.auth.rateLimits(authn != nil),
	})
	if err != nil {
		return err
	}
	scheme := "http"
	var tlsCfg *tls.Config
	if o.tlsCert != "" {
		tctx, stopTLS := context.WithCancel(ctx)
		defer stopTLS()
		if tlsCfg, err = servingTLS(tctx, o.tlsCert, o.tlsKey, o.auth.clientCAFile != ""); err != nil {
			return err
		}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	ln, maxConns := limitConnections(ln, o.maxConns)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { close(closing) })
	stopDebug, err := startDebug(o.debugAddr, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopDebug()
	log.Info("kite serving", "addr", ln.Addr().String(), "scheme", scheme, "max_connections", maxConns, "data_dir", o.dataDir, "version", buildVersion())

	errc := make(chan error, 1)
	go func() {
		if tlsCfg != nil {
			srv.TLSConfig = tlsCfg
			errc <- srv.ServeTLS(ln, "", "") // the pair comes from GetCertificate
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", o.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
