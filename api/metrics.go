package api

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are registered on the registry the caller gives, never on the
// global default one, so that tests and embedders each get their own.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	webhooks *prometheus.CounterVec
	// The event stream: clients connected, events written.
	streams      prometheus.Gauge
	streamEvents prometheus.Counter
	rateLimited  *prometheus.CounterVec
	// panics counts requests whose handler panicked (answered 500): a
	// bug every time, which tests assert never happens.
	panics prometheus.Counter
}

// Webhook outcomes besides the kite.Outcome values of failure hooks.
const (
	outcomeNoop     = "noop"     // a success hook that resolved nothing, mintmaker without logs
	outcomeRejected = "rejected" // the payload got a 4xx
	outcomeError    = "error"    // the hook failed with a 5xx
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_http_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kite_http_request_duration_seconds",
			Help: "HTTP request latency by route template and method.",
			// From 0.25 ms: reads answer well under DefBuckets' first 5 ms.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 16),
		}, []string{"route", "method"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_webhook_events_total",
			Help: "Webhook events by hook and outcome (created, updated, reopened, stale, resolved, noop, rejected, error).",
		}, []string{"kind", "outcome"}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kite_event_stream_clients",
			Help: "Clients connected to GET /api/v1/events.",
		}),
		streamEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_event_stream_events_total",
			Help: "Events written to event stream clients.",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kite_http_panics_total",
			Help: "Requests whose handler panicked; each was answered 500 and logged with its stack. Any is a bug.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_rate_limit_requests_total",
			Help: "Requests through the per-caller limits, by kind (read, write: the rates; search: searches at once) and outcome (allowed, limited: answered 429).",
		}, []string{"kind", "outcome"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.webhooks, m.streams, m.streamEvents, m.rateLimited, m.panics} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: registering metrics: %w", err)
		}
	}
	return m, nil
}

// slogPrintln lets promhttp report gathering errors through our logger.
type slogPrintln struct{ log *slog.Logger }

func (l slogPrintln) Println(v ...any) { l.log.Error(fmt.Sprint(v...)) }
