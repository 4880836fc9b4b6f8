//go:build interop

package interop

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// FRR is a standalone FRR bfdd in a namespace. It needs no zebra for
// sessions on the default VRF: bfdd opens its own sockets. Every path it
// uses (config, vty socket, control socket, zserv socket, pid file) is in a
// private directory, so several bfdd run side by side.
type FRR struct {
	Proc *netns.Proc
	dir  string
}

// frrPeer is one peer of `show bfd peers json` (FRR 8.4 field names).
type frrPeer struct {
	Multihop               bool   `json:"multihop"`
	Peer                   string `json:"peer"`
	Local                  string `json:"local"`
	ID                     uint32 `json:"id"`
	RemoteID               uint32 `json:"remote-id"`
	Status                 string `json:"status"` // up, down, init, shutdown
	Uptime                 int    `json:"uptime"` // seconds, while up
	Downtime               int    `json:"downtime"`
	Diagnostic             string `json:"diagnostic"`
	RemoteDiagnostic       string `json:"remote-diagnostic"`
	ReceiveInterval        int    `json:"receive-interval"` // ms
	TransmitInterval       int    `json:"transmit-interval"`
	DetectMultiplier       int    `json:"detect-multiplier"`
	RemoteReceiveInterval  int    `json:"remote-receive-interval"`
	RemoteTransmitInterval int    `json:"remote-transmit-interval"`
	RemoteDetectMultiplier int    `json:"remote-detect-multiplier"`
}

// startFRR writes config (the text of bfdd.conf) and runs bfdd in ns. It
// returns once bfdd answers on its vty socket.
func startFRR(t *testing.T, ns *netns.NS, config string) *FRR {
	t.Helper()
	bfdd := netns.Require(t, "bfdd")
	netns.Require(t, "vtysh")
	f := &FRR{dir: frrDir(t)}
	conf := filepath.Join(f.dir, "bfdd.conf")
	if err := os.WriteFile(conf, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	// bfdd drops to user frr, which is in the frrvty group that its vty
	// socket needs; root is not, and bfdd refuses "-u root -g root".
	f.Proc = ns.Start(bfdd,
		"-f", conf,
		"--vty_socket", f.dir,
		"-i", filepath.Join(f.dir, "bfdd.pid"),
		"--bfdctl", filepath.Join(f.dir, "bfdd.sock"),
		"-z", filepath.Join(f.dir, "zserv.api"),
		"-u", "frr", "-g", "frr",
		"-P", "0", // no TCP vty
		"--log", "stdout",
	)
	f.waitReady(t)
	return f
}

// frrDir makes a private directory that bfdd, running as user frr, can
// write its sockets and pid file to.
func frrDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ptn-frr-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	u, err := user.Lookup("frr")
	if err != nil {
		t.Fatalf("FRR's user: %v (is the frr package installed?)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (f *FRR) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := f.vtysh("show bfd peers json")
		if err == nil {
			return
		}
		select {
		case <-f.Proc.Done():
			t.Fatalf("bfdd exited at start (%v):\n%s", f.Proc.Err(), f.Proc.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("bfdd vty not ready after 10s: %v\n%s", err, f.Proc.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// vtysh runs vtysh commands against this bfdd. vtysh talks to bfdd over a
// unix socket, so it works from any namespace.
func (f *FRR) vtysh(cmds ...string) (string, error) {
	args := []string{"--vty_socket", f.dir}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	out, err := exec.Command("vtysh", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("vtysh %q: %v\n%s", cmds, err, out)
	}
	return string(out), nil
}

// Vtysh runs vtysh commands and fails the test on error.
func (f *FRR) Vtysh(t *testing.T, cmds ...string) string {
	t.Helper()
	out, err := f.vtysh(cmds...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Configure runs configuration commands under `configure terminal`.
func (f *FRR) Configure(t *testing.T, cmds ...string) {
	t.Helper()
	f.Vtysh(t, append([]string{"configure terminal"}, cmds...)...)
}

// Peers returns `show bfd peers json`.
func (f *FRR) Peers(t *testing.T) []frrPeer {
	t.Helper()
	out := f.Vtysh(t, "show bfd peers json")
	var peers []frrPeer
	if err := json.Unmarshal([]byte(out), &peers); err != nil {
		t.Fatalf("show bfd peers json: %v\n%s", err, out)
	}
	return peers
}

// Peer returns the peer with address addr.
func (f *FRR) Peer(t *testing.T, addr string) frrPeer {
	t.Helper()
	for _, p := range f.Peers(t) {
		if p.Peer == addr {
			return p
		}
	}
	t.Fatalf("bfdd has no peer %s", addr)
	return frrPeer{}
}

// WaitPeer polls until cond holds for peer addr, failing after timeout.
func (f *FRR) WaitPeer(t *testing.T, addr string, timeout time.Duration, what string, cond func(frrPeer) bool) frrPeer {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p := f.Peer(t, addr)
		if cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("bfdd peer %s: not %s after %v: %+v", addr, what, timeout, p)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitStatus waits until bfdd reports status for peer addr.
func (f *FRR) WaitStatus(t *testing.T, addr, status string, timeout time.Duration) frrPeer {
	t.Helper()
	return f.WaitPeer(t, addr, timeout, status, func(p frrPeer) bool { return p.Status == status })
}

// frrConfig is a bfdd.conf with one peer (the text after "peer"), 300 ms × 3,
// and extra peer commands.
func frrConfig(peer string, extra ...string) string {
	var b strings.Builder
	b.WriteString("log stdout informational\n!\nbfd\n")
	fmt.Fprintf(&b, " peer %s\n  receive-interval 300\n  transmit-interval 300\n  detect-multiplier 3\n", peer)
	for _, e := range extra {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	b.WriteString(" !\n!\n")
	return b.String()
}

const upTimeout = 15 * time.Second

func TestFRRSessionUp(t *testing.T) {
	for _, tc := range []struct {
		name, local, peer string
		flags             []string
	}{
		{"ipv4", addrA, addrB, nil},
		{"ipv6", addr6A, addr6B, nil},
		{"ipv4-shared-source-port", addrA, addrB, []string{"--shared-source-port"}},
		{"ipv6-shared-source-port", addr6A, addr6B, []string{"--shared-source-port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newPair(t)
			frr := startFRR(t, n.b, frrConfig(tc.local+" local-address "+tc.peer))
			us := startPatronus(t, n.a, append([]string{"--local", tc.local, "--peer", tc.peer}, tc.flags...)...)
			us.WaitState(t, tc.peer, "up", upTimeout)
			p := frr.WaitStatus(t, tc.local, "up", upTimeout)
			if p.RemoteTransmitInterval != 300 || p.RemoteReceiveInterval != 300 || p.RemoteDetectMultiplier != 3 {
				t.Errorf("bfdd sees our timers as tx %d rx %d mult %d, want 300 300 3",
					p.RemoteTransmitInterval, p.RemoteReceiveInterval, p.RemoteDetectMultiplier)
			}
			us.Stop(t)
			// Our AdminDown on exit tells FRR the session went down on purpose.
			// FRR then reports Down with its own diagnostic (it does not keep
			// our diag 7 as remote-diagnostic).
			p = frr.WaitStatus(t, tc.local, "down", 5*time.Second)
			if p.Diagnostic != "neighbor signaled session down" {
				t.Errorf("bfdd diagnostic after our exit = %q, want neighbor signaled session down", p.Diagnostic)
			}
		})
	}
}

func TestFRRShutdownSignalsNeighborDown(t *testing.T) {
	n := newPair(t)
	frr := startFRR(t, n.b, frrConfig(addrA+" local-address "+addrB))
	us := startPatronus(t, n.a, "--local", addrA, "--peer", addrB)
	us.WaitState(t, addrB, "up", upTimeout)
	frr.WaitStatus(t, addrA, "up", upTimeout)

	frr.Configure(t, "bfd", "peer "+addrA+" local-address "+addrB, "shutdown")
	e := us.WaitState(t, addrB, "down", 5*time.Second)
	if e.Diag != "neighbor_signaled_session_down" {
		t.Errorf("diag = %s, want neighbor_signaled_session_down", e.Diag)
	}

	frr.Configure(t, "bfd", "peer "+addrA+" local-address "+addrB, "no shutdown")
	us.WaitState(t, addrB, "up", upTimeout)
	frr.WaitStatus(t, addrA, "up", upTimeout)
}

func TestFRRKilledDetectionTime(t *testing.T) {
	n := newPair(t)
	frr := startFRR(t, n.b, frrConfig(addrA+" local-address "+addrB))
	us := startPatronus(t, n.a, "--local", addrA, "--peer", addrB)
	us.WaitState(t, addrB, "up", upTimeout)
	p := frr.WaitStatus(t, addrA, "up", upTimeout)

	// RFC 5880 §6.8.4: our detection time is FRR's Detect Mult times the
	// larger of our Required Min RX and FRR's Desired Min TX.
	interval := time.Duration(max(p.TransmitInterval, p.RemoteReceiveInterval)) * time.Millisecond
	detect := time.Duration(p.DetectMultiplier) * interval
	killed := time.Now()
	frr.Proc.Kill()
	e := us.WaitState(t, addrB, "down", 10*time.Second)
	if e.Diag != "control_detection_time_expired" {
		t.Errorf("diag = %s, want control_detection_time_expired", e.Diag)
	}
	took := e.TS.Sub(killed)
	t.Logf("down %v after SIGKILL (detection time %v, interval %v)", took, detect, interval)
	if took > detect+interval {
		t.Errorf("detected %v after kill, want ≤ detection time + one interval = %v", took, detect+interval)
	}
	// FRR's last packet left at most one interval before the kill, so an
	// earlier Down was not the detection timer.
	if took < detect-interval-50*time.Millisecond {
		t.Errorf("detected %v after kill, before detection time - one interval (%v)", took, detect-interval)
	}
}

func TestFRRIntervalChangeOnLiveSession(t *testing.T) {
	n := newPair(t)
	frr := startFRR(t, n.b, frrConfig(addrA+" local-address "+addrB))
	file := filepath.Join(t.TempDir(), "sessions.yaml")
	sess := Session{Local: addrA, Peer: addrB, TxInterval: 300 * time.Millisecond, RxInterval: 300 * time.Millisecond, Multiplier: 3}
	writeSessionsFile(t, file, []Session{sess})
	us := startPatronus(t, n.a, "--sessions-file", file)
	us.WaitState(t, addrB, "up", upTimeout)
	before := frr.WaitStatus(t, addrA, "up", upTimeout)
	upAt := len(us.Events())

	sess.TxInterval, sess.RxInterval = 250*time.Millisecond, 200*time.Millisecond
	writeSessionsFile(t, file, []Session{sess})
	if err := us.Proc.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	frr.WaitPeer(t, addrA, 10*time.Second, "showing our new intervals", func(p frrPeer) bool {
		return p.RemoteTransmitInterval == 250 && p.RemoteReceiveInterval == 200
	})
	time.Sleep(2 * time.Second) // the session must stay up with the new timers
	after := frr.Peer(t, addrA)
	if after.Status != "up" || after.Uptime < before.Uptime+2 {
		t.Errorf("bfdd status %s uptime %ds after the change, was up %ds before: the session restarted",
			after.Status, after.Uptime, before.Uptime)
	}
	for _, e := range us.EventsFor(addrB, upAt) {
		t.Errorf("session changed state during the interval change: %v", e)
	}
}

func TestFRRMultihop(t *testing.T) {
	c := newChain(t)
	frr := startFRR(t, c.b, frrConfig(hopA+" multihop local-address "+hopB))
	us := startPatronus(t, c.a, "--local", hopA, "--peer", hopB, "--multihop")
	us.WaitState(t, hopB, "up", upTimeout)
	p := frr.WaitStatus(t, hopA, "up", upTimeout)
	if !p.Multihop {
		t.Errorf("bfdd does not see the session as multihop: %+v", p)
	}
}
