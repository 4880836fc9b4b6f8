package pki

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseToken: no input panics; a token that parses has the exact
// form, and every refusal is a malformed-token error that does not quote
// the input.
func FuzzParseToken(f *testing.F) {
	tok, _, _ := NewToken("a", newTestCA(f).Certificate(), time.Now().Add(time.Hour))
	for _, s := range []string{tok, typo(tok, 7), tok[:20], "", "ptj_", "ptj_" + strings.Repeat("A", tokenBodyLen), "ptj_" + strings.Repeat("=", tokenBodyLen), "ptj_" + strings.Repeat("0", 17) + "\r" + strings.Repeat("0", 74)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseToken(s)
		if err == nil {
			if len(s) != TokenLen || !strings.HasPrefix(s, TokenPrefix) {
				t.Fatalf("accepted %q", s)
			}
			return
		}
		if !errors.Is(err, ErrTokenMalformed) {
			t.Fatalf("error %v is not ErrTokenMalformed", err)
		}
		if len(s) >= 12 && strings.Contains(err.Error(), s) {
			t.Fatalf("error quotes the input: %v", err)
		}
	})
}

// FuzzParseIdentity: no input panics, and what parses prints back the
// same.
func FuzzParseIdentity(f *testing.F) {
	for _, s := range []string{"spiffe://patronus/site/1/a", "spiffe://patronus/admin/bob", "spiffe://patronus/site/01/a", "spiffe://x/y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		id, err := ParseIdentity(u)
		if err != nil {
			return
		}
		if err := id.Validate(); err != nil {
			t.Fatalf("%q parsed to invalid %v: %v", s, id, err)
		}
		again, err := ParseIdentity(id.URI())
		if err != nil || again != id {
			t.Fatalf("%q: round trip %v -> %v, %v", s, id, again, err)
		}
	})
}
