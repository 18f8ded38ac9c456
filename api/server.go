package api

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/konflux-ci/kite"
)

// Defaults for Options fields left zero.
const (
	DefaultMaxBodyBytes = 1 << 20
	// DefaultClusterURL and DefaultLogsEndpoint are the original Kite's
	// KITE_CLUSTER_URL and KITE_LOGS_ENDPOINT defaults.
	DefaultClusterURL   = "https://konflux.dev"
	DefaultLogsEndpoint = "/logs/pipelineruns/"
)

// Options configures the HTTP handler. Only Service is required.
type Options struct {
	// Service serves every read and write.
	Service kite.Service
	// Ping reports storage health for /readyz and /api/v1/health; a nil
	// error means healthy. When unset, the Service's own Ping method is used
	// if it has one, and storage is otherwise assumed healthy.
	Ping func(context.Context) error
	// Checks are further readiness checks by component name (the
	// PipelineRun watcher): /readyz fails while one fails, and
	// /api/v1/health reports each.
	Checks map[string]func(context.Context) error
	// Degraded are checks of components that can fail in part (the
	// store's writes on a full volume, while reads and search go on):
	// while one fails, /readyz still answers 200 (one replica taken out
	// of its Service would lose the reads too) but says "degraded" and
	// why, and /api/v1/health reports the component DEGRADED.
	Degraded map[string]func(context.Context) error
	// Logger receives 5xx errors, recovered panics and the access log:
	// writes at Info (the audit trail), reads at Debug. Nil discards.
	Logger *slog.Logger
	// Registerer gets the HTTP and webhook metrics; Gatherer is what
	// /metrics serves. When both are nil a private registry is used; when
	// only Registerer is set it must also be a Gatherer.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// MaxBodyBytes caps request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// Version is reported by /api/v1/version and /api/v1/health.
	Version string
	// ClusterURL and LogsEndpoint build a pipeline-failure's "Pipeline Run
	// Logs" link when the payload has a runId but no logsUrl, as the
	// original Kite did: ClusterURL + LogsEndpoint + runId. An endpoint
	// with {runId} (and {namespace}) placeholders has them replaced
	// instead. Defaults: DefaultClusterURL, DefaultLogsEndpoint.
	ClusterURL   string
	LogsEndpoint string
	// CORSOrigins are the browser origins allowed to call the API: a
	// request's Origin among them is echoed in Access-Control-Allow-Origin.
	// "*" allows any origin and is refused with an Authenticator. Default:
	// "*" without an Authenticator, none with one.
	CORSOrigins []string
	// Authenticator, when set, identifies every caller (rejected
	// credentials get 401) and Authorizer decides: the Service is wrapped
	// in kite.Authorized, /metrics needs get on that path (unless
	// MetricsOpen), impersonation needs impersonate. Without it Kite trusts
	// its callers and takes the actor of a write from X-Kite-User.
	Authenticator Authenticator
	Authorizer    kite.Authorizer
	MetricsOpen   bool
	// WriteTimeout bounds how long writing one ordinary response may take,
	// so that a client that asks for a large page and never reads it does
	// not hold the page and a goroutine for as long as it keeps the socket.
	// The event stream sets its own deadline per write. Default 30s.
	WriteTimeout time.Duration
	// MaxExpensive bounds the searches (and v1 lists with search or a
	// large page) running at once; beyond it a request gets 503 with
	// Retry-After. Default 4 per CPU.
	MaxExpensive int
	// MaxExpensivePerCaller bounds those an authenticated caller may run
	// at once, so that one tenant cannot take them all; beyond it a
	// request gets 429 with Retry-After. Default: a quarter of
	// MaxExpensive, at least 1.
	MaxExpensivePerCaller int
	// RateLimits, when set, give every caller (the authenticated principal,
	// else everyone as one anonymous caller) its own read and write
	// budgets; over them a request gets 429 with Retry-After.
	RateLimits *RateLimits
	// Heartbeat is how often an idle event stream sends a comment, so
	// proxies keep it open and clients notice a dead server. Default 15s.
	Heartbeat time.Duration
	// Closing, when it closes, ends every open event stream: an
	// http.Server's Shutdown waits for handlers to return, and a stream's
	// never would. Close it from http.Server.RegisterOnShutdown; clients
	// reconnect (with Last-Event-ID) to the next server.
	Closing <-chan struct{}
}

// server holds what the handlers share. It is immutable after New.
type server struct {
	svc          kite.Service
	ping         func(context.Context) error
	checks       map[string]func(context.Context) error
	degraded     map[string]func(context.Context) error
	log          *slog.Logger
	metrics      *metrics
	gatherer     prometheus.Gatherer
	maxBody      int64
	version      string
	clusterURL   string
	logsPath     string
	corsOrigins  []string
	authn        Authenticator // nil: callers are trusted (--auth=none)
	authz        kite.Authorizer
	metricsOpen  bool
	limits       *limiters // nil: no rate limits
	writeTimeout time.Duration
	expensive    chan struct{} // a slot per running expensive request
	perCaller    *callerSlots  // the expensive requests of each caller
	// backuper serves backupPath when the service can take backups.
	backuper kite.Backuper
	// notify is the service's subscriptions (notify.go), nil without.
	notify kite.Notifier
	// feed serves /api/v1/events when the service offers one.
	feed      kite.Streamer
	frames    *frameCache
	heartbeat time.Duration
	closing   <-chan struct{}
}

// New returns the handler serving every Kite route, wrapped in the
// middleware that must run even for paths no route matches (CORS preflight,
// trailing-slash tolerance).
func New(o Options) (http.Handler, error) {
	s, err := newServer(o)
	if err != nil {
		return nil, err
	}
	var h http.Handler = s.router()
	h = trimTrailingSlash(h)
	h = cors(s.corsOrigins, h)
	return h, nil
}

// newRouter is New without the outer middleware; tests walk it to check
// the OpenAPI document against the real routes.
func newRouter(o Options) (*mux.Router, error) {
	s, err := newServer(o)
	if err != nil {
		return nil, err
	}
	return s.router(), nil
}

func newServer(o Options) (*server, error) {
	if o.Service == nil {
		return nil, errors.New("api: Options.Service is required")
	}
	s := &server{
		svc:         o.Service,
		ping:        o.Ping,
		checks:      o.Checks,
		degraded:    o.Degraded,
		log:         o.Logger,
		maxBody:     o.MaxBodyBytes,
		version:     o.Version,
		clusterURL:  strings.TrimRight(cmp.Or(o.ClusterURL, DefaultClusterURL), "/"),
		logsPath:    cmp.Or(o.LogsEndpoint, DefaultLogsEndpoint),
		corsOrigins: o.CORSOrigins,
		authn:       o.Authenticator,
		authz:       o.Authorizer,
		metricsOpen: o.MetricsOpen,
		heartbeat:   o.Heartbeat,
		closing:     o.Closing,
		frames:      newFrameCache(),
	}
	if o.RateLimits != nil {
		s.limits = newLimiters(*o.RateLimits)
	}
	s.writeTimeout = cmp.Or(o.WriteTimeout, 30*time.Second)
	s.expensive = make(chan struct{}, cmp.Or(o.MaxExpensive, 4*runtime.GOMAXPROCS(0)))
	s.perCaller = newCallerSlots(o.MaxExpensivePerCaller, cap(s.expensive))
	if s.heartbeat <= 0 {
		s.heartbeat = 15 * time.Second
	}
	if s.ping == nil {
		if p, ok := o.Service.(interface{ Ping(context.Context) error }); ok {
			s.ping = p.Ping
		} else {
			s.ping = func(context.Context) error { return nil }
		}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.version == "" {
		s.version = "dev"
	}
	if s.authn != nil {
		if s.authz == nil {
			return nil, errors.New("api: Options.Authorizer is required with an Authenticator")
		}
		if slices.Contains(s.corsOrigins, "*") {
			return nil, errors.New("api: a wildcard CORS origin is refused when callers are authenticated: name the console's origins")
		}
		s.svc = kite.Authorized(o.Service, s.authz)
	} else if s.corsOrigins == nil {
		s.corsOrigins = []string{"*"}
	}
	// The stream is the (authorized) service's, like every other read.
	s.feed, _ = s.svc.(kite.Streamer)
	// A backup is the store's own, authorized by the handler.
	s.backuper, _ = o.Service.(kite.Backuper)
	// Subscriptions too, authorized by their handlers.
	s.notify, _ = o.Service.(kite.Notifier)
	reg, gat := o.Registerer, o.Gatherer
	switch {
	case reg == nil && gat == nil:
		r := prometheus.NewRegistry()
		reg, gat = r, r
	case reg == nil:
		return nil, errors.New("api: Options.Gatherer is set but Registerer is not")
	case gat == nil:
		g, ok := reg.(prometheus.Gatherer)
		if !ok {
			return nil, errors.New("api: Options.Gatherer is required when Registerer is not a Gatherer")
		}
		gat = g
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	s.metrics, s.gatherer = m, gat
	return s, nil
}
