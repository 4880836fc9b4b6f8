package pki

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"
)

func TestNewTokenFormat(t *testing.T) {
	caCert := newTestCA(t).Certificate()
	exp := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tok, rec, err := NewToken("branch-1", caCert, exp)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != TokenLen || TokenLen != 96 || !strings.HasPrefix(tok, TokenPrefix) {
		t.Fatalf("token of %d characters", len(tok))
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok[len(TokenPrefix):])
	if err != nil || len(raw) != 69 || raw[0] != 1 {
		t.Fatalf("body: %d bytes, %v", len(raw), err)
	}
	if rec.SiteName != "branch-1" || !rec.ExpiresAt.Equal(exp) || rec.Hash != HashToken(tok) || rec.ID != rec.Hash[:16] {
		t.Errorf("record %+v", rec)
	}
	if pin, err := ParseToken(tok); err != nil || pin != CAPin(caCert) {
		t.Errorf("ParseToken: pin %x, %v", pin, err)
	}
	if id, err := TokenID(tok); err != nil || id != rec.ID {
		t.Errorf("TokenID: %s, %v", id, err)
	}
	if strings.Contains(rec.Hash, tok[len(TokenPrefix):]) || rec.Hash == tok {
		t.Error("the record holds the token")
	}
	// Independent draws.
	tok2, rec2, _ := NewToken("branch-1", caCert, exp)
	if tok2 == tok || rec2.Hash == rec.Hash {
		t.Error("two tokens alike")
	}
	for _, bad := range []string{"", "Branch", "-x", strings.Repeat("a", 64)} {
		if _, _, err := NewToken(bad, caCert, exp); err == nil || !strings.Contains(err.Error(), "site_name") {
			t.Errorf("site %q: %v", bad, err)
		}
	}
	if _, _, err := NewToken("a", caCert, time.Time{}); err == nil || !strings.Contains(err.Error(), "expiry") {
		t.Errorf("zero expiry: %v", err)
	}
	if _, _, err := NewToken("a", nil, exp); err == nil || !strings.Contains(err.Error(), "ca") {
		t.Errorf("no CA: %v", err)
	}
}

func TestCheckToken(t *testing.T) {
	caCert := newTestCA(t).Certificate()
	now := time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)
	tok, rec, err := NewToken("branch-1", caCert, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := NewToken("branch-1", caCert, now.Add(time.Hour))
	used, revoked, expired := rec, rec, rec
	used.UsedAt = now.Add(-time.Minute)
	revoked.RevokedAt = now.Add(-time.Minute)
	revoked.UsedAt = now.Add(-time.Minute) // revoked wins: it says more
	expired.ExpiresAt = now
	badHash := rec
	badHash.Hash = "zz"

	cases := []struct {
		name  string
		token string
		site  string
		rec   TokenRecord
		want  error  // nil: accepted
		msg   string // in the error
	}{
		{"valid", tok, "", rec, nil, ""},
		{"valid, site named", tok, "branch-1", rec, nil, ""},
		{"used", tok, "", used, ErrTokenUsed, "used at 2026-11-23T21:59:00Z"},
		{"revoked", tok, "", revoked, ErrTokenRevoked, "revoked at"},
		{"expired at the instant", tok, "", expired, ErrTokenExpired, "expired at 2026-11-23T22:00:00Z"},
		{"wrong site", tok, "branch-2", rec, ErrTokenWrongSite, `enrols site "branch-1", not "branch-2"`},
		{"another token", other, "", rec, ErrTokenUnknown, "no such token"},
		{"empty", "", "", rec, ErrTokenMalformed, `does not start with "ptj_"`},
		{"no prefix", tok[len(TokenPrefix):], "", rec, ErrTokenMalformed, "does not start"},
		{"truncated", tok[:len(tok)-1], "", rec, ErrTokenMalformed, "91 characters"},
		{"trailing newline", tok + "\n", "", rec, ErrTokenMalformed, "93 characters"},
		{"unknown version", withVersion(tok, 2), "", rec, ErrTokenMalformed, "format version 2"},
		{"not base64url", tok[:10] + "+" + tok[11:], "", rec, ErrTokenMalformed, "characters other than"},
		{"typo", typo(tok, 20), "", rec, ErrTokenMalformed, "checksum mismatch"},
		{"line break inside", tok[:20] + "\r" + tok[21:], "", rec, ErrTokenMalformed, "characters other than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckToken(tc.token, tc.site, tc.rec, now)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", err, tc.msg)
			}
			var te *TokenError
			if !errors.As(err, &te) {
				t.Errorf("%T is not a *TokenError", err)
			}
			assertNoSecret(t, err.Error(), tok)
		})
	}
	if err := CheckToken(tok, "", badHash, now); err == nil || !strings.Contains(err.Error(), "hash") {
		t.Errorf("corrupt record: %v", err)
	}
}

// typo replaces the character at i of the token's body by another one of
// the alphabet.
func typo(tok string, i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := []byte(tok)
	p := len(TokenPrefix) + i
	b[p] = alphabet[(strings.IndexByte(alphabet, b[p])+1+i%63)%len(alphabet)] // never itself
	return string(b)
}

// Every single-character typo anywhere in the body is caught by the
// checksum, before any lookup.
func TestTokenChecksumCatchesEveryTypo(t *testing.T) {
	caCert := newTestCA(t).Certificate()
	for range 20 {
		tok, _, err := NewToken("a", caCert, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for i := range tokenBodyLen {
			if _, err := ParseToken(typo(tok, i)); !errors.Is(err, ErrTokenMalformed) || !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("typo at %d: %v", i, err)
			}
		}
		// Two adjacent characters swapped.
		b := []byte(tok)
		for i := len(TokenPrefix); i+1 < len(b); i++ {
			if b[i] == b[i+1] {
				continue
			}
			s := append([]byte(nil), b...)
			s[i], s[i+1] = s[i+1], s[i]
			if _, err := ParseToken(string(s)); !errors.Is(err, ErrTokenMalformed) {
				t.Fatalf("swap at %d: %v", i, err)
			}
		}
	}
}

func TestCheckTokenComparesInConstantTime(t *testing.T) {
	caCert := newTestCA(t).Certificate()
	orig := constantTimeCompare
	t.Cleanup(func() { constantTimeCompare = orig })
	calls := 0
	constantTimeCompare = func(x, y []byte) int {
		calls++
		return orig(x, y)
	}
	now := time.Now()
	tok, rec, _ := NewToken("a", caCert, now.Add(time.Hour))
	other, _, _ := NewToken("a", caCert, now.Add(time.Hour))
	if err := CheckToken(tok, "", rec, now); err != nil {
		t.Fatal(err)
	}
	if err := CheckToken(other, "", rec, now); !errors.Is(err, ErrTokenUnknown) {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("constant-time compare called %d times, want 2", calls)
	}
}

// withVersion re-encodes tok with another format version and a valid
// checksum.
func withVersion(tok string, v byte) string {
	raw, _ := base64.RawURLEncoding.DecodeString(tok[len(TokenPrefix):])
	raw[0] = v
	binary.BigEndian.PutUint32(raw[tokenSumOff:], crc32.ChecksumIEEE(raw[:tokenSumOff]))
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
}
