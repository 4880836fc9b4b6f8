// Package netns builds throw-away Linux network namespaces for tests: the
// namespaces themselves, veth links between them, addresses, routes, and
// processes that run inside them. Everything it creates is removed by
// tb.Cleanup, also when the test fails.
//
// It shells out to ip(8): it is test tooling, not product code. Addresses
// used inside namespaces come from 198.18.0.0/15 (RFC 2544) and fd00::/8.
package netns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Prefix starts the name of every namespace this package creates, so that
// leftovers are easy to recognise (ip netns list | grep ^ptn-).
const Prefix = "ptn-"

// NS is a network namespace owned by one test.
type NS struct {
	// Name is the namespace name, as ip netns knows it.
	Name string

	tb testing.TB

	mu     sync.Mutex
	nextIf int // mu must be held; numbers the ethN interfaces
}

// New creates a namespace named Prefix plus random hex, brings its loopback
// up, and deletes it when the test ends. It skips the test when not root.
func New(tb testing.TB) *NS {
	tb.Helper()
	SkipIfNotRoot(tb)
	name := Prefix + randomHex(4)
	if out, err := command("ip", "netns", "add", name); err != nil {
		tb.Fatalf("ip netns add %s: %v\n%s", name, err, out)
	}
	n := &NS{Name: name, tb: tb}
	tb.Cleanup(n.destroy)
	n.Must("ip", "link", "set", "lo", "up")
	return n
}

// destroy ends whatever still runs inside the namespace and deletes it.
func (n *NS) destroy() {
	n.killRemaining()
	if out, err := command("ip", "netns", "del", n.Name); err != nil {
		n.tb.Errorf("ip netns del %s: %v\n%s", n.Name, err, out)
	}
}

// killRemaining kills, by pid, any process still inside the namespace. Only
// this test started processes there; Proc cleanups normally got them first.
func (n *NS) killRemaining() {
	out, err := command("ip", "netns", "pids", n.Name)
	if err != nil {
		return
	}
	for _, f := range strings.Fields(out) {
		_, _ = command("kill", "-KILL", f)
	}
}

// Exec runs a command inside the namespace and returns its combined output.
func (n *NS) Exec(name string, args ...string) (string, error) {
	return command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Must is Exec that fails the test on error.
func (n *NS) Must(name string, args ...string) string {
	n.tb.Helper()
	out, err := n.Exec(name, args...)
	if err != nil {
		n.tb.Fatalf("[%s] %s %s: %v\n%s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return out
}

// Connect joins a and b with a veth pair, brings both ends up, and returns
// the interface name in a and in b. Interfaces are named eth0, eth1, … in
// the order each namespace gets them. The pair is created directly inside
// the two namespaces, so names never collide in the root namespace.
func Connect(a, b *NS) (ifA, ifB string) {
	a.tb.Helper()
	ifA, ifB = a.newIfName(), b.newIfName()
	if out, err := command("ip", "link", "add", ifA, "netns", a.Name, "type", "veth",
		"peer", "name", ifB, "netns", b.Name); err != nil {
		a.tb.Fatalf("veth %s:%s <-> %s:%s: %v\n%s", a.Name, ifA, b.Name, ifB, err, out)
	}
	a.SetUp(ifA)
	b.SetUp(ifB)
	return ifA, ifB
}

func (n *NS) newIfName() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	name := fmt.Sprintf("eth%d", n.nextIf)
	n.nextIf++
	return name
}

// SetUp brings an interface up.
func (n *NS) SetUp(dev string) {
	n.tb.Helper()
	n.Must("ip", "link", "set", dev, "up")
}

// SetDown takes an interface down.
func (n *NS) SetDown(dev string) {
	n.tb.Helper()
	n.Must("ip", "link", "set", dev, "down")
}

// AddAddr adds an address in CIDR form ("198.18.0.1/24", "fd00::1/64") to
// dev. IPv6 addresses skip duplicate address detection (nodad), so they are
// usable at once.
func (n *NS) AddAddr(dev, cidr string) {
	n.tb.Helper()
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		n.tb.Fatalf("AddAddr %q: %v", cidr, err)
	}
	args := []string{"addr", "add", cidr, "dev", dev}
	if p.Addr().Is6() {
		args = append(args, "nodad")
	}
	n.Must("ip", args...)
}

// AddRoute adds a route to dst (a prefix) via a gateway address.
func (n *NS) AddRoute(dst, via string) {
	n.tb.Helper()
	n.Must("ip", "route", "add", dst, "via", via)
}

// AddLocalRoute makes every address of prefix local to the namespace
// (AnyIP: "ip route add local PREFIX dev lo"), so a process can bind to any
// of them without adding each address.
func (n *NS) AddLocalRoute(prefix string) {
	n.tb.Helper()
	n.Must("ip", "route", "add", "local", prefix, "dev", "lo")
}

// EnableForwarding turns on IPv4 and IPv6 forwarding in the namespace.
func (n *NS) EnableForwarding() {
	n.tb.Helper()
	n.Must("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward && "+
		"echo 1 > /proc/sys/net/ipv6/conf/all/forwarding")
}

// command runs a command in the current namespace, returning combined output.
func command(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
