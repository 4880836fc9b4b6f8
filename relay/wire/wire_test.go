package wire

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

var key = bytes.Repeat([]byte{0x42}, KeyLen)

// TestRegisterVector: a registration's bytes, byte for byte.
func TestRegisterVector(t *testing.T) {
	r := Register{Session: 0x0102030405060708, Side: 1, Site: "hub", Time: time.UnixMilli(1700000000000)}
	b, err := AppendRegister(nil, r, Token(key, r.Session, r.Side, r.Site))
	if err != nil {
		t.Fatal(err)
	}
	const want = "51010103" + "0102030405060708" + "0000018bcfe56800" + "687562" + "MAC"
	got := hex.EncodeToString(b)
	if got[:len(want)-3] != want[:len(want)-3] || len(b) != 20+3+MACLen {
		t.Fatalf("register = %s, want %s + 16 bytes of MAC", got, want[:len(want)-3])
	}
	if mac := got[len(want)-3:]; mac != registerMAC {
		t.Errorf("MAC %s, want %s", mac, registerMAC)
	}
	back, err := VerifyRegister(b, key)
	if err != nil || back.Session != r.Session || back.Side != 1 || back.Site != "hub" || !back.Time.Equal(r.Time) {
		t.Fatalf("VerifyRegister = %+v, %v", back, err)
	}
}

const registerMAC = "93c067a47bbeb9f0a99e3ae1f6e52144"

// TestDataHeader: the header's bytes and its session read back; short
// or foreign messages are not Data.
func TestDataHeader(t *testing.T) {
	b := make([]byte, DataHeaderLen)
	PutDataHeader(b, 0x0102030405060708)
	if got := hex.EncodeToString(b); got != "500100000102030405060708" {
		t.Fatalf("header %s", got)
	}
	if s, ok := DataSession(b); !ok || s != 0x0102030405060708 {
		t.Fatalf("DataSession = %x, %v", s, ok)
	}
	for _, bad := range [][]byte{b[:11], {4, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, {TypeData, 2, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}} {
		if _, ok := DataSession(bad); ok {
			t.Errorf("DataSession(%x) ok", bad)
		}
	}
}

// TestSessionSymmetric: both ends compute the same session, and opposite
// sides.
func TestSessionSymmetric(t *testing.T) {
	a, b := End{"alpha", "inet"}, End{"beta", "lte"}
	s1, sa := Session(key, a, b)
	s2, sb := Session(key, b, a)
	if s1 != s2 || sa == sb {
		t.Fatalf("Session(a,b) = %x side %d; Session(b,a) = %x side %d", s1, sa, s2, sb)
	}
	if s3, _ := Session(key, End{"alpha", "inetb"}, End{"eta", "lte"}); s3 == s1 {
		t.Fatal("different ends, same session")
	}
}

// TestRegisterRefused: malformed registrations are errors, not panics.
func TestRegisterRefused(t *testing.T) {
	good, _ := AppendRegister(nil, Register{Session: 1, Site: "a", Time: time.Now()}, Token(key, 1, 0, "a"))
	for name, b := range map[string][]byte{
		"short":     good[:10],
		"truncated": good[:len(good)-1],
		"type":      append([]byte{TypeData}, good[1:]...),
		"side":      append([]byte{TypeRegister, Version, 2}, good[3:]...),
		"site len":  append([]byte{TypeRegister, Version, 0, 0}, good[4:]...),
	} {
		if _, err := VerifyRegister(b, key); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := AppendRegister(nil, Register{Site: string(make([]byte, 64))}, [TokenLen]byte{}); err == nil {
		t.Error("a site name of 64 bytes was encoded")
	}
}

// FuzzVerifyRegister: any input is refused or verifies, never panics;
// what verifies encodes back to itself.
func FuzzVerifyRegister(f *testing.F) {
	good, _ := AppendRegister(nil, Register{Session: 9, Side: 1, Site: "site", Time: time.UnixMilli(5)}, Token(key, 9, 1, "site"))
	f.Add(good)
	f.Add([]byte{TypeRegister, Version, 0, 63})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := VerifyRegister(b, key)
		if err != nil {
			return
		}
		again, err := AppendRegister(nil, r, Token(key, r.Session, r.Side, r.Site))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("verified %x re-encodes to %x, %v", b, again, err)
		}
	})
}

// TestProbe: a probe's bytes and their decoding; other lengths or flags
// are not probes.
func TestProbe(t *testing.T) {
	b := AppendProbe(nil, Probe{Session: 0x0102030405060708, Nonce: 0x1112131415161718, Echo: true})
	if got := hex.EncodeToString(b); got != "5201010001020304050607081112131415161718" {
		t.Fatalf("probe %s", got)
	}
	if p, ok := ParseProbe(b); !ok || !p.Echo || p.Session != 0x0102030405060708 || p.Nonce != 0x1112131415161718 {
		t.Fatalf("ParseProbe = %+v, %v", p, ok)
	}
	bad := append([]byte(nil), b...)
	bad[2] = 2
	for _, x := range [][]byte{b[:19], append(b, 0), bad} {
		if _, ok := ParseProbe(x); ok {
			t.Errorf("ParseProbe(%x) ok", x)
		}
	}
}
