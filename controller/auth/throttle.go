package auth

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/internal/ratelimit"
)

// Throttle bounds sign-in attempts (password logins, refreshes, setup,
// OIDC exchanges) per user name and per source address with token
// buckets. Every attempt, right or wrong, takes a token from both.
type Throttle struct {
	// PerUser: a bucket of PerUserBurst attempts refilled at PerUser per
	// second, per user name.
	PerUser      rate.Limit
	PerUserBurst int
	// PerAddress: the same per source address.
	PerAddress      rate.Limit
	PerAddressBurst int
	// MaxEntries bounds each map of buckets.
	MaxEntries int
}

// DefaultThrottle: per user name 5 attempts at once then one every 12 s
// (5 a minute); per source address 20 at once then one every 3 s (20 a
// minute); at most 10,000 buckets of each kind. A full map first forgets
// buckets that have refilled (they hold nothing), then arbitrary ones.
var DefaultThrottle = Throttle{
	PerUser: rate.Every(12 * time.Second), PerUserBurst: 5,
	PerAddress: rate.Every(3 * time.Second), PerAddressBurst: 20,
	MaxEntries: 10000,
}

type limiter struct {
	user, addr *ratelimit.Keyed
}

func newLimiter(t Throttle) *limiter {
	d := DefaultThrottle
	if t.PerUser <= 0 || t.PerUserBurst <= 0 {
		t.PerUser, t.PerUserBurst = d.PerUser, d.PerUserBurst
	}
	if t.PerAddress <= 0 || t.PerAddressBurst <= 0 {
		t.PerAddress, t.PerAddressBurst = d.PerAddress, d.PerAddressBurst
	}
	if t.MaxEntries <= 0 {
		t.MaxEntries = d.MaxEntries
	}
	return &limiter{
		user: ratelimit.NewKeyed(t.PerUser, t.PerUserBurst, t.MaxEntries),
		addr: ratelimit.NewKeyed(t.PerAddress, t.PerAddressBurst, t.MaxEntries),
	}
}

// allow takes one attempt from the user's and the address's buckets, or
// returns a 429 error saying when to retry. Either key may be empty.
func (l *limiter) allow(user, addr string, now time.Time) error {
	ru, wu := l.user.Reserve(user, now)
	ra, wa := l.addr.Reserve(addr, now)
	if wait := max(wu, wa); wait > 0 {
		// A refused attempt costs nothing in either bucket.
		for _, r := range []*rate.Reservation{ru, ra} {
			if r != nil {
				r.CancelAt(now)
			}
		}
		return &apierr.Error{Status: http.StatusTooManyRequests, Code: apierr.CodeTooManyRequests,
			Message: "too many sign-in attempts; try again later", RetryAfter: wait, Err: ErrUnauthenticated}
	}
	return nil
}
