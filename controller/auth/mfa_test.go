package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/patronus-sdwan/patronus/controller/auth"
)

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTP(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) {
		c.Throttle = auth.Throttle{PerUser: 100, PerUserBurst: 100, PerAddress: 100, PerAddressBurst: 100}
	})
	e.user("alice", auth.RoleAdmin)
	access, _ := e.signIn("alice")
	en := e.do("POST", "/api/v1/auth/mfa/totp", access, nil)
	e.want(en, 200, "")
	secret := en.str("secret")
	if secret == "" || !strings.HasPrefix(en.str("url"), "otpauth://totp/") {
		t.Fatalf("enrolment %s", en.raw)
	}
	// Not in force before confirmation.
	e.signIn("alice")
	e.want(e.do("POST", "/api/v1/auth/mfa/totp/confirm", access, map[string]string{"otp": "000000"}), 400, "invalid")
	c := e.do("POST", "/api/v1/auth/mfa/totp/confirm", access, map[string]string{"otp": code(t, secret, e.clock.Now())})
	e.want(c, 200, "")
	var recovery []string
	for _, v := range c.body["recovery_codes"].([]any) {
		recovery = append(recovery, v.(string))
	}
	if len(recovery) != 10 || len(recovery[0]) != 19 {
		t.Fatalf("recovery codes %v", recovery)
	}

	// MFA required: the password alone gets mfa_required.
	r := e.login("alice", pw, "")
	e.want(r, 401, "mfa_required")
	if r.errField() != "otp" {
		t.Fatalf("mfa answer %s", r.raw)
	}
	e.want(e.login("alice", pw, "123456"), 401, "unauthenticated")
	// The confirmation used this step's code: it is refused now (replay).
	e.want(e.login("alice", pw, code(t, secret, e.clock.Now())), 401, "unauthenticated")
	e.clock.Advance(30 * time.Second)
	now := code(t, secret, e.clock.Now())
	e.want(e.login("alice", pw, now), 200, "")
	e.want(e.login("alice", pw, now), 401, "unauthenticated") // replayed
	// A wrong password with a right code is still refused.
	e.clock.Advance(30 * time.Second)
	e.want(e.login("alice", "wrong password xx", code(t, secret, e.clock.Now())), 401, "unauthenticated")

	// Recovery codes: each once.
	e.want(e.login("alice", pw, strings.ToUpper(recovery[0])), 200, "")
	e.want(e.login("alice", pw, recovery[0]), 401, "unauthenticated")
	e.want(e.login("alice", pw, "aaaa-bbbb-cccc-dddd"), 401, "unauthenticated")

	// New recovery codes need a code; the old ones stop working.
	e.clock.Advance(30 * time.Second)
	nr := e.do("POST", "/api/v1/auth/mfa/recovery-codes", access, map[string]string{"otp": code(t, secret, e.clock.Now())})
	e.want(nr, 200, "")
	e.want(e.login("alice", pw, recovery[1]), 401, "unauthenticated")
	fresh := nr.body["recovery_codes"].([]any)[0].(string)

	// Disabling takes a code (here a recovery code).
	e.want(e.do("DELETE", "/api/v1/auth/mfa/totp", access, map[string]string{"otp": "999999"}), 400, "invalid")
	e.want(e.do("DELETE", "/api/v1/auth/mfa/totp", access, map[string]string{"otp": fresh}), 204, "")
	e.want(e.login("alice", pw, ""), 200, "")

	log, _ := e.st.AuditLog(e.ctx, store_q("auth.login", "failure"))
	reasons := ""
	for _, a := range log {
		reasons += string(a.Detail)
	}
	for _, want := range []string{"mfa_required", "otp_replayed", "bad_recovery_code", "bad_otp"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("no audited failure %q in %s", want, reasons)
		}
	}
}
