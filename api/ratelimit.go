package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/konflux-ci/kite"
)

// RateLimits are the token buckets every caller gets, one for reads (GET)
// and one for writes (everything else), so that one tenant's flood (a
// webhook sender replaying its backlog) cannot starve another's reads, and
// a caller's own writes do not use up its reads. A zero rate is no limit.
type RateLimits struct {
	ReadsPerSecond  float64
	ReadBurst       int
	WritesPerSecond float64
	WriteBurst      int
}

// callerIdle is how long a caller's buckets are kept without requests.
const callerIdle = 10 * time.Minute

// limiters holds the buckets of the callers seen recently.
type limiters struct {
	limits  RateLimits
	mu      sync.Mutex
	callers map[string]*callerBuckets
	swept   time.Time
}

type callerBuckets struct {
	read, write *rate.Limiter
	seen        time.Time
}

func newLimiters(l RateLimits) *limiters {
	return &limiters{limits: l, callers: map[string]*callerBuckets{}}
}

// bucket returns the caller's bucket for the request's kind, forgetting
// callers idle for callerIdle (at most once a minute, so the sweep's cost
// is spread thin).
func (ls *limiters) bucket(caller string, write bool, now time.Time) *rate.Limiter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if now.Sub(ls.swept) > time.Minute {
		for name, c := range ls.callers {
			if now.Sub(c.seen) > callerIdle {
				delete(ls.callers, name)
			}
		}
		ls.swept = now
	}
	c := ls.callers[caller]
	if c == nil {
		c = &callerBuckets{
			read:  newLimiter(ls.limits.ReadsPerSecond, ls.limits.ReadBurst),
			write: newLimiter(ls.limits.WritesPerSecond, ls.limits.WriteBurst),
		}
		ls.callers[caller] = c
	}
	c.seen = now
	if write {
		return c.write
	}
	return c.read
}

func newLimiter(perSecond float64, burst int) *rate.Limiter {
	if perSecond <= 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	return rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
}

// rateLimit answers 429 with Retry-After to a caller over its budget. It
// runs after authentication: the budget is the principal's.
func (s *server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller := kite.AnonymousUser
		if p := kite.PrincipalFrom(r.Context()); p != nil {
			caller = p.Name
		}
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		kind := "read"
		if write {
			kind = "write"
		}
		now := time.Now()
		res := s.limits.bucket(caller, write, now).ReserveN(now, 1)
		if delay := res.DelayFrom(now); !res.OK() || delay > 0 {
			res.CancelAt(now)
			s.metrics.rateLimited.WithLabelValues(kind, "limited").Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(delay, time.Second).Seconds()))))
			s.writeError(w, r, &kite.Error{Code: kite.ETOOMANY, Message: "Too many requests",
				Details: "over this caller's " + kind + " rate; retry after the time in Retry-After"})
			return
		}
		s.metrics.rateLimited.WithLabelValues(kind, "allowed").Inc()
		next.ServeHTTP(w, r)
	})
}
