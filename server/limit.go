package server

import (
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are token-bucket rate limits of the visitor API, per client IP
// and per visitor (conversation): Rate requests per second on average,
// Burst at once. A zero Rate disables that limit.
type Limits struct {
	IPRate       float64
	IPBurst      int
	VisitorRate  float64
	VisitorBurst int
}

// DefaultLimits: 10 requests/s per IP (bursts of 50 — a page of widgets
// behind one NAT), 2/s per visitor (bursts of 20).
var DefaultLimits = Limits{IPRate: 10, IPBurst: 50, VisitorRate: 2, VisitorBurst: 20}

// limiters holds one token bucket per key, forgetting the idle ones.
type limiters struct {
	limits Limits
	now    func() time.Time
	mu     sync.Mutex
	byKey  map[string]*bucket
	sweep  time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiters(l Limits, now func() time.Time) *limiters {
	return &limiters{limits: l, now: now, byKey: map[string]*bucket{}}
}

// allow takes a token of key's bucket; when there is none it returns the
// problem to answer (429, Retry-After: when the next token comes).
func (ls *limiters) allow(key string, r float64, burst int, what string) *Problem {
	if r <= 0 {
		return nil
	}
	now := ls.now()
	ls.mu.Lock()
	if now.Sub(ls.sweep) > time.Minute {
		for k, b := range ls.byKey {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(ls.byKey, k)
			}
		}
		ls.sweep = now
	}
	b := ls.byKey[key]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(rate.Limit(r), burst)}
		ls.byKey[key] = b
	}
	b.seen = now
	res := b.l.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay > 0 {
		res.CancelAt(now)
	}
	ls.mu.Unlock()
	if delay <= 0 {
		return nil
	}
	p := problem(http.StatusTooManyRequests, "rate-limited", "too many requests %s (%.3g per second, bursts of %d); retry after the delay in Retry-After", what, r, burst)
	p.retryAfter = int(math.Ceil(delay.Seconds()))
	return p
}

func (ls *limiters) ip(addr string) *Problem {
	return ls.allow("ip:"+addr, ls.limits.IPRate, ls.limits.IPBurst, "from this address")
}

func (ls *limiters) visitor(conversationID string) *Problem {
	return ls.allow("visitor:"+conversationID, ls.limits.VisitorRate, ls.limits.VisitorBurst, "for this conversation")
}
