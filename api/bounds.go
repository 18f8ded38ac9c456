package api

import (
	"net/http"
	"time"

	"github.com/konflux-ci/kite"
)

// writeDeadline gives an ordinary response writeTimeout to be written: a
// client that stops reading then loses its connection instead of pinning
// the response's memory and goroutine.
func (s *server) writeDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Not every writer supports deadlines (httptest's recorder does
		// not); those have no socket to hold either.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeTimeout))
		next.ServeHTTP(w, r)
	})
}

// largePage is the page size from which a v1 list counts as expensive.
const largePage = 200

// expensive lets at most cap(s.expensive) costly requests run at once
// (searches; v1 lists with search= or a large page); the others are told to
// come back, so that a burst of them cannot take every CPU and the memory
// of their results.
func (s *server) bounded(isExpensive func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isExpensive(r) {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case s.expensive <- struct{}{}:
			defer func() { <-s.expensive }()
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			s.writeError(w, r, &kite.Error{Code: kite.EUNAVAILABLE, Message: "Too many searches at once",
				Details: "the server is answering as many searches and large pages as it can; retry after the time in Retry-After"})
		}
	})
}

func always(*http.Request) bool { return true }

// expensiveList: a v1 list with search= or a page of largePage or more.
func expensiveList(r *http.Request) bool {
	q := r.URL.Query()
	return q.Get("search") != "" || atoiOrZero(q.Get("limit")) >= largePage
}
