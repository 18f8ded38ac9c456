package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/konflux-ci/kite/api"
)

// remoteWatchOptions are kite watch's settings.
type remoteWatchOptions struct {
	server string
	token  string
	caFile string
	addr   string
	log    logFlags
	watch  watchOptions
}

func newWatchCmd(env lookupEnv) *cobra.Command {
	o := remoteWatchOptions{}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch Tekton PipelineRuns and report them to a Kite elsewhere through its webhooks",
		Long: `Run only the PipelineRun watchers, for clusters where Kite itself runs
elsewhere: a failed run is sent to the server's pipeline-failure webhook and a
passing one to its pipeline-success webhook, each naming the run so that the
server applies it once and in completion order; a refused or failed send is
retried with backoff. /metrics, /healthz and /readyz are served on --addr.

Without a token it reports with its cluster identity (in a pod, its service
account's; bind it to the kite-reporter role where it reports).

Environment: KITE_SERVER, KITE_TOKEN, KITE_CA_FILE, KUBECONFIG, KITE_WATCH_NAMESPACES,
KITE_WATCH_LOG_URL, KITE_WATCH_SEVERITY_RULES, POD_NAMESPACE.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.log.runDaemon(cmd, func(ctx context.Context, log *slog.Logger) error { return remoteWatch(ctx, o, log) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.server, "server", envOr(env, "KITE_SERVER", ""), "URL of the Kite to report to (env KITE_SERVER)")
	f.StringVar(&o.token, "token", envOr(env, "KITE_TOKEN", ""), "bearer token for the server (env KITE_TOKEN); default: the cluster identity of --kubeconfig or the pod")
	f.StringVar(&o.caFile, "certificate-authority", envOr(env, "KITE_CA_FILE", ""), "CA bundle that signed the server's certificate (env KITE_CA_FILE); default: the system's roots")
	f.StringVar(&o.addr, "addr", ":8081", "listen address of /metrics, /healthz and /readyz")
	o.log.register(cmd, env)
	o.watch.register(f, env, "on")
	cmd.AddCommand(newWatchRulesCmd(env))
	return cmd
}

func remoteWatch(ctx context.Context, o remoteWatchOptions, log *slog.Logger) error {
	if o.server == "" {
		return usageErrorf("--server (or KITE_SERVER) is required")
	}
	if err := o.watch.validate(); err != nil {
		return err
	}
	if o.watch.mode == "off" {
		return usageErrorf("--watch=off leaves kite watch nothing to do")
	}
	t, err := kiteTransport(nil, o.caFile)
	if err != nil {
		return err
	}
	copts := api.ClientOptions{Server: o.server, Token: o.token, Transport: t}
	if o.token == "" {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		rules.ExplicitPath = o.watch.kubeconfig
		if copts.Transport, err = clusterCredentials(rules, o.watch.kubeconfig == "", t); err != nil {
			return err
		}
	}
	client, err := api.NewClient(copts)
	if err != nil {
		return usageErrorf("--server: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w, err := o.watch.newWatcher(client, reg, log)
	if err != nil {
		return err
	}
	if w == nil {
		return errors.New("no cluster with Tekton to watch (see the log above)")
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) { _, _ = rw.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		if err := w.Check(r.Context()); err != nil {
			http.Error(rw, err.Error(), http.StatusServiceUnavailable)
			return
		}
		state, _ := w.State()
		_, _ = fmt.Fprintln(rw, state)
	})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("kite watch reporting", "server", o.server, "addr", ln.Addr().String())
	return w.Run(ctx)
}
