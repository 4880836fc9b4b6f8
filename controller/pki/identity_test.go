package pki

import (
	"net/url"
	"strings"
	"testing"
)

func TestIdentityRoundTrip(t *testing.T) {
	for _, id := range []Identity{SiteIdentity(1, "a"), SiteIdentity(9223372036854775807, "branch-1_x"), AdminIdentity("alice")} {
		u := id.URI()
		got, err := ParseIdentity(u)
		if err != nil || got != id {
			t.Errorf("%s: %v, %v", u, got, err)
		}
		if id.String() != u.String() {
			t.Errorf("String %q, URI %q", id.String(), u)
		}
	}
	if got := (Identity{}).String(); got != "invalid identity" {
		t.Errorf("zero identity: %q", got)
	}
}

func TestParseIdentityRefuses(t *testing.T) {
	cases := map[string]string{
		"https://patronus/site/1/a":                           "not a spiffe",
		"spiffe://other/site/1/a":                             "not a spiffe",
		"spiffe://user@patronus/site/1/a":                     "not a spiffe",
		"spiffe://patronus/site/1/a?x=1":                      "not a spiffe",
		"spiffe://patronus/site/1/a#f":                        "not a spiffe",
		"spiffe://patronus/site/a":                            "neither",
		"spiffe://patronus/site/1/a/b":                        "neither",
		"spiffe://patronus/node/1/a":                          "neither",
		"spiffe://patronus/admin":                             "neither",
		"spiffe://patronus/site/01/a":                         "decimal",
		"spiffe://patronus/site/+1/a":                         "decimal",
		"spiffe://patronus/site/x/a":                          "decimal",
		"spiffe://patronus/site/0/a":                          "site_id",
		"spiffe://patronus/site/-3/a":                         "site_id",
		"spiffe://patronus/site/1/A":                          "site_name",
		"spiffe://patronus/site/1/":                           "site_name",
		"spiffe://patronus/admin/-root":                       "user",
		"spiffe://patronus/admin/r%20oot":                     "user",
		"spiffe://patronus/site/1/" + strings.Repeat("a", 64): "longer",
	}
	for s, want := range cases {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseIdentity(u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", s, err, want)
		}
	}
	if _, err := IdentityFromCert(nil); err == nil {
		t.Error("IdentityFromCert(nil) succeeded")
	}
}
