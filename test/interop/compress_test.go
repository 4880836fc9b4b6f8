//go:build interop

package interop

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/lab/netns"
)

// TestEdgeCompression: LZ4 on the wire, negotiated per path in shim
// Hellos. On at both ends: compressible traffic crosses compressed both
// ways (the WAN still carries only WireGuard); off at both ends: nothing
// is compressed; on at one end only (site B turns it off for its peer
// with peers[].compression over defaults.compression: true): traffic
// flows both ways and nothing is compressed, because neither end has
// both its own setting and the peer's acceptance.
func TestEdgeCompression(t *testing.T) {
	netns.Require(t, "ping")
	netns.Require(t, "tcpdump")
	on := "defaults: {compression: true}\n"
	peerOff := "    compression: false\n" + on // continues the peer's entry, then defaults
	for _, tc := range []struct {
		name         string
		extraA       string
		extraB       string
		localA, accA bool // A's own setting; whether B accepts
	}{
		{"both on", on, on, true, true},
		{"both off", "", "", false, false},
		{"mismatch", on, peerOff, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := twoSitesWith(t, tc.extraA, tc.extraB)
			waitPing(t, a.host, "10.22.0.2", 30*time.Second) // the first handshake may need WireGuard's 5 s retry, twice on a loaded machine
			waitPing(t, b.host, "10.11.0.2", 10*time.Second)
			// Both ends have heard the other's Hello.
			pa := waitPathStatus(t, a.sock, 30*time.Second, func(p localapi.PathStatus) bool {
				return p.Compression.HellosReceived > 0 && p.Compression.Active == (tc.localA && tc.accA)
			})
			waitPathStatus(t, b.sock, 30*time.Second, func(p localapi.PathStatus) bool { return p.Compression.HellosReceived > 0 })
			if pa.Compression.EnabledLocal != tc.localA || pa.Compression.PeerAccepts != tc.accA {
				t.Errorf("edge A: compression %+v", pa.Compression)
			}

			pcap := filepath.Join(t.TempDir(), "wan.pcap")
			capture := b.edge.Start("tcpdump", "-n", "-U", "-i", b.wanIf, "-w", pcap)
			time.Sleep(500 * time.Millisecond)
			// 1300-byte echo requests and replies filled with a repeated
			// 16-byte pattern: compressible both ways. ping checks the
			// pattern of every reply.
			marker := "patronus-lz4-mk!"
			out, err := a.host.Exec("ping", "-c", "50", "-i", "0.02", "-s", "1300", "-p", fmt.Sprintf("%x", marker), "10.22.0.2")
			if err != nil || !strings.Contains(out, " 0% packet loss") || strings.Contains(out, "wrong data") {
				t.Fatalf("compressible pings A to B: %v\n%s", err, out)
			}
			if out, err := b.host.Exec("ping", "-c", "20", "-i", "0.02", "-s", "1300", "-p", fmt.Sprintf("%x", marker), "10.11.0.2"); err != nil || strings.Contains(out, "wrong data") {
				t.Fatalf("compressible pings B to A: %v\n%s", err, out)
			}
			capture.Stop(2 * time.Second)

			sa, sb := pathStatus(t, a.sock), pathStatus(t, b.sock)
			ca, cb := sa.Compression, sb.Compression
			t.Logf("A: %+v drops %v\nB: %+v", ca, sa.ShimDrops, cb)
			if tc.localA && tc.accA {
				// A's requests and B's replies went compressed.
				if ca.Compressed < 50 || ca.Saved == 0 || ca.Ratio < 2 || ca.BytesOut >= ca.BytesIn || cb.RxCompressed < 50 {
					t.Errorf("A sent: %+v\nB received: %+v", ca, cb)
				}
				if cb.Compressed < 50 || cb.Saved == 0 || ca.RxCompressed < 50 || ca.RxBytesInner <= ca.RxBytesWire {
					t.Errorf("B sent: %+v\nA received: %+v", cb, ca)
				}
				if out, err := runPatronus(t, "status", "--control-socket", a.sock); err != nil || !strings.Contains(out, "B saved") {
					t.Errorf("patronus status shows no compression: %v\n%s", err, out)
				}
				// The wire carried less than the inner traffic.
				if sa.WireTxBytes >= sa.TxBytes {
					t.Errorf("A: %d wire bytes for %d inner bytes", sa.WireTxBytes, sa.TxBytes)
				}
			} else {
				if ca.Active || cb.Active || ca.Compressed+cb.Compressed+ca.RxCompressed+cb.RxCompressed != 0 {
					t.Errorf("compressed without agreement:\nA %+v\nB %+v", ca, cb)
				}
				if sb.Compression.EnabledLocal || sb.Compression.PeerAccepts != tc.localA {
					t.Errorf("edge B: compression %+v", sb.Compression)
				}
				want := map[bool]string{true: "off (peer does not accept)", false: "off"}[tc.localA]
				if out, err := runPatronus(t, "status", "--control-socket", a.sock); err != nil || !strings.Contains(out, want) {
					t.Errorf("patronus status does not say %q: %v\n%s", want, err, out)
				}
			}
			for _, s := range []localapi.PathStatus{sa, sb} {
				for reason, n := range s.ShimDrops {
					if n != 0 {
						t.Errorf("%s dropped %d shim packets: %s", s.ID, n, reason)
					}
				}
			}
			checkOnlyWireGuard(t, pcap, marker)
		})
	}
}

// pathStatus returns the one path of an edge from patronus status --json.
func pathStatus(t *testing.T, sock string) localapi.PathStatus {
	t.Helper()
	out, err := runPatronus(t, "status", "--json", "--control-socket", sock)
	if err != nil {
		t.Fatalf("patronus status: %v\n%s", err, out)
	}
	var st localapi.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Paths) != 1 {
		t.Fatalf("patronus status --json: %v\n%s", err, out)
	}
	return st.Paths[0]
}

// waitPathStatus polls the edge's path until ok or the timeout passes.
func waitPathStatus(t *testing.T, sock string, timeout time.Duration, ok func(localapi.PathStatus) bool) localapi.PathStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p := pathStatus(t, sock)
		if ok(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("path status after %v: %+v", timeout, p)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkOnlyWireGuard: the capture holds WireGuard on the links' port and
// the kernel's own housekeeping (IPv6 neighbour discovery, multicast
// listener and IGMP reports), never the inner plaintext marker.
func checkOnlyWireGuard(t *testing.T, pcap, marker string) {
	t.Helper()
	other, err := exec.Command("tcpdump", "-n", "-r", pcap,
		"(ip or ip6) and not udp port 51820 and not ip multicast and not ip6 multicast and not icmp6"+
			" and not (tcp port 8443 and (host 172.31.255.2 or host fd20:ff::2))").CombinedOutput() // TLS to the lab's controller
	if err != nil {
		t.Fatalf("tcpdump -r: %v\n%s", err, other)
	}
	var leaked []string
	for _, l := range strings.Split(string(other), "\n") {
		if strings.Contains(l, " IP") {
			leaked = append(leaked, l)
		}
	}
	if len(leaked) > 0 {
		t.Errorf("the WAN carried %d packets besides WireGuard, e.g.:\n%s", len(leaked), firstLines(strings.Join(leaked, "\n"), 5))
	}
	raw, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), marker) {
		t.Error("the inner plaintext appears on the WAN")
	}
}
