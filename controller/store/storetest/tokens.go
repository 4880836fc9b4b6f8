package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

func testJoinTokens(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	secret, tok, err := s.CreateJoinToken(ctx, "corp", "branch1", time.Hour)
	ok(t, err)
	if len(secret) < 40 || tok.Site != "branch1" || !tok.ExpiresAt.Equal(epoch.Add(time.Hour)) || !tok.UsedAt.IsZero() {
		t.Fatalf("token %+v (secret %d chars)", tok, len(secret))
	}
	// Only the hash is stored.
	if n := must(h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM join_tokens WHERE token_hash = '"+secret+"'"))(t); n != 0 {
		t.Fatal("the token is stored in clear")
	}
	if n := must(h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM join_tokens WHERE length(token_hash) = 64"))(t); n != 1 {
		t.Fatal("no SHA-256 hex hash stored")
	}
	_, _, err = s.CreateJoinToken(ctx, "corp", "branch1", time.Second)
	wantErr(t, err, store.ErrInvalid, "ttl")
	_, _, err = s.CreateJoinToken(ctx, "corp", "Bad!", time.Hour)
	wantErr(t, err, store.ErrInvalid, "site")
	_, _, err = s.CreateJoinToken(ctx, "nope", "b", time.Hour)
	wantErr(t, err, store.ErrNotFound, "")

	_, err = s.EnrolSite(ctx, secret, store.SiteSpec{Name: "other", Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrInvalid, "name")
	_, err = s.EnrolSite(ctx, secret, store.SiteSpec{Role: store.Spoke, PublicKey: "x"})
	wantErr(t, err, store.ErrInvalid, "public_key")
	rev := must(s.Network(ctx, "corp"))(t).Revision
	site := must(s.EnrolSite(ctx, secret, store.SiteSpec{Role: store.Spoke, PublicKey: Key()}))(t)
	if site.Name != "branch1" || site.State != store.Enrolled || site.Network != "corp" {
		t.Fatalf("enrolled %+v", site)
	}
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev+1 {
		t.Fatalf("enrolment moved the revision %d → %d, want +1", rev, r)
	}
	_, err = s.EnrolSite(ctx, secret, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrTokenUsed, "")
	_, err = s.EnrolSite(ctx, "no-such-token", store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrTokenUnknown, "")
	_, err = s.EnrolSite(ctx, "", store.SiteSpec{})
	wantErr(t, err, store.ErrInvalid, "token")

	exp, _, err := s.CreateJoinToken(ctx, "corp", "branch2", time.Minute)
	ok(t, err)
	e.clock.Advance(time.Minute)
	_, err = s.EnrolSite(ctx, exp, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrTokenExpired, "")

	rvk, rtok, err := s.CreateJoinToken(ctx, "corp", "branch3", time.Hour)
	ok(t, err)
	ok(t, s.RevokeJoinToken(ctx, "corp", rtok.ID))
	ok(t, s.RevokeJoinToken(ctx, "corp", rtok.ID)) // idempotent
	_, err = s.EnrolSite(ctx, rvk, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrTokenRevoked, "")
	wantErr(t, s.RevokeJoinToken(ctx, "corp", tok.ID), store.ErrTokenUsed, "")
	wantErr(t, s.RevokeJoinToken(ctx, "corp", "0123456789abcdef"), store.ErrNotFound, "")
	wantErr(t, s.RevokeJoinToken(ctx, "corp", "not-an-id"), store.ErrInvalid, "id")
	if want := hashHex(secret)[:16]; tok.ID != want {
		t.Fatalf("token id %q, want the first 16 hex digits of its hash %q", tok.ID, want)
	}

	// A token for a name already taken is not consumed by the failed enrolment.
	dup, _, err := s.CreateJoinToken(ctx, "corp", "branch1", time.Hour)
	ok(t, err)
	_, err = s.EnrolSite(ctx, dup, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrConflict, "name")
	ok(t, s.DeleteSite(ctx, "corp", "branch1"))
	must(s.EnrolSite(ctx, dup, store.SiteSpec{Role: store.Spoke, PublicKey: Key()}))(t)

	toks := must(s.JoinTokens(ctx, "corp"))(t)
	if len(toks) != 4 || toks[0].UsedAt.IsZero() || !toks[1].UsedAt.IsZero() || toks[2].RevokedAt.IsZero() || toks[3].UsedAt.IsZero() {
		t.Fatalf("JoinTokens = %+v", toks)
	}
	for _, tk := range toks {
		if strings.Contains(tk.Site, secret) {
			t.Fatal("secret leaked")
		}
	}
}

// testJoinTokenRace: 20 enrolments race with one token; exactly one wins.
func testJoinTokenRace(t *testing.T, h Harness) {
	const racers = 20
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	secret, _, err := s.CreateJoinToken(ctx, "corp", "edge", time.Hour)
	ok(t, err)
	var wg sync.WaitGroup
	errs := make([]error, racers)
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = s.EnrolSite(ctx, secret, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrTokenUsed):
			t.Errorf("loser got %v, want ErrTokenUsed", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d enrolments won with one token", wins)
	}
	if n := len(must(s.Sites(ctx, "corp"))(t)); n != 1 {
		t.Fatalf("%d sites", n)
	}
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// testForgedTokenNoWrite: enrolments with tokens that cannot enrol (unknown,
// used) are refused without a write transaction — while another connection
// holds the write lock they are still refused at once, not after waiting
// for it — so a flood of forged tokens cannot queue up the store's writers.
func testForgedTokenNoWrite(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	used, _, err := s.CreateJoinToken(ctx, "corp", "b1", time.Hour)
	ok(t, err)
	must(s.EnrolSite(ctx, used, store.SiteSpec{Role: store.Spoke, PublicKey: Key()}))(t)
	release, err := h.HoldWriteLock(ctx, e.loc)
	ok(t, err)
	defer release()
	for _, tc := range []struct {
		token string
		want  error
	}{{"ptj_forged-but-well-formed", store.ErrTokenUnknown}, {used, store.ErrTokenUsed}} {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		start := time.Now()
		_, err := s.EnrolSite(cctx, tc.token, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
		cancel()
		if !errors.Is(err, tc.want) || time.Since(start) > time.Second {
			t.Fatalf("with the write lock held: %v after %v, want %v at once", err, time.Since(start), tc.want)
		}
	}
}
