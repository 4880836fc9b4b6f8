package dataplane

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/shim"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// TestHelloMachine walks one end through start, answer, periodic Hellos,
// expiry, withdrawal and a change of local setting, on a fake clock.
func TestHelloMachine(t *testing.T) {
	lz4 := shim.Hello{HoldTime: 20, Caps: shim.CapLZ4}
	m := &helloMachine{local: true}
	type step struct {
		name       string
		do         func() (shim.Hello, bool)
		now        float64
		send       bool
		want       shim.Hello // when send
		active     bool
		peerAccept bool
	}
	steps := []step{
		{"start: Hello at once, asking for a reply", func() (shim.Hello, bool) { return m.tick(at(0)) }, 0,
			true, shim.Hello{ReplyRequested: true, HoldTime: 20, Caps: shim.CapLZ4}, false, false},
		{"nothing due a second later", func() (shim.Hello, bool) { return m.tick(at(1)) }, 1, false, shim.Hello{}, false, false},
		{"peer's Hello asking for a reply is answered", func() (shim.Hello, bool) {
			h := lz4
			h.ReplyRequested = true
			return m.receive(at(2), h)
		}, 2, true, lz4, true, true},
		{"periodic Hello: no reply needed now", func() (shim.Hello, bool) { return m.tick(at(5)) }, 5, true, lz4, true, true},
		{"peer's Hello without R is not answered", func() (shim.Hello, bool) { return m.receive(at(6), lz4) }, 6, false, shim.Hello{}, true, true},
		{"still trusted just before the hold time ends", func() (shim.Hello, bool) { return m.tick(at(25.9)) }, 25.9,
			true, lz4, true, true},
		{"expired: compression stops, Hellos ask again", func() (shim.Hello, bool) { return m.tick(at(26)) }, 26,
			false, shim.Hello{}, false, false},
		{"periodic Hello after expiry asks for a reply", func() (shim.Hello, bool) { return m.tick(at(30.9)) }, 30.9,
			true, shim.Hello{ReplyRequested: true, HoldTime: 20, Caps: shim.CapLZ4}, false, false},
		{"peer back", func() (shim.Hello, bool) { return m.receive(at(31), lz4) }, 31, false, shim.Hello{}, true, true},
		{"peer stops accepting", func() (shim.Hello, bool) { return m.receive(at(32), shim.Hello{HoldTime: 20}) }, 32,
			false, shim.Hello{}, false, false},
		{"peer accepts again", func() (shim.Hello, bool) { return m.receive(at(33), lz4) }, 33, false, shim.Hello{}, true, true},
		{"peer withdraws (hold time 0)", func() (shim.Hello, bool) { return m.receive(at(34), shim.Hello{Caps: shim.CapLZ4}) }, 34,
			false, shim.Hello{}, false, false},
		{"peer accepts again", func() (shim.Hello, bool) { return m.receive(at(35), lz4) }, 35, false, shim.Hello{}, true, true},
		{"local off: announced at once", func() (shim.Hello, bool) { return m.setLocal(at(36), false) }, 36,
			true, shim.Hello{HoldTime: 20}, false, true},
		{"same setting again: nothing", func() (shim.Hello, bool) { return m.setLocal(at(36.5), false) }, 36.5,
			false, shim.Hello{}, false, true},
		{"next periodic Hello counts from the change", func() (shim.Hello, bool) { return m.tick(at(40.9)) }, 40.9,
			false, shim.Hello{}, false, true},
		{"local on again", func() (shim.Hello, bool) { return m.setLocal(at(41), true) }, 41, true, lz4, true, true},
	}
	for _, s := range steps {
		h, send := s.do()
		now := at(s.now)
		if send != s.send || send && h != s.want || m.active(now) != s.active || m.peerAccepts(now) != s.peerAccept {
			t.Fatalf("%s: send %v %+v, active %v, peer accepts %v; want %v %+v, %v, %v",
				s.name, send, h, m.active(now), m.peerAccepts(now), s.send, s.want, s.active, s.peerAccept)
		}
	}
}

// exchange runs two ends against each other for d seconds of fake time,
// delivering every Hello at once (or not at all with lose).
func exchange(a, b *helloMachine, from, to float64, lose bool) {
	for s := from; s <= to; s += 1 {
		now := at(s)
		for _, pair := range [][2]*helloMachine{{a, b}, {b, a}} {
			h, send := pair[0].tick(now)
			for send && !lose {
				h, send = pair[1].receive(now, h)
				pair[0], pair[1] = pair[1], pair[0]
			}
		}
	}
}

// TestHelloNegotiationBetweenEnds: compression is active at an end only
// when both ends enable it; a mismatch compresses nowhere.
func TestHelloNegotiationBetweenEnds(t *testing.T) {
	for _, tc := range []struct{ a, b bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
		a, b := &helloMachine{local: tc.a}, &helloMachine{local: tc.b}
		exchange(a, b, 0, 1, false)
		now := at(1)
		if a.active(now) != (tc.a && tc.b) || b.active(now) != (tc.a && tc.b) {
			t.Errorf("a=%v b=%v: active %v %v", tc.a, tc.b, a.active(now), b.active(now))
		}
		if a.peerAccepts(now) != tc.b || b.peerAccepts(now) != tc.a {
			t.Errorf("a=%v b=%v: peer accepts %v %v", tc.a, tc.b, a.peerAccepts(now), b.peerAccepts(now))
		}
	}
	// Hellos lost for longer than the hold time: compression stops; they
	// come back: it resumes within one interval.
	a, b := &helloMachine{local: true}, &helloMachine{local: true}
	exchange(a, b, 0, 10, false)
	exchange(a, b, 11, 11+helloHold.Seconds(), true)
	if now := at(11 + helloHold.Seconds()); a.active(now) || b.active(now) {
		t.Error("still compressing after the peer's Hellos stopped for the hold time")
	}
	exchange(a, b, 32, 32+helloInterval.Seconds(), false)
	if now := at(32 + helloInterval.Seconds()); !a.active(now) || !b.active(now) {
		t.Error("compression did not resume when Hellos came back")
	}
}

// TestFirstHelloHeldBack: the site with the higher ID sends its first
// Hello (which would start a WireGuard handshake) only at the time it is
// given; the lower ID sends at once. And its WireGuard configuration has
// no persistent keepalive until then.
func TestFirstHelloHeldBack(t *testing.T) {
	now := at(0)
	lower := newPathShim(1, 2, 1420, false, time.Time{})
	if _, send := lower.tick(now); !send {
		t.Error("lower ID: no Hello at once")
	}
	higher := newPathShim(2, 1, 1420, false, now.Add(initiateDelay))
	if _, send := higher.tick(now); send {
		t.Error("higher ID: a Hello at once")
	}
	if _, send := higher.tick(now.Add(initiateDelay - time.Millisecond)); send {
		t.Error("higher ID: a Hello before initiateDelay")
	}
	if _, send := higher.tick(now.Add(initiateDelay)); !send {
		t.Error("higher ID: no Hello at initiateDelay")
	}
	d := &Dataplane{cfg: testValid(t)}
	p := &peer{cfg: d.cfg.Peers[0]}
	rl := p.cfg.Links[0]
	if u := d.uapi(p, rl, false); strings.Contains(u, "persistent_keepalive") {
		t.Errorf("held back, the configuration has a keepalive:\n%s", u)
	}
	if u := d.uapi(p, rl, true); !strings.Contains(u, "persistent_keepalive_interval=25") {
		t.Errorf("no keepalive:\n%s", u)
	}
}

// testValid is a small valid configuration: site 2 with one link and one
// peer, site 1.
func testValid(t *testing.T) *config.Valid {
	t.Helper()
	dir := t.TempDir()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "site.key")
	if err := os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(k.Bytes())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `site: {name: b, id: 2}
private_key_file: ` + key + `
lan_prefixes: [10.2.0.0/24]
links: [{name: inet, local_address: 198.18.0.2, listen_port: 51820, color: inet}]
peers:
  - {name: a, id: 1, public_key: "` + base64.StdEncoding.EncodeToString(k.PublicKey().Bytes()) + `", prefixes: [10.1.0.0/24], links: [{name: inet, endpoint: "198.18.0.1:51820", color: inet}]}
`
	file := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
