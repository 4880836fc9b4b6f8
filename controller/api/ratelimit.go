package api

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
)

// RateLimit is a token bucket per key: PerSecond requests a second on
// average, bursts of Burst. The table of keys holds at most MaxKeys;
// keys idle for longer than a full bucket takes to refill are dropped
// first, and when all are busy a random one is (it starts afresh: a flood
// of new keys cannot fill memory, nor lock others out).
type RateLimit struct {
	PerSecond float64
	Burst     int
	MaxKeys   int
}

// The default limits: generous for a dashboard and scripts, tight enough
// that one client cannot occupy the controller.
var (
	DefaultPerAddress   = RateLimit{PerSecond: 100, Burst: 200, MaxKeys: 10000}
	DefaultPerPrincipal = RateLimit{PerSecond: 50, Burst: 100, MaxKeys: 10000}
)

func (l RateLimit) orDefault(d RateLimit) RateLimit {
	if l.PerSecond <= 0 {
		l.PerSecond = d.PerSecond
	}
	if l.Burst <= 0 {
		l.Burst = d.Burst
	}
	if l.MaxKeys <= 0 {
		l.MaxKeys = d.MaxKeys
	}
	return l
}

type limiter struct {
	cfg  RateLimit
	idle time.Duration // an entry idle this long has a full bucket again
	now  func() time.Time

	mu   sync.Mutex // guards keys
	keys map[string]*limitEntry
}

type limitEntry struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter(cfg RateLimit) *limiter {
	idle := time.Duration(float64(cfg.Burst) / cfg.PerSecond * float64(time.Second))
	return &limiter{cfg: cfg, idle: max(idle, time.Second), now: time.Now, keys: map[string]*limitEntry{}}
}

// allow takes a token of key's bucket; when there is none it returns how
// long until there is.
func (l *limiter) allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		l.makeRoomLocked(now)
		e = &limitEntry{lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.keys[key] = e
	}
	e.last = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoomLocked drops idle entries when the table is full, else a
// random one. l.mu must be held.
func (l *limiter) makeRoomLocked(now time.Time) {
	if len(l.keys) < l.cfg.MaxKeys {
		return
	}
	for k, e := range l.keys {
		if now.Sub(e.last) > l.idle {
			delete(l.keys, k)
		}
	}
	for k := range l.keys {
		if len(l.keys) < l.cfg.MaxKeys {
			return
		}
		delete(l.keys, k)
	}
}

// refuse answers 429 with Retry-After in whole seconds.
func refuse(w http.ResponseWriter, retryAfter time.Duration) {
	secs := max(int(math.Ceil(retryAfter.Seconds())), 1)
	e := apierr.New(http.StatusTooManyRequests, apierr.CodeTooManyRequests, "too many requests; retry in %d s", secs)
	e.RetryAfter = time.Duration(secs) * time.Second
	apierr.Write(w, e)
}

// limitAddress applies the per-address limit to every request.
func (s *server) limitAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, after := s.perAddress.allow(sourceIP(r)); !ok {
			refuse(w, after)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowPrincipal applies the per-principal limit; it answers false after
// refusing.
func (s *server) allowPrincipal(w http.ResponseWriter, p auth.Principal) bool {
	key := fmt.Sprintf("%s:%d:%s:%s", p.Method, p.UserID, p.KeyID, p.Subject)
	ok, after := s.perPrincipal.allow(key)
	if !ok {
		refuse(w, after)
	}
	return ok
}
