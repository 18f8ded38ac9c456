package api

import (
	"net/http"
	"strings"

	"github.com/konflux-ci/kite"
)

// handlerFunc is a handler that returns its error instead of writing it, so
// that every failure reaches the response through writeError's one table.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// userHeader names the caller in timeline events until real authentication
// arrives; without it writes are attributed to "api".
const userHeader = "X-Kite-User"

// actor returns who is making an API write.
func actor(r *http.Request) (string, error) {
	a := strings.TrimSpace(r.Header.Get(userHeader))
	if a == "" {
		return kite.ActorAPI, nil
	}
	if err := kite.CheckName(userHeader, a); err != nil {
		return "", kite.Invalid(userHeader, "Invalid "+userHeader+" header", kite.ErrorDetails(err))
	}
	return a, nil
}
