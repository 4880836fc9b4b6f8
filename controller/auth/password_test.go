package auth

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	phc, err := HashPassword("correct horse battery", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash %q", phc)
	}
	if ok, err := VerifyPassword("correct horse battery", phc); !ok || err != nil {
		t.Fatalf("verify = %v, %v", ok, err)
	}
	if ok, _ := VerifyPassword("correct horse batterx", phc); ok {
		t.Fatal("wrong password verified")
	}
	other, _ := HashPassword("correct horse battery", DefaultArgon2)
	if other == phc {
		t.Fatal("no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=65536,t=2,p=2$c2FsdHNhbHQ$a2V5", "$argon2id$v=19$m=99999999,t=2,p=2$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=65536,t=0,p=2$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5", "plain"} {
		if _, err := VerifyPassword("x", bad); err == nil {
			t.Errorf("hash %q accepted", bad)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		user, pw string
		ok       bool
	}{
		{"alice", "correct horse battery", true},
		{"alice", "short", false},
		{"alice", "elevenchars", false},
		{"alice", "twelve chars", true},
		{"administrator", "Administrator", false},
		{"alice", strings.Repeat("x", 1025), false},
		{"alice", "ééééééééééé", false}, // 11 characters, 22 bytes
	} {
		if err := CheckPassword(c.user, c.pw); (err == nil) != c.ok {
			t.Errorf("CheckPassword(%q, %q) = %v", c.user, c.pw, err)
		}
	}
}
