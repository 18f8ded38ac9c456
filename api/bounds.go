package api

import (
	"fmt"
	"net/http"
	"sync"
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

// bounded lets at most cap(s.expensive) costly requests run at once
// (searches; v1 lists with search= or a large page); the others are told to
// come back, so that a burst of them cannot take every CPU and the memory
// of their results. An authenticated caller may hold only its share of
// those slots (s.perCaller), so that one tenant's searches cannot fill
// them and leave every other tenant a 503: beyond its share it is told,
// as over its rate, to slow down (429).
func (s *server) bounded(isExpensive func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isExpensive(r) {
			next.ServeHTTP(w, r)
			return
		}
		if p := kite.PrincipalFrom(r.Context()); p != nil {
			if !s.perCaller.acquire(p.Name) {
				s.metrics.rateLimited.WithLabelValues("search", "limited").Inc()
				w.Header().Set("Retry-After", "1")
				s.writeError(w, r, &kite.Error{Code: kite.ETOOMANY, Message: "Too many searches at once from this caller",
					Details: fmt.Sprintf("a caller may run %d searches and large pages at once; retry after the time in Retry-After", s.perCaller.max)})
				return
			}
			defer s.perCaller.release(p.Name)
			s.metrics.rateLimited.WithLabelValues("search", "allowed").Inc()
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

// callerSlots counts the expensive requests each caller is running.
type callerSlots struct {
	max     int
	mu      sync.Mutex
	running map[string]int // callers with none are not kept
}

// callerShare is the part of the expensive slots one caller may hold.
const callerShare = 4

// newCallerSlots gives each caller perCaller of the total slots; 0 means
// a callerShare-th of them, at least one.
func newCallerSlots(perCaller, total int) *callerSlots {
	if perCaller <= 0 {
		perCaller = total / callerShare
	}
	return &callerSlots{max: min(total, max(perCaller, 1)), running: map[string]int{}}
}

func (c *callerSlots) acquire(caller string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running[caller] >= c.max {
		return false
	}
	c.running[caller]++
	return true
}

func (c *callerSlots) release(caller string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running[caller] <= 1 {
		delete(c.running, caller)
		return
	}
	c.running[caller]--
}
