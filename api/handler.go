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

// userHeader names the caller in timeline events when Kite trusts its
// callers (no authentication); without it writes are attributed to "api".
// With authentication it is read as Impersonate-User.
const userHeader = "X-Kite-User"

// actor returns who is making an API write: the authenticated principal,
// or with authentication off, the name the caller gives.
// caller is who the request is from, for assignee:me: the authenticated
// principal, else the X-Kite-User name, else "" (nobody in particular).
func caller(r *http.Request) string {
	if a, err := actor(r); err == nil && a != kite.ActorAPI {
		return a
	}
	return ""
}

func actor(r *http.Request) (string, error) {
	if p := kite.PrincipalFrom(r.Context()); p != nil {
		return p.Name, nil
	}
	a := strings.TrimSpace(r.Header.Get(userHeader))
	if a == "" {
		return kite.ActorAPI, nil
	}
	if err := kite.CheckName(userHeader, a); err != nil {
		return "", kite.Invalid(userHeader, "Invalid "+userHeader+" header", kite.ErrorDetails(err))
	}
	return a, nil
}
