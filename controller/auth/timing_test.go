package auth_test

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
)

// TestUnknownUserTiming: a sign-in of an unknown user costs a password
// hash like a wrong password does, so timing does not tell names apart.
// The two are measured interleaved, the fastest of nine each, and the
// bound is loose (a third) for a loaded machine; without the dummy hash an
// unknown user takes a hundredth of the time.
func TestUnknownUserTiming(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) {
		c.Argon2 = auth.Argon2Params{Time: 3, Memory: 16 * 1024, Threads: 1}
		c.Throttle = auth.Throttle{PerUser: 1000, PerUserBurst: 1000, PerAddress: 1000, PerAddressBurst: 1000}
	})
	e.user("alice", auth.RoleViewer)
	e.login("nobody", "warm up the dummy hash", "")
	once := func(name string) time.Duration {
		start := time.Now()
		e.want(e.login(name, "wrong password!", ""), 401, "unauthenticated")
		return time.Since(start)
	}
	known, unknown := time.Duration(1<<62), time.Duration(1<<62)
	for range 9 {
		known = min(known, once("alice"))
		unknown = min(unknown, once("nobody"))
	}
	if unknown < known/3 {
		t.Fatalf("unknown user %v, wrong password %v", unknown, known)
	}
	t.Logf("wrong password %v, unknown user %v", known, unknown)
}
