package api

import (
	"strconv"
	"testing"
	"time"
)

// TestLimiterBounded: a flood of keys never holds more than MaxKeys;
// idle keys go first; a key refills with time.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimit{PerSecond: 1, Burst: 2, MaxKeys: 100})
	l.now = func() time.Time { return now }
	for i := range 10000 {
		l.allow(strconv.Itoa(i))
		if len(l.keys) > 100 {
			t.Fatalf("%d keys held after %d", len(l.keys), i)
		}
	}
	if ok, _ := l.allow("k"); !ok {
		t.Fatal("a new key refused")
	}
	l.allow("k")
	ok, after := l.allow("k")
	if ok || after <= 0 || after > time.Second {
		t.Fatalf("past the burst: ok %v, retry after %v", ok, after)
	}
	now = now.Add(time.Second)
	if ok, _ := l.allow("k"); !ok {
		t.Fatal("not refilled after a second")
	}
	now = now.Add(time.Hour) // everything idle: dropped to make room
	l.allow("fresh")
	if len(l.keys) != 1 {
		t.Fatalf("%d keys after the idle ones were dropped, want 1", len(l.keys))
	}
}
