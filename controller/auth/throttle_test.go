package auth_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
)

func TestThrottle(t *testing.T) {
	e := newEnv(t)
	e.user("alice", auth.RoleAdmin)
	// Per user name: 5 attempts, then 429 with Retry-After.
	for range 5 {
		e.want(e.login("alice", "wrong password!", ""), 401, "unauthenticated")
	}
	r := e.login("alice", pw, "")
	e.want(r, 429, "too_many_requests")
	if s, _ := strconv.Atoi(r.header.Get("Retry-After")); s < 1 || s > 12 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// One refills every 12 s.
	e.clock.Advance(12 * time.Second)
	e.want(e.login("alice", pw, ""), 200, "")
	e.want(e.login("ALICE", pw, ""), 429, "too_many_requests") // names are folded

	// Per address: 20 attempts whatever the names, then 429.
	e = newEnv(t)
	for i := range 20 {
		e.want(e.login("user"+strconv.Itoa(i), "x", ""), 401, "unauthenticated")
	}
	e.want(e.login("someone", "x", ""), 429, "too_many_requests")
	e.clock.Advance(3 * time.Second)
	e.want(e.login("someone", "x", ""), 401, "unauthenticated")
	log, _ := e.st.AuditLog(e.ctx, store_q("auth.login", "failure"))
	throttled := 0
	for _, a := range log {
		if string(a.Detail) == `{"reason":"throttled"}` {
			throttled++
		}
	}
	if throttled != 1 {
		t.Fatalf("%d throttled attempts audited, want 1", throttled)
	}
}

// TestThrottleBounded: the maps of buckets stay under MaxEntries.
func TestThrottleBounded(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) {
		c.Throttle = auth.Throttle{PerUser: 1, PerUserBurst: 1, PerAddress: 1000, PerAddressBurst: 1000, MaxEntries: 3}
	})
	for i := range 10 {
		e.want(e.login("u"+strconv.Itoa(i), "x", ""), 401, "unauthenticated")
	}
	// u9 is still limited (its bucket is recent); the map did not grow past 3.
	e.want(e.login("u9", "x", ""), 429, "too_many_requests")
}
