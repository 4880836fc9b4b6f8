package lab

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseNAT(t *testing.T) {
	got, err := ParseNAT("site1:lte=cone")
	if err != nil || got != (NATSpec{Site: "site1", Link: "lte", Kind: NATCone}) {
		t.Fatalf("ParseNAT: %+v %v", got, err)
	}
	for _, bad := range []string{"site1:lte", "site1=cone", ":lte=cone", "site1:=cone", "site1:lte=full", ""} {
		if _, err := ParseNAT(bad); err == nil || !strings.Contains(err.Error(), "--nat") {
			t.Errorf("ParseNAT(%q) = %v, want a --nat error", bad, err)
		}
	}
}

// TestPlanNAT: a link behind NAT gets the private side, no endpoint, no
// IPv6, a NAT namespace, and the paths through symmetric NAT are waited
// for (the lab's relay carries them); bad --nat values are refused by
// name.
func TestPlanNAT(t *testing.T) {
	o := Options{Name: "n", Sites: 3, Links: 2, Binary: "/bin/true", NAT: []NATSpec{{"site1", "lte", NATCone}, {"2", "2", NATSymmetric}}}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	st := plan(o, t.TempDir())
	if err := st.planNAT(o.NAT, 0); err != nil {
		t.Fatal(err)
	}
	l := st.Sites[0].Links[1]
	if l.NAT != NATCone || l.IPv4 != "100.66.1.2" || l.NATAddress != "172.17.1.2" || l.Endpoint != "" || l.IPv6 != "" {
		t.Errorf("site1 lte: %+v", l)
	}
	if st.Sites[1].Links[1].NAT != NATSymmetric || !strings.Contains(strings.Join(st.Namespace, " "), "pl-n-nat2-2") {
		t.Errorf("site2 lte: %+v, namespaces %v", st.Sites[1].Links[1], st.Namespace)
	}
	// site1: 2 peers x 2 x 2 = 8, site2's lte's relayed.
	if got := st.pathsOf("site1"); got != 8 || !st.RelayRuns() {
		t.Errorf("site1 waits for %d paths (relay %v), want 8", got, st.RelayRuns())
	}
	if err := st.planNAT([]NATSpec{{"site9", "lte", NATCone}}, 0); err == nil || !strings.Contains(err.Error(), "--nat") {
		t.Errorf("an unknown site: %v", err)
	}
	for _, bad := range []Options{
		{Name: "n", Sites: 2, Links: 2, Binary: "x", Static: true, NAT: o.NAT[:1]},
		{Name: "n", Sites: 2, Links: 2, Binary: "x", WAN: "ipv6", NAT: o.NAT[:1]},
		{Name: "n", Sites: 2, Links: 2, Binary: "x", NAT: []NATSpec{o.NAT[0], o.NAT[0]}},
		{Name: "n", Sites: 2, Links: 2, Binary: "x", WAN: "ipv4", NATTimeout: 4 * time.Second}, // without --nat
		{Name: "n", Sites: 2, Links: 2, Binary: "x", WAN: "ipv4", NAT: o.NAT[:1], NATTimeout: 1500 * time.Millisecond},
	} {
		if err := bad.check(); err == nil || !strings.Contains(err.Error(), "--nat") {
			t.Errorf("%+v: %v, want a --nat error", bad, err)
		}
	}
}

func TestNATRuleset(t *testing.T) {
	cone := Link{NAT: NATCone, NATAddress: "172.17.1.2"}
	if r := natRuleset(cone); !strings.Contains(r, "udp sport 51820 counter snat to 172.17.1.2\n") || !strings.Contains(r, `iifname "out" ct state new counter drop`) {
		t.Errorf("cone:\n%s", r)
	}
	cone.NATGeneration = 2
	if r := natRuleset(cone); !strings.Contains(r, "snat to 172.17.1.2:40002\n") {
		t.Errorf("cone after two rebinds:\n%s", r)
	}
	if r := natRuleset(Link{NAT: NATSymmetric, NATAddress: "172.17.1.2"}); !strings.Contains(r, "snat to 172.17.1.2 random") {
		t.Errorf("symmetric:\n%s", r)
	}
	if r := natRuleset(cone); strings.Contains(r, "ct timeout") {
		t.Errorf("a timeout policy without --nat-timeout:\n%s", r)
	}
	cone.NATTimeout = 4
	if r := natRuleset(cone); !strings.Contains(r, "policy = { unreplied: 4, replied: 4 }") || !strings.Contains(r, `iifname "in" meta l4proto udp ct timeout set "udp_idle"`) {
		t.Errorf("--nat-timeout 4s:\n%s", r)
	}
}

// TestLabRelayConfig: with --nat the controller's configuration runs the
// relay on the controller node, beside the STUN responder's ports,
// unless --controller-config has a relay of its own; without --nat and
// without one, no relay, and paths through symmetric NAT are not waited
// for.
func TestLabRelayConfig(t *testing.T) {
	o := Options{Name: "n", Sites: 2, Links: 2, Binary: "/bin/true", NAT: []NATSpec{{"site1", "lte", NATSymmetric}}}
	st := plan(o, t.TempDir())
	if err := st.planNAT(o.NAT, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(st.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		t.Helper()
		flag, err := st.controllerConfig()
		if err != nil || len(flag) != 2 {
			t.Fatalf("controllerConfig: %v %v", flag, err)
		}
		b, err := os.ReadFile(flag[1])
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if y := read(); !strings.Contains(y, "relay:\n  listen: \"172.31.255.2:3480\"\n  endpoint: \"172.31.255.2:3480\"\n") ||
		!strings.Contains(y, "stun:\n  listen: 172.31.255.2:3478\n") {
		t.Errorf("with --nat:\n%s", y)
	}
	st.ControllerConfig = "relay:\n  listen: \":3478\"\n  endpoint: \"172.31.255.2:3478\"\n"
	if y := read(); strings.Count(y, "relay:") != 1 || strings.Contains(y, "3480") || !st.RelayRuns() {
		t.Errorf("with --nat and a relay of --controller-config's:\n%s", y)
	}
	st.ControllerConfig = ""
	st.Sites[0].Links[1].NAT = ""
	if st.RelayRuns() || st.labRelay() {
		t.Error("a relay without --nat")
	}
	st.Sites[0].Links[1].NAT = NATSymmetric
	st.Controller = nil // static
	if st.RelayRuns() || st.pathsOf("site1") != 2 {
		t.Errorf("static: relay %v, %d paths", st.RelayRuns(), st.pathsOf("site1"))
	}
}
