package classify

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/ippkt"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

func TestNewRulesErrors(t *testing.T) {
	ok := MatchConfig{Protocols: []string{"tcp"}}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"bad port", Config{Applications: []AppConfig{
			{Name: "a", Class: "voice", Match: ok},
			{Name: "b", Class: "voice", Match: ok},
			{Name: "c", Class: "voice", Match: MatchConfig{Ports: []string{"70000", "10-5", "x", "80"}}},
		}}, []string{
			`applications[2].match.ports[0]: "70000" is not a port or range`,
			`applications[2].match.ports[1]: "10-5" is not a port or range`,
			`applications[2].match.ports[2]: "x" is not a port or range`,
		}},
		{"names and classes", Config{Applications: []AppConfig{
			{Class: "voice", Match: ok},
			{Name: "Bad Name", Match: ok},
			{Name: UnclassifiedName, Class: "x", Match: ok},
			{Name: "dup", Class: "x", Match: ok},
			{Name: "dup", Class: "x", Match: ok},
		}}, []string{
			`applications[0].name: required`,
			`applications[1].name: "Bad Name": use lowercase letters, digits`,
			`applications[1].class: required`,
			`applications[2].name: "unclassified" is reserved`,
			`applications[4].name: "dup" is already applications[3]`,
		}},
		{"empty match", Config{Applications: []AppConfig{
			{Name: "a", Class: "x"},
			{Name: "b", Class: "x", MatchAny: []MatchConfig{ok, {}}},
		}}, []string{
			`applications[0].match: no criteria`,
			`applications[1].match_any[1]: no criteria`,
		}},
		{"every criterion", Config{Applications: []AppConfig{{Name: "a", Class: "x", Match: MatchConfig{
			CIDRs:       []string{"10.1.2.3/8", "nope", "fe80::1%eth0"},
			SourceCIDRs: []string{"300.1.1.1", "::ffff:10.0.0.0/104", "::ffff:10.1.2.3"},
			Protocols:   []string{"tcp", "quic", "256"},
			DSCP:        []string{"ef", "64", "af44"},
			Domains:     []string{"ok.example", "*.", "a..b", "*.x.*", strings.Repeat("a", 64) + ".com"},
		}}}}, []string{
			`applications[0].match.cidrs[0]: "10.1.2.3/8" has host bits set (the prefix is 10.0.0.0/8)`,
			`applications[0].match.cidrs[1]: "nope" is not an address or prefix`,
			`applications[0].match.cidrs[2]: "fe80::1%eth0" is not an address or prefix`,
			`applications[0].match.source_cidrs[0]: "300.1.1.1" is not an address or prefix`,
			`applications[0].match.source_cidrs[1]: "::ffff:10.0.0.0/104" is IPv4-mapped IPv6; write the IPv4 prefix`,
			`applications[0].match.protocols[1]: "quic" is not a protocol`,
			`applications[0].match.protocols[2]: "256" is not a protocol`,
			`applications[0].match.dscp[1]: "64" is not a DSCP`,
			`applications[0].match.dscp[2]: "af44" is not a DSCP`,
			`applications[0].match.domains[1]: "*." is not a domain name`,
			`applications[0].match.domains[2]: "a..b" is not a domain name`,
			`applications[0].match.domains[3]: "*.x.*" is not a domain name`,
			`applications[0].match.domains[4]: "aaaa`,
		}},
		{"ports without a port protocol", Config{Applications: []AppConfig{
			{Name: "a", Class: "x", Match: MatchConfig{Protocols: []string{"icmp"}, Ports: []string{"1"}}},
		}}, []string{`applications[0].match.ports: ports need tcp, udp or sctp among the protocols`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRules(tt.cfg)
			var es fielderr.List
			if !errors.As(err, &es) {
				t.Fatalf("NewRules: %v, want Errors", err)
			}
			if len(es) != len(tt.want) {
				t.Errorf("%d errors, want %d:\n%v", len(es), len(tt.want), err)
			}
			for i := range min(len(es), len(tt.want)) {
				if !strings.HasPrefix(es[i].Error(), tt.want[i]) {
					t.Errorf("error %d:\n got %s\nwant %s…", i, es[i], tt.want[i])
				}
			}
		})
	}
}

// matchOf classifies one packet with no flow table.
func matchOf(t *testing.T, r *Rules, pkt []byte, name string, nameAddr netip.Addr) *App {
	t.Helper()
	var p Packet
	if err := ippkt.Parse(pkt, &p); err != nil {
		t.Fatal(err)
	}
	return r.Match(&p, name, nameAddr)
}

func TestMatch(t *testing.T) {
	r := MustRules(Config{Applications: []AppConfig{
		{Name: "crm", Class: "interactive", Match: MatchConfig{
			CIDRs: []string{"203.0.113.0/24", "2001:db8:5::/48"}, Protocols: []string{"tcp"}, Ports: []string{"443", "8443-8444"}}},
		{Name: "branch-voice", Class: "voice", Match: MatchConfig{
			SourceCIDRs: []string{"10.1.5.0/24"}, Protocols: []string{"17"}}},
		{Name: "intranet", Class: "interactive", Match: MatchConfig{Domains: []string{"intranet.example.com", "*.corp.example"}}},
		{Name: "scavenger", Class: "bulk", Match: MatchConfig{DSCP: []string{"le", "cs1"}}},
		{Name: "web", Class: "bulk", Match: MatchConfig{Protocols: []string{"tcp"}, Ports: []string{"80"}}}, // overrides the built-in
	}})
	none := netip.Addr{}
	tests := []struct {
		name     string
		pkt      []byte
		sni      string
		nameAddr netip.Addr
		want     string
	}{
		{"cidr and port", ip4(ProtoTCP, "10.1.0.2", "203.0.113.9", 0, tcpHdr(40000, 8444, nil)), "", none, "crm"},
		{"cidr and port, server to client", ip4(ProtoTCP, "203.0.113.9", "10.1.0.2", 0, tcpHdr(443, 40000, nil)), "", none, "crm"},
		{"cidr v6", ip6(ProtoTCP, "fd10:0:1::2", "2001:db8:5:1::1", 0, tcpHdr(40000, 443, nil)), "", none, "crm"},
		{"cidr, wrong port", ip4(ProtoTCP, "10.1.0.2", "203.0.113.9", 0, tcpHdr(40000, 22, nil)), "", none, "ssh"},
		{"source cidr", ip4(ProtoUDP, "10.1.5.7", "10.2.0.2", 0, udpHdr(1, 2, nil)), "", none, "branch-voice"},
		{"source cidr, reply", ip4(ProtoUDP, "10.2.0.2", "10.1.5.7", 0, udpHdr(2, 1, nil)), "", none, "branch-voice"},
		{"exact domain", ip4(ProtoTCP, "10.1.0.2", "198.51.100.1", 0, tcpHdr(40000, 443, nil)), "intranet.example.com", addr("198.51.100.1"), "intranet"},
		{"suffix domain", ip4(ProtoTCP, "10.1.0.2", "198.51.100.1", 0, tcpHdr(40000, 443, nil)), "a.b.corp.example", addr("198.51.100.1"), "intranet"},
		{"suffix does not match apex", ip4(ProtoTCP, "10.1.0.2", "198.51.100.1", 0, tcpHdr(40000, 443, nil)), "corp.example", addr("198.51.100.1"), UnclassifiedName},
		{"name of the other address", ip4(ProtoTCP, "10.1.0.2", "198.51.100.1", 0, tcpHdr(40000, 443, nil)), "intranet.example.com", addr("192.0.2.1"), UnclassifiedName},
		{"dscp le", ip4(ProtoTCP, "10.1.0.2", "198.51.100.1", 1, tcpHdr(40000, 443, nil)), "", none, "scavenger"},
		{"override: web on 80 only", ip4(ProtoTCP, "10.1.0.2", "198.51.100.1", 0, tcpHdr(40000, 80, nil)), "", none, "web"},
		{"override: 443 no longer web", ip4(ProtoTCP, "10.1.0.2", "198.51.100.1", 0, tcpHdr(40000, 443, nil)), "", none, UnclassifiedName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchOf(t, r, tt.pkt, tt.sni, tt.nameAddr); got.Name != tt.want {
				t.Errorf("matched %q, want %q", got.Name, tt.want)
			}
		})
	}
	if a, _ := r.App("web"); a.Class != "bulk" || a.Builtin {
		t.Errorf("web = %+v, want the configured one", a)
	}
	if a, _ := r.App("ssh"); !a.Builtin || a.Index <= 4 {
		t.Errorf("ssh = %+v, want built-in after the configured apps", a)
	}
}

func TestDisableBuiltin(t *testing.T) {
	r := MustRules(Config{DisableBuiltin: true, Applications: []AppConfig{
		{Name: "x", Class: "bulk", Match: MatchConfig{Protocols: []string{"udp"}}},
	}})
	if len(r.Apps()) != 1 {
		t.Fatalf("%d apps, want 1", len(r.Apps()))
	}
	if got := matchOf(t, r, ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(1, 443, nil)), "", netip.Addr{}); got != r.Unclassified() || got.Class != ClassDefault {
		t.Errorf("got %+v, want unclassified", got)
	}
}

func TestCatalogue(t *testing.T) {
	r := MustRules(Config{})
	if len(r.Apps()) != len(builtin) {
		t.Fatalf("%d apps, want %d", len(r.Apps()), len(builtin))
	}
	for _, a := range Builtin() {
		if a.Source == "" {
			t.Errorf("built-in %q does not say where it comes from", a.Name)
		}
	}
	cli := "10.1.0.2"
	none := netip.Addr{}
	tests := []struct {
		pkt      []byte
		name     string
		nameAddr netip.Addr
		want     string
		class    string
	}{
		{ip4(ProtoUDP, cli, "10.9.0.1", 0, udpHdr(5060, 5060, nil)), "", none, "sip", ClassVoice},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(40000, 5061, nil)), "", none, "sip", ClassVoice},
		{ip4(ProtoUDP, cli, "10.9.0.1", 46, udpHdr(40000, 40002, nil)), "", none, "rtp", ClassVoice},
		{ip4(ProtoUDP, cli, "10.9.0.1", 0, udpHdr(40000, 16500, nil)), "", none, "rtp", ClassVoice},
		{ip4(ProtoUDP, cli, "10.9.0.1", 0, udpHdr(53001, 53, nil)), "", none, "dns", ClassInteractive},
		{ip4(ProtoUDP, "10.9.0.1", cli, 0, udpHdr(53, 53001, nil)), "", none, "dns", ClassInteractive},
		{ip4(ProtoUDP, cli, "170.114.1.1", 0, udpHdr(50000, 8801, nil)), "", none, "zoom", ClassVideo},
		{ip4(ProtoTCP, cli, "170.114.1.1", 0, tcpHdr(50000, 443, nil)), "us02web.zoom.us", addr("170.114.1.1"), "zoom", ClassVideo},
		{ip4(ProtoUDP, cli, "52.113.1.1", 0, udpHdr(50010, 3479, nil)), "", none, "teams", ClassVideo},
		{ip4(ProtoUDP, cli, "192.0.2.1", 0, udpHdr(50010, 3479, nil)), "", none, UnclassifiedName, ClassDefault},
		{ip4(ProtoTCP, cli, "52.113.1.1", 0, tcpHdr(50000, 443, nil)), "teams.microsoft.com", addr("52.113.1.1"), "teams", ClassVideo},
		{ip4(ProtoUDP, cli, "10.9.0.1", 0, udpHdr(50000, 9000, nil)), "", none, "webex", ClassVideo},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 443, nil)), "abc.wbx2.com", addr("10.9.0.1"), "webex", ClassVideo},
		{ip4(ProtoUDP, cli, "142.250.82.9", 0, udpHdr(50000, 19305, nil)), "", none, "google-meet", ClassVideo},
		{ip6(ProtoTCP, "fd10:0:1::2", "2001:db8::1", 0, tcpHdr(50000, 22, nil)), "", none, "ssh", ClassInteractive},
		{ip4(ProtoUDP, cli, "10.9.0.1", 0, udpHdr(50000, 3389, nil)), "", none, "rdp", ClassInteractive},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 2598, nil)), "", none, "citrix", ClassInteractive},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 873, nil)), "", none, "rsync", ClassBulk},
		{ip4(ProtoTCP, "10.9.0.1", cli, 0, tcpHdr(445, 50000, nil)), "", none, "smb", ClassBulk},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 2049, nil)), "", none, "nfs", ClassBulk},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 21, nil)), "", none, "ftp", ClassBulk},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 9102, nil)), "", none, "bacula", ClassBulk},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 443, nil)), "", none, "web", ClassDefault},
		{ip4(ProtoTCP, cli, "10.9.0.1", 0, tcpHdr(50000, 443, nil)), "www.example.org", addr("10.9.0.1"), "web", ClassDefault},
		{ip4(ProtoUDP, cli, "10.9.0.1", 0, udpHdr(50000, 443, nil)), "", none, "web", ClassDefault},
		{ip4(ProtoICMP, cli, "10.9.0.1", 0, make([]byte, 8)), "", none, UnclassifiedName, ClassDefault},
		{ip4(ProtoUDP, cli, "10.9.0.1", 0, udpHdr(50000, 50001, nil)), "", none, UnclassifiedName, ClassDefault},
	}
	for _, tt := range tests {
		var p Packet
		_ = ippkt.Parse(tt.pkt, &p)
		got := r.Match(&p, tt.name, tt.nameAddr)
		if got.Name != tt.want || got.Class != tt.class {
			t.Errorf("%+v dscp %d name %q: %s/%s, want %s/%s", p.Flow, p.DSCP, tt.name, got.Name, got.Class, tt.want, tt.class)
		}
	}
}
