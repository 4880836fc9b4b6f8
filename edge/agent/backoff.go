package agent

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is how long the agent waits between attempts to reach the
// controller: Min before the first retry, doubling up to Max, each wait
// drawn at random from its upper half so that edges cut off together do
// not call back together.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff waits 1 s, 2 s, 4 s… up to 30 s (halved at random).
var DefaultBackoff = Backoff{Min: time.Second, Max: 30 * time.Second}

// orDefault fills a zero or inconsistent Backoff from DefaultBackoff.
func (b Backoff) orDefault() Backoff {
	if b.Min <= 0 {
		b.Min = DefaultBackoff.Min
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Min {
		b.Max = b.Min
	}
	return b
}

// Delay is the wait after the failed attempt number n (0 for the first):
// the step min(Max, Min·2ⁿ), less a random part of up to half of it.
// randN(k) returns a uniform value in [0, k).
func (b Backoff) Delay(n int, randN func(int64) int64) time.Duration {
	step := b.Min
	for i := 0; i < n && step < b.Max; i++ {
		step *= 2
	}
	step = min(step, b.Max)
	half := step / 2
	return step - half + time.Duration(randN(int64(half)+1))
}

// retrier counts failed attempts and sleeps the Backoff's delays.
type retrier struct {
	b        Backoff
	failures int
}

// reset follows an attempt that got somewhere: the next wait is Min again.
func (r *retrier) reset() { r.failures = 0 }

// next is the delay before the next attempt.
func (r *retrier) next() time.Duration {
	d := r.b.Delay(r.failures, rand.Int64N)
	r.failures++
	return d
}

// sleep waits d, or until ctx ends (then false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
