package api

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// route is one (method, path) the server answers. The path is the mux
// template, which is also the metrics label and the OpenAPI path key.
type route struct {
	method  string
	path    string
	handler http.Handler
	// public routes answer without authentication: probes and the API
	// description.
	public bool
}

func (s *server) routes() []route {
	return []route{
		{http.MethodGet, "/api/v1/health", http.HandlerFunc(s.health), true},
		{http.MethodGet, "/api/v1/version", http.HandlerFunc(s.versionInfo), true},

		{http.MethodGet, "/api/v1/issues", s.bounded(expensiveList, s.handle(s.listIssues)), false},
		{http.MethodGet, "/api/v1/search", s.bounded(always, s.handle(s.search)), false},
		{http.MethodGet, eventsPath, s.handle(s.events), false},
		{http.MethodPost, "/api/v1/issues", s.handle(s.createIssue), false},
		{http.MethodGet, "/api/v1/issues/{id}", s.handle(s.getIssue), false},
		{http.MethodPut, "/api/v1/issues/{id}", s.handle(s.updateIssue), false},
		{http.MethodDelete, "/api/v1/issues/{id}", s.handle(s.deleteIssue), false},
		{http.MethodPost, "/api/v1/issues/{id}/resolve", s.handle(s.resolveIssue), false},
		{http.MethodGet, "/api/v1/issues/{id}/timeline", s.handle(s.timeline), false},
		{http.MethodPost, "/api/v1/issues/{id}/related", s.handle(s.relateIssues), false},
		{http.MethodDelete, "/api/v1/issues/{id}/related/{relatedId}", s.handle(s.unrelateIssues), false},
		{http.MethodPost, "/api/v1/issues/{id}/acknowledge", s.handle(s.acknowledge(true)), false},
		{http.MethodDelete, "/api/v1/issues/{id}/acknowledge", s.handle(s.acknowledge(false)), false},
		{http.MethodPut, "/api/v1/issues/{id}/assignee", s.handle(s.assign), false},
		{http.MethodDelete, "/api/v1/issues/{id}/assignee", s.handle(s.unassign), false},
		{http.MethodPost, "/api/v1/issues/{id}/snooze", s.handle(s.snooze), false},
		{http.MethodDelete, "/api/v1/issues/{id}/snooze", s.handle(s.unsnooze), false},
		{http.MethodGet, "/api/v1/issues/{id}/comments", s.handle(s.comments), false},
		{http.MethodPost, "/api/v1/issues/{id}/comments", s.handle(s.addComment), false},
		{http.MethodPut, "/api/v1/issues/{id}/comments/{commentId}", s.handle(s.editComment), false},
		{http.MethodDelete, "/api/v1/issues/{id}/comments/{commentId}", s.handle(s.deleteComment), false},

		{http.MethodGet, "/api/v1/namespaces", s.handle(s.namespaces), false},
		{http.MethodGet, "/api/v1/silences", s.handle(s.listSilences), false},
		{http.MethodPost, "/api/v1/silences", s.handle(s.createSilence), false},
		{http.MethodPost, "/api/v1/silences/preview", s.bounded(always, s.handle(s.previewSilence)), false},
		{http.MethodGet, "/api/v1/silences/{id}", s.handle(s.getSilence), false},
		{http.MethodPut, "/api/v1/silences/{id}", s.handle(s.updateSilence), false},
		{http.MethodDelete, "/api/v1/silences/{id}", s.handle(s.expireSilence), false},

		{http.MethodGet, "/api/v1/subscriptions", s.handle(s.listSubscriptions), false},
		{http.MethodPost, "/api/v1/subscriptions", s.handle(s.createSubscription), false},
		{http.MethodGet, "/api/v1/subscriptions/{id}", s.handle(s.getSubscription), false},
		{http.MethodDelete, "/api/v1/subscriptions/{id}", s.handle(s.deleteSubscription), false},
		{http.MethodPost, "/api/v1/subscriptions/{id}/test", s.handle(s.testSubscription), false},
		{http.MethodGet, "/api/v1/subscriptions/{id}/deliveries", s.handle(s.deliveries), false},
		{http.MethodGet, "/api/v1/issues/{id}/notifications", s.handle(s.issueNotifications), false},

		{http.MethodPost, "/api/v1/webhooks/pipeline-failure", s.webhook("pipeline-failure", s.pipelineFailure), false},
		{http.MethodPost, "/api/v1/webhooks/pipeline-success", s.webhook("pipeline-success", s.pipelineSuccess), false},
		{http.MethodPost, "/api/v1/webhooks/release-failure", s.webhook("release-failure", s.releaseFailure), false},
		{http.MethodPost, "/api/v1/webhooks/release-success", s.webhook("release-success", s.releaseSuccess), false},
		{http.MethodPost, "/api/v1/webhooks/mintmaker-custom", s.webhook("mintmaker-custom", s.mintmakerCustom), false},
		{http.MethodPost, "/api/v1/webhooks/scope-success", s.webhook("scope-success", s.scopeSuccess), false},

		{http.MethodGet, "/api/v1/auth/whoami", s.handle(s.whoami), false},
		{http.MethodGet, backupPath, http.HandlerFunc(s.backup), false},
		{http.MethodGet, "/api/v1/auth/can-i", s.handle(s.canI), false},

		{http.MethodGet, "/healthz", http.HandlerFunc(s.healthz), true},
		{http.MethodGet, "/readyz", http.HandlerFunc(s.readyz), true},
		{http.MethodGet, "/metrics", s.metricsHandler(), false},
		{http.MethodGet, "/openapi.json", http.HandlerFunc(s.openAPI), true},
	}
}

// eventsPath is the event stream, which keeps its own write deadlines.
const eventsPath = "/api/v1/events"

// metricsHandler serves the registry; with authentication on, only to
// callers allowed to get /metrics, unless it was left open.
func (s *server) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{ErrorLog: slogPrintln{s.log}})
	if s.authn == nil || s.metricsOpen {
		return h
	}
	return s.requirePath("/metrics", h)
}

// router registers every route behind the metrics, access-log and recover
// middleware. Wrapping per route (rather than with router.Use, which skips
// unmatched requests) labels each request with its template and still
// counts 404s and 405s, as "unmatched".
func (s *server) router() *mux.Router {
	// Paths are matched as sent. Cleaning would answer "/issues/.." or
	// "//issues" with a bodiless 301, which clients follow as a GET even
	// for a PUT or DELETE; ids are opaque, so a 404 in JSON is the answer.
	r := mux.NewRouter().SkipClean(true)
	for _, rt := range s.routes() {
		h := rt.handler
		if rt.path != eventsPath && rt.path != backupPath {
			h = s.writeDeadline(h)
		}
		if s.limits != nil && !rt.public {
			h = s.rateLimit(h)
		}
		if s.authn != nil && !rt.public {
			h = s.authenticate(h)
		}
		r.Handle(rt.path, s.instrument(rt.path, h)).Methods(rt.method)
	}
	r.NotFoundHandler = s.instrument(unmatched, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.writeError(w, req, errRouteNotFound)
	}))
	r.MethodNotAllowedHandler = s.instrument(unmatched, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if allow := allowedMethods(r, req); allow != "" {
			w.Header().Set("Allow", allow)
		}
		s.writeJSON(w, req, http.StatusMethodNotAllowed, errorBody{Error: "Method not allowed"})
	}))
	return r
}

// unmatched is the route label of requests no route answers, so that
// scanners probing random paths cannot blow up the metrics' cardinality.
const unmatched = "unmatched"

// allowedMethods lists the methods the request's path does answer, for the
// Allow header of a 405.
func allowedMethods(r *mux.Router, req *http.Request) string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := req.Clone(req.Context())
		probe.Method = m
		var match mux.RouteMatch
		if r.Match(probe, &match) && match.MatchErr == nil {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return ""
	}
	return strings.Join(append(allow, http.MethodOptions), ", ")
}
