package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/konflux-ci/kite"
)

// statusByCode is the one place where kite error codes become HTTP status
// codes. Handlers return errors; they never choose an error status.
var statusByCode = map[string]int{
	kite.EINVALID:         http.StatusBadRequest,
	kite.ENOTFOUND:        http.StatusNotFound,
	kite.ECONFLICT:        http.StatusConflict,
	kite.EFORBIDDEN:       http.StatusForbidden,
	kite.EUNAUTHENTICATED: http.StatusUnauthorized,
	kite.ETOOMANY:         http.StatusTooManyRequests,
	kite.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	kite.EUNAVAILABLE:     http.StatusServiceUnavailable,
	kite.ENOSPACE:         http.StatusInsufficientStorage,
	kite.EINTERNAL:        http.StatusInternalServerError,
}

// errorStatus returns the HTTP status for err. A code missing from the table
// is a bug in whoever made the error, so it reads as a server error.
func errorStatus(err error) int {
	if s, ok := statusByCode[kite.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the v1 error shape: {"error": "...", "details": "..."}.
type errorBody struct {
	Error   string `json:"error"`
	Details string `json:"details,omitempty"`
	// Field names the input at fault (a JSON field or query parameter),
	// beyond the original's body, so clients can point at it.
	Field string `json:"field,omitempty"`
}

// writeError answers with err's status and caller-safe message. Server-side
// failures are logged with the full error chain, which the caller never sees.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := errorStatus(err)
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The caller went away and the work stopped with it: not a
		// server fault. 499 (a proxy's "client closed request") keeps it
		// apart in the request metrics; nobody reads the answer.
		s.log.DebugContext(r.Context(), "request abandoned by its client", slog.String("method", r.Method), slog.String("path", r.URL.Path))
		w.WriteHeader(statusClientClosed)
		return
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Any("err", err))
	}
	s.writeJSON(w, r, status, errorBody{
		Error:   kite.ErrorMessage(err),
		Details: kite.ErrorDetails(err),
		Field:   kite.ErrorField(err),
	})
}

// statusClientClosed is recorded for requests whose client left first.
const statusClientClosed = 499

// errRouteNotFound is what unknown routes get; ids the service does not
// know produce their own ENOTFOUND with the v1 message.
var errRouteNotFound = kite.Errorf(kite.ENOTFOUND, "Not found")
