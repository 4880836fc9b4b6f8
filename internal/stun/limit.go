package stun

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Rate limiting of the responder. A Binding response is three times the
// size of the request and goes to the request's source, which nothing
// authenticates: without a bound the responder reflects and amplifies a
// flood with spoofed sources towards a victim, and answers it at the
// cost of its host's CPU. Each source address has a token bucket, all
// sources together another; requests past either are dropped unanswered
// and counted. Sources are keyed by address, not port: a flood that
// varies its port is still one source.

// Default limits (Limits' zero values).
const (
	// DefaultPerSource lets one address ask 20 times a second, in bursts
	// of 40: an edge's discovery of a link takes 5 requests (up to 15
	// with retries) and then one every refresh, so a carrier NAT's
	// address can carry many edges' links.
	DefaultPerSource      = 20
	DefaultPerSourceBurst = 40
	// DefaultGlobal is what the responder answers in all: 5,000 a second
	// (about 3 Mbit/s of responses), bursts of 10,000.
	DefaultGlobal      = 5000
	DefaultGlobalBurst = 10000
	// DefaultMaxSources bounds the sources tracked at once; a source
	// idle for sourceIdle is forgotten.
	DefaultMaxSources = 65536
	sourceIdle        = time.Minute
)

// Drop reasons, the values of patronus_stun_dropped_requests_total's
// reason label.
const (
	ReasonSourceRate = "source_rate" // the source asked past its bucket
	ReasonGlobalRate = "global_rate" // all sources together asked past the global bucket
	ReasonSources    = "sources"     // MaxSources sources are tracked already
)

// Limits bound what the responder answers; zero fields take the
// defaults.
type Limits struct {
	PerSource      rate.Limit // requests a second from one address
	PerSourceBurst int
	Global         rate.Limit // requests a second from all sources
	GlobalBurst    int
	MaxSources     int
}

func (l Limits) withDefaults() Limits {
	if l.PerSource == 0 {
		l.PerSource = DefaultPerSource
	}
	if l.PerSourceBurst == 0 {
		l.PerSourceBurst = DefaultPerSourceBurst
	}
	if l.Global == 0 {
		l.Global = DefaultGlobal
	}
	if l.GlobalBurst == 0 {
		l.GlobalBurst = DefaultGlobalBurst
	}
	if l.MaxSources == 0 {
		l.MaxSources = DefaultMaxSources
	}
	return l
}

// validate names the field that is wrong.
func (l Limits) validate() error {
	switch {
	case l.PerSource < 0 || l.PerSourceBurst < 0:
		return errors.New("stun: Limits.PerSource and PerSourceBurst must not be negative")
	case l.Global < 0 || l.GlobalBurst < 0:
		return errors.New("stun: Limits.Global and GlobalBurst must not be negative")
	case l.MaxSources < 0:
		return errors.New("stun: Limits.MaxSources must not be negative")
	}
	return nil
}

// limiter holds the buckets; the serving goroutines of every socket share
// it, so its map is guarded by mu (rate.Limiter locks itself).
type limiter struct {
	lim    Limits
	global *rate.Limiter

	mu      sync.Mutex
	sources map[netip.Addr]*source // guarded by mu
	swept   time.Time              // guarded by mu: the last sweep of idle sources
}

type source struct {
	bucket *rate.Limiter
	seen   time.Time
}

func newLimiter(l Limits) *limiter {
	l = l.withDefaults()
	return &limiter{lim: l, global: rate.NewLimiter(l.Global, l.GlobalBurst), sources: map[netip.Addr]*source{}}
}

// allow reports whether a request from src may be answered now, and if
// not why.
func (lm *limiter) allow(src netip.Addr, now time.Time) (bool, string) {
	lm.mu.Lock()
	if now.Sub(lm.swept) > sourceIdle {
		lm.sweep(now)
	}
	s := lm.sources[src]
	if s == nil {
		if len(lm.sources) >= lm.lim.MaxSources {
			lm.mu.Unlock()
			return false, ReasonSources
		}
		s = &source{bucket: rate.NewLimiter(lm.lim.PerSource, lm.lim.PerSourceBurst)}
		lm.sources[src] = s
	}
	s.seen = now
	ok := s.bucket.AllowN(now, 1)
	lm.mu.Unlock()
	if !ok {
		return false, ReasonSourceRate
	}
	if !lm.global.AllowN(now, 1) {
		return false, ReasonGlobalRate
	}
	return true, ""
}

// sweep forgets sources idle for sourceIdle. mu must be held.
func (lm *limiter) sweep(now time.Time) {
	for a, s := range lm.sources {
		if now.Sub(s.seen) > sourceIdle {
			delete(lm.sources, a)
		}
	}
	lm.swept = now
}

// metrics are the responder's Prometheus metrics.
type metrics struct {
	answered prometheus.Counter
	dropped  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		answered: prometheus.NewCounter(prometheus.CounterOpts{Name: "patronus_stun_answered_requests_total",
			Help: "STUN Binding requests answered (success or error response)."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "patronus_stun_dropped_requests_total",
			Help: "STUN requests dropped unanswered by the rate limits, by reason (source_rate, global_rate, sources)."}, []string{"reason"}),
	}
	for _, r := range []string{ReasonSourceRate, ReasonGlobalRate, ReasonSources} {
		m.dropped.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.answered, m.dropped} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(errors.New("stun: metrics"), err)
		}
	}
	return m, nil
}
