package api

import (
	"encoding/json"
	"net/http"
)

// writeJSON marshals v before touching the response, so that a value that
// cannot be encoded still gets a proper 500 instead of a half-written body.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.ErrorContext(r.Context(), "encoding response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":"Internal server error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
