package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/konflux-ci/kite"
)

// requestRecord is what the access log says of a request beyond what
// instrument itself sees. instrument puts one in every request's context
// before the route's middleware runs, because the middleware that learns
// who calls (authenticate) and the handlers that learn which namespace
// and issue are touched run inside it; the one record instrument writes
// after the response then names them all.
type requestRecord struct {
	user         string
	impersonator string // the caller who acts for user, if any
	namespace    string
	id           string
}

type recordKey struct{}

// withRecord returns r carrying a new record, with what the route's path
// and query already say: the id in the path, the namespaces named.
func withRecord(r *http.Request) (*http.Request, *requestRecord) {
	rec := &requestRecord{id: mux.Vars(r)["id"]}
	if ns := r.URL.Query()["namespace"]; len(ns) > 0 {
		rec.namespace = strings.Join(ns, ",")
	}
	return r.WithContext(context.WithValue(r.Context(), recordKey{}, rec)), rec
}

// recordOf is the request's record; nil when the request did not come
// through instrument (tests that call a handler alone).
func recordOf(r *http.Request) *requestRecord {
	rec, _ := r.Context().Value(recordKey{}).(*requestRecord)
	return rec
}

// noteCaller records who the request acts as, and the caller behind it
// when that is another (an impersonating proxy).
func noteCaller(r *http.Request, as, by *kite.Principal) {
	rec := recordOf(r)
	if rec == nil || as == nil {
		return
	}
	rec.user = as.Name
	if by != nil && by.Name != as.Name {
		rec.impersonator = by.Name
	}
}

// noteNamespace records the namespace a request's body names.
func noteNamespace(r *http.Request, ns string) {
	if rec := recordOf(r); rec != nil && ns != "" {
		rec.namespace = ns
	}
}

// noteIssue records the issue a request touched.
func noteIssue(r *http.Request, iss *kite.Issue) {
	if rec := recordOf(r); rec != nil && iss != nil {
		rec.namespace, rec.id = iss.Namespace, iss.ID
	}
}

// logRequest writes the request's one log record. Writes are the audit
// trail and go out at Info; reads, which are many and change nothing, at
// Debug. Requests no route matched stay at Debug whatever their method:
// nothing was written, and a scanner's probes must not flood the trail.
func (s *server) logRequest(r *http.Request, route string, rec *requestRecord, status int, bytes int64, elapsed time.Duration) {
	level := slog.LevelDebug
	if isWrite(r.Method) && route != unmatched {
		level = slog.LevelInfo
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	user := rec.user
	if user == "" && s.authn == nil {
		// Without authentication the caller is who it says it is, as
		// the timeline records it.
		user, _ = actor(r)
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
		slog.Int64("bytes", bytes),
		slog.String("user", user))
	if rec.impersonator != "" {
		attrs = append(attrs, slog.String("impersonator", rec.impersonator))
	}
	if rec.namespace != "" {
		attrs = append(attrs, slog.String("namespace", rec.namespace))
	}
	if rec.id != "" {
		attrs = append(attrs, slog.String("id", rec.id))
	}
	s.log.LogAttrs(r.Context(), level, "http request", attrs...)
}

// isWrite: the methods that change something.
func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}
