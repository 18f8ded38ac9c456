package api

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/konflux-ci/kite"
)

// instrument counts and times one route's requests, logs each one (writes
// at Info, as the audit trail, reads at Debug: logRequest) and recovers
// panics. Recovery sits inside the measurement so that a panic is counted
// as the 500 the caller saw.
func (s *server) instrument(route string, next http.Handler) http.Handler {
	next = s.recoverer(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, record := withRecord(r)
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		elapsed := time.Since(start)
		status := rec.statusCode()
		method := methodLabel(r.Method)
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
		s.logRequest(r, route, record, status, rec.bytes, elapsed)
	})
}

// recoverer turns a handler panic into a logged 500 so that one bad request
// never takes the process down with it.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v) // net/http's way of aborting a response on purpose
			}
			s.metrics.panics.Inc()
			s.log.ErrorContext(r.Context(), "panic serving request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())))
			if rec, ok := w.(*statusRecorder); ok && rec.status != 0 {
				return // the response has started; it cannot become an error now
			}
			s.writeError(w, r, kite.Errorf(kite.EINTERNAL, "Internal server error"))
		}()
		next.ServeHTTP(w, r)
	})
}

// cors answers preflights for any path and marks responses as readable
// from the allowed origins, so browser UIs can call the API. "*" allows
// any; otherwise a request's Origin is echoed only when it is allowed.
func cors(origins []string, next http.Handler) http.Handler {
	any := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		origin := r.Header.Get("Origin")
		switch {
		case any:
			h.Set("Access-Control-Allow-Origin", "*")
		case origin != "" && slices.Contains(origins, origin):
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if !any {
			// Caches must not serve one origin's answer to another.
			h.Add("Vary", "Origin")
		}
		if h.Get("Access-Control-Allow-Origin") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Kite-User, Impersonate-User, Impersonate-Group, Last-Event-ID")
			h.Set("Access-Control-Max-Age", "86400")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// trimTrailingSlash lets every route answer with and without a trailing
// slash. The original redirects one form to the other; answering directly
// saves clients a round trip and works for POST bodies too.
func trimTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r = r.Clone(r.Context())
			r.URL.Path = strings.TrimRight(p, "/")
			if r.URL.Path == "" {
				r.URL.Path = "/"
			}
			if r.URL.RawPath != "" {
				r.URL.RawPath = strings.TrimRight(r.URL.RawPath, "/")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// methodLabel keeps arbitrary method strings out of metric labels.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodHead, http.MethodOptions, http.MethodPatch:
		return m
	}
	return "other"
}

// statusRecorder remembers the status and size of a response for metrics
// and the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 { // 1xx are interim, not the status
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController (flushing for streams, deadlines)
// reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
