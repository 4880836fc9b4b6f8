// Package ratelimit holds the controller's limits on what a caller may
// cost it: token buckets per key (a user name, a source address) in a
// bounded map, and a log that says a repeated thing once per interval with
// how often it was left out.
package ratelimit

import (
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a bounded map of token buckets, one per key: each refills at
// Rate up to Burst. A full map (Max keys) first forgets the buckets that
// have refilled (they hold nothing), then arbitrary ones, so memory stays
// bounded whatever the number of keys an attacker uses.
type Keyed struct {
	rate  rate.Limit
	burst int
	max   int
	mu    sync.Mutex
	m     map[string]*rate.Limiter // mu
}

// NewKeyed returns buckets of burst tokens refilled at r per second, at
// most max of them.
func NewKeyed(r rate.Limit, burst, max int) *Keyed {
	return &Keyed{rate: r, burst: burst, max: max, m: make(map[string]*rate.Limiter)}
}

// Reserve reserves a token of key's bucket and says how long until it is
// there (0: now). The caller cancels the reservation (CancelAt) if it does
// not go ahead. An empty key is not limited: nil, 0.
func (k *Keyed) Reserve(key string, now time.Time) (*rate.Reservation, time.Duration) {
	if key == "" {
		return nil, 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	lim, ok := k.m[key]
	if !ok {
		k.makeRoomLocked(now)
		lim = rate.NewLimiter(k.rate, k.burst)
		k.m[key] = lim
	}
	r := lim.ReserveN(now, 1)
	return r, r.DelayFrom(now)
}

// Allow takes a token of key's bucket if one is there now; otherwise it
// takes none and says how long until one is.
func (k *Keyed) Allow(key string, now time.Time) (wait time.Duration) {
	r, wait := k.Reserve(key, now)
	if wait > 0 {
		r.CancelAt(now)
	}
	return wait
}

// Len is the number of buckets held.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// makeRoomLocked keeps the map under max. k.mu must be held.
func (k *Keyed) makeRoomLocked(now time.Time) {
	if len(k.m) < k.max {
		return
	}
	for key, lim := range k.m {
		if lim.TokensAt(now) >= float64(k.burst) {
			delete(k.m, key)
		}
	}
	for key := range k.m {
		if len(k.m) < k.max {
			break
		}
		delete(k.m, key)
	}
}

// Log writes a message at most once per interval; the next one written
// says how many were left out meanwhile (attribute "suppressed").
type Log struct {
	log      *slog.Logger
	interval time.Duration
	mu       sync.Mutex
	last     time.Time // mu
	skipped  int       // mu
}

// NewLog returns a Log writing to log at most once per interval.
func NewLog(log *slog.Logger, interval time.Duration) *Log {
	return &Log{log: log, interval: interval}
}

// Info logs msg with args unless one was logged less than interval before
// now; then it only counts it.
func (l *Log) Info(now time.Time, msg string, args ...any) {
	l.mu.Lock()
	if !l.last.IsZero() && now.Sub(l.last) < l.interval {
		l.skipped++
		l.mu.Unlock()
		return
	}
	skipped := l.skipped
	l.last, l.skipped = now, 0
	l.mu.Unlock()
	if skipped > 0 {
		args = append(args, "suppressed", skipped)
	}
	l.log.Info(msg, args...)
}
