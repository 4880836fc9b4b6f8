//go:build interop

package interop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// BIRD is a BIRD 2 daemon in a namespace with its own config, control
// socket and pid file. BIRD creates BFD sessions only when a protocol asks;
// `neighbor` lines in `protocol bfd` ask for them explicitly.
type BIRD struct {
	Proc *netns.Proc
	ctl  string
}

// birdSession is one line of `birdc show bfd sessions`.
type birdSession struct {
	Peer, Iface, State string // State: Up, Down, Init, AdminDown
}

// birdStates are the session states birdc prints.
var birdStates = map[string]bool{"Up": true, "Down": true, "Init": true, "AdminDown": true}

func startBIRD(t *testing.T, ns *netns.NS, config string) *BIRD {
	t.Helper()
	bird := netns.Require(t, "bird")
	netns.Require(t, "birdc")
	dir := t.TempDir()
	conf := filepath.Join(dir, "bird.conf")
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bird, "-p", "-c", conf).CombinedOutput(); err != nil {
		t.Fatalf("bird rejects its config: %v\n%s\n%s", err, out, config)
	}
	b := &BIRD{ctl: filepath.Join(dir, "bird.ctl")}
	b.Proc = ns.Start(bird, "-f", "-c", conf, "-s", b.ctl, "-P", filepath.Join(dir, "bird.pid"))
	b.waitReady(t)
	return b
}

func (b *BIRD) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := b.birdc("show status")
		if err == nil {
			return
		}
		select {
		case <-b.Proc.Done():
			t.Fatalf("bird exited at start (%v):\n%s", b.Proc.Err(), b.Proc.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("bird control socket not ready after 10s: %v\n%s", err, b.Proc.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *BIRD) birdc(cmd string) (string, error) {
	out, err := exec.Command("birdc", "-s", b.ctl, cmd).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("birdc %s: %v\n%s", cmd, err, out)
	}
	return string(out), nil
}

// Sessions parses `birdc show bfd sessions`.
func (b *BIRD) Sessions(t *testing.T) []birdSession {
	t.Helper()
	out, err := b.birdc("show bfd sessions")
	if err != nil {
		t.Fatal(err)
	}
	var ss []birdSession
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		// "IP  Interface  State  Since  Interval  Timeout"; the interface
		// column may be empty for multihop sessions.
		switch {
		case birdStates[f[1]]:
			ss = append(ss, birdSession{Peer: f[0], State: f[1]})
		case birdStates[f[2]]:
			ss = append(ss, birdSession{Peer: f[0], Iface: f[1], State: f[2]})
		}
	}
	return ss
}

// State returns the state of the session to peer, "" if BIRD has none.
func (b *BIRD) State(t *testing.T, peer string) string {
	t.Helper()
	for _, s := range b.Sessions(t) {
		if s.Peer == peer {
			return s.State
		}
	}
	return ""
}

// WaitState polls until BIRD's session to peer is in state.
func (b *BIRD) WaitState(t *testing.T, peer, state string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := b.State(t, peer)
		if got == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bird session to %s: %q after %v, want %s", peer, got, timeout, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// birdAuth is BIRD's spelling of each Patronus --auth type.
var birdAuth = map[string]string{
	"":                      "none",
	"simple":                "simple",
	"keyed-md5":             "keyed md5",
	"meticulous-keyed-md5":  "meticulous keyed md5",
	"keyed-sha1":            "keyed sha1",
	"meticulous-keyed-sha1": "meticulous keyed sha1",
}

// birdConfig asks for one BFD session, 300 ms × 3, with authentication
// auth (a Patronus --auth name, "" for none) and one key.
func birdConfig(routerID, peer, local, auth string, keyID int, secret string, multihop bool) string {
	opts := fmt.Sprintf("interval 300 ms; multiplier 3; authentication %s;", birdAuth[auth])
	if auth != "" {
		opts += fmt.Sprintf(" password %q { id %d; };", secret, keyID)
	}
	block := `interface "*" { ` + opts + ` };`
	neighbor := fmt.Sprintf("neighbor %s local %s;", peer, local)
	if multihop {
		block = `multihop { ` + opts + ` };`
		neighbor = fmt.Sprintf("neighbor %s local %s multihop;", peer, local)
	}
	return fmt.Sprintf(`router id %s;
log stderr all;
protocol device { scan time 1; }
protocol bfd {
	%s
	%s
}
`, routerID, block, neighbor)
}

func TestBIRDAuthentication(t *testing.T) {
	const keyID, secret = 7, "patronus-bfd-key"
	for _, auth := range []string{"", "simple", "keyed-md5", "meticulous-keyed-md5", "keyed-sha1", "meticulous-keyed-sha1"} {
		name := auth
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			n := newPair(t)
			bird := startBIRD(t, n.b, birdConfig(addrB, addrA, addrB, auth, keyID, secret, false))
			args := []string{"--local", addrA, "--peer", addrB}
			if auth != "" {
				args = append(args, "--auth", auth, "--auth-key-id", fmt.Sprint(keyID),
					"--auth-secret-file", writeSecret(t, secret))
			}
			us := startPatronus(t, n.a, args...)
			us.WaitState(t, addrB, "up", upTimeout)
			bird.WaitState(t, addrA, "Up", upTimeout)
			// Meticulous types must keep working as sequence numbers advance.
			time.Sleep(2 * time.Second)
			if s := us.State(addrB); s != "up" {
				t.Errorf("our session %s after 2s up", s)
			}
			if s := bird.State(t, addrA); s != "Up" {
				t.Errorf("bird session %s after 2s up", s)
			}
		})
	}
}

func TestBIRDWrongKeyStaysDown(t *testing.T) {
	n := newPair(t)
	bird := startBIRD(t, n.b, birdConfig(addrB, addrA, addrB, "keyed-sha1", 1, "the-right-key", false))
	sock := filepath.Join(t.TempDir(), "bfd.sock")
	us := startPatronus(t, n.a, "--local", addrA, "--peer", addrB, "--control-socket", sock,
		"--auth", "keyed-sha1", "--auth-key-id", "1", "--auth-secret-file", writeSecret(t, "a-wrong-key"))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if s := bird.State(t, addrA); s == "Up" || s == "Init" {
			t.Fatalf("bird session reached %s with a wrong key", s)
		}
		time.Sleep(250 * time.Millisecond)
	}
	for _, e := range us.EventsFor(addrB, 0) {
		if e.State == "up" || e.State == "init" {
			t.Errorf("our session reached %s with a wrong key: %v", e.State, e)
		}
	}
	// BIRD sends at its 1 s idle rate: five seconds bring several packets,
	// each dropped as a digest mismatch and counted.
	c := sessionCounters(t, sock, addrB)
	if c.AuthFailures < 2 || c.Drops["auth_digest_mismatch"] != c.AuthFailures || c.PacketsIn != 0 {
		t.Errorf("counters with a wrong key = %+v, want auth failures (digest mismatch) and no packet accepted", c)
	}
}

func TestBIRDMultihop(t *testing.T) {
	c := newChain(t)
	bird := startBIRD(t, c.b, birdConfig(hopB, hopA, hopB, "keyed-sha1", 2, "multihop-key", true))
	// BIRD 2.0.12 sends multihop packets with the system default TTL (64),
	// so the RFC 5883 default of accepting only 254 and above would drop them.
	us := startPatronus(t, c.a, "--local", hopA, "--peer", hopB, "--multihop", "--min-ttl", "60",
		"--auth", "keyed-sha1", "--auth-key-id", "2", "--auth-secret-file", writeSecret(t, "multihop-key"))
	us.WaitState(t, hopB, "up", upTimeout)
	bird.WaitState(t, hopA, "Up", upTimeout)
}
