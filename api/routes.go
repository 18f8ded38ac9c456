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
}

func (s *server) routes() []route {
	return []route{
		{http.MethodGet, "/api/v1/health", http.HandlerFunc(s.health)},
		{http.MethodGet, "/api/v1/version", http.HandlerFunc(s.versionInfo)},

		{http.MethodGet, "/api/v1/issues", s.handle(s.listIssues)},
		{http.MethodGet, "/api/v1/search", s.handle(s.search)},
		{http.MethodGet, "/api/v1/events", s.handle(s.events)},
		{http.MethodPost, "/api/v1/issues", s.handle(s.createIssue)},
		{http.MethodGet, "/api/v1/issues/{id}", s.handle(s.getIssue)},
		{http.MethodPut, "/api/v1/issues/{id}", s.handle(s.updateIssue)},
		{http.MethodDelete, "/api/v1/issues/{id}", s.handle(s.deleteIssue)},
		{http.MethodPost, "/api/v1/issues/{id}/resolve", s.handle(s.resolveIssue)},
		{http.MethodGet, "/api/v1/issues/{id}/timeline", s.handle(s.timeline)},
		{http.MethodPost, "/api/v1/issues/{id}/related", s.handle(s.relateIssues)},
		{http.MethodDelete, "/api/v1/issues/{id}/related/{relatedId}", s.handle(s.unrelateIssues)},

		{http.MethodPost, "/api/v1/webhooks/pipeline-failure", s.webhook("pipeline-failure", s.pipelineFailure)},
		{http.MethodPost, "/api/v1/webhooks/pipeline-success", s.webhook("pipeline-success", s.pipelineSuccess)},
		{http.MethodPost, "/api/v1/webhooks/release-failure", s.webhook("release-failure", s.releaseFailure)},
		{http.MethodPost, "/api/v1/webhooks/release-success", s.webhook("release-success", s.releaseSuccess)},
		{http.MethodPost, "/api/v1/webhooks/mintmaker-custom", s.webhook("mintmaker-custom", s.mintmakerCustom)},

		{http.MethodGet, "/healthz", http.HandlerFunc(s.healthz)},
		{http.MethodGet, "/readyz", http.HandlerFunc(s.readyz)},
		{http.MethodGet, "/metrics", promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{
			ErrorLog: slogPrintln{s.log},
		})},
		{http.MethodGet, "/openapi.json", http.HandlerFunc(s.openAPI)},
	}
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
		r.Handle(rt.path, s.instrument(rt.path, rt.handler)).Methods(rt.method)
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
