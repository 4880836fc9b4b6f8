package config

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

// keyFile writes a fresh private key with the given mode.
func keyFile(t testing.TB, mode os.FileMode) string {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "site.key")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k.Bytes())+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// example is docs/examples/edge.yaml with its key file replaced.
func example(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../docs/examples/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(raw), "/etc/patronus/site.key", keyFile(t, 0o600)))
}

func TestExampleIsValid(t *testing.T) {
	c, err := Parse(example(t))
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Validate()
	if err != nil {
		t.Fatalf("docs/examples/edge.yaml: %v", err)
	}
	if v.Name != "branch-1" || v.ID != 11 || len(v.Links) != 2 || len(v.Peers) != 1 || v.Paths() != 4 {
		t.Errorf("valid = %+v", v)
	}
	if v.Links[1].LocalAddress.IsValid() || v.Links[1].Interface != "wwan0" || v.Links[1].Bandwidth != 50e6 {
		t.Errorf("links[1] = %+v", v.Links[1])
	}
	if v.Peers[0].Links[1].Endpoint != netip.MustParseAddrPort("192.0.2.7:51820") {
		t.Errorf("peer link = %+v", v.Peers[0].Links[1])
	}
	if v.BFD.DesiredMinTx != 100*time.Millisecond || v.BFD.DetectMult != 3 || v.PrivateKey == nil || v.Peers[0].PublicKey == nil {
		t.Errorf("bfd %+v, keys %v %v", v.BFD, v.PrivateKey, v.Peers[0].PublicKey)
	}
}

// TestEveryErrorReported: one file with many mistakes yields one error per
// mistake, each at its field path.
func TestEveryErrorReported(t *testing.T) {
	yaml := `
site: {name: Branch_1, id: 0}
private_key_file: ` + keyFile(t, 0o644) + `
lan_prefixes: [10.1.0.1/24, 10.1.0.0/24, 10.1.0.0/24, nonsense]
overlay: {interface: this-name-is-too-long, mtu: 1000}
links:
  - {name: fibre, local_address: 203.0.113.10, listen_port: 51820, color: inet, cost: -1, bandwidth: fast}
  - {name: fibre, local_address: 203.0.113.10, listen_port: 51820, color: INET}
  - {name: lte, color: lte, listen_port: 70000}
peers:
  - name: dc-1
    id: 5
    public_key: short
    prefixes: [10.1.0.0/24]
    links: [{name: a, endpoint: "198.51.100.7", color: inet}]
    next_public_key: nope
  - {name: dc-1, id: 5, public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=, prefixes: [], links: [], compression: maybe,
     next_public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=}
defaults: {bfd: {tx_interval: 0.1us, multiplier: 300}, compression: [true]}
`
	c, err := Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Validate()
	var es fielderr.List
	if !errors.As(err, &es) {
		t.Fatalf("Validate: %v, want Errors", err)
	}
	want := []string{
		"site.name", "site.id", "private_key_file",
		"lan_prefixes[0]", "lan_prefixes[2]", "lan_prefixes[3]",
		"overlay.interface", "overlay.mtu",
		"links[0].cost", "links[0].bandwidth",
		"links[1].color", "links[1].name", "links[1].listen_port",
		"links[2]", "links[2].listen_port",
		"peers[0].public_key", "peers[0].next_public_key", "peers[0].prefixes[0]", "peers[0].links[0].endpoint",
		"peers[1].prefixes", "peers[1].links", "peers[1].compression", "peers[1].name", "peers[1].id",
		"peers[1].next_public_key",
		"defaults.compression", "defaults.bfd.tx_interval", "defaults.bfd.multiplier",
	}
	got := map[string]bool{}
	for _, e := range es {
		got[e.Path] = true
	}
	for _, p := range want {
		if !got[p] {
			t.Errorf("no error at %s", p)
		}
	}
	if len(es) != len(want) {
		t.Errorf("%d errors, want %d:\n%v", len(es), len(want), err)
	}
	if !strings.Contains(err.Error(), "did you mean 10.1.0.0/24") || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("errors lack the hints:\n%v", err)
	}
}

// TestPrefixesOverlapAndEndpoints: a peer prefix that overlaps another
// site's (wider or narrower), or covers a WAN endpoint (a peer's or a local
// link's), is refused at its field, naming what it collides with.
func TestPrefixesOverlapAndEndpoints(t *testing.T) {
	yaml := `
site: {name: a, id: 1}
private_key_file: ` + keyFile(t, 0o600) + `
lan_prefixes: [10.1.0.0/24]
links: [{name: inet, local_address: 203.0.113.10, color: inet}]
peers:
  - name: b
    id: 2
    public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
    prefixes: [10.0.0.0/8, 10.2.0.0/24]
    links: [{name: inet, endpoint: "198.51.100.7:51820", color: inet}]
  - name: c
    id: 3
    public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
    prefixes: [10.2.0.128/25, 198.51.100.0/24, 203.0.113.0/24]
    links: [{name: inet, endpoint: "192.0.2.9:51820", color: inet}]
`
	c, err := Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Validate()
	var es fielderr.List
	if !errors.As(err, &es) {
		t.Fatalf("Validate: %v, want field errors", err)
	}
	want := map[string]string{
		"peers[0].prefixes[0]": "10.0.0.0/8 overlaps 10.1.0.0/24 of lan_prefixes",
		"peers[0].prefixes[1]": "10.2.0.0/24 overlaps 10.0.0.0/8 of peers[0]",
		"peers[1].prefixes[0]": "10.2.0.128/25 overlaps 10.0.0.0/8 of peers[0]",
		"peers[1].prefixes[1]": "covers 198.51.100.7 (peers[0].links[0].endpoint)",
		"peers[1].prefixes[2]": "covers 203.0.113.10 (links[0].local_address)",
	}
	got := map[string][]string{}
	for _, e := range es {
		got[e.Path] = append(got[e.Path], e.Msg)
	}
	for path, frag := range want {
		if !strings.Contains(strings.Join(got[path], "; "), frag) {
			t.Errorf("%s: %q, want it to say %q", path, got[path], frag)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("unexpected error at %s: %v", path, got[path])
		}
	}
}

// TestCompressionPerPeer: defaults.compression applies to every peer
// unless the peer's own compression says otherwise.
func TestCompressionPerPeer(t *testing.T) {
	base := string(example(t)) + `
  - name: dc-2
    id: 2
    public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
    prefixes: [10.2.0.0/16]
    links: [{name: fibre, endpoint: "198.51.100.8:51820", color: inet}]
`
	for _, tc := range []struct {
		extra    string
		def      bool
		dc1, dc2 bool
	}{
		{"", false, false, false},
		{"defaults: {compression: true}\n", true, true, true},
		{"defaults: {compression: ~}\n", false, false, false},
		{"defaults: {compression: false}\n", false, false, false},
	} {
		c, err := Parse([]byte(base + tc.extra))
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Validate()
		if err != nil {
			t.Fatal(err)
		}
		if v.Compression != tc.def || v.Peers[0].Compression != tc.dc1 || v.Peers[1].Compression != tc.dc2 {
			t.Errorf("%q: default %v, peers %v %v", tc.extra, v.Compression, v.Peers[0].Compression, v.Peers[1].Compression)
		}
	}
	over := strings.Replace(base, "    prefixes: [10.2.0.0/16]\n", "    prefixes: [10.2.0.0/16]\n    compression: false\n", 1)
	for extra, want := range map[string][2]bool{
		"defaults: {compression: true}\n":  {true, false},
		"defaults: {compression: false}\n": {false, false},
	} {
		c, err := Parse([]byte(over + extra))
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Validate()
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]bool{v.Peers[0].Compression, v.Peers[1].Compression}; got != want {
			t.Errorf("override with %q: peers %v, want %v", extra, got, want)
		}
	}
	on := strings.Replace(base, "    prefixes: [10.2.0.0/16]\n", "    prefixes: [10.2.0.0/16]\n    compression: true\n", 1)
	c, err := Parse([]byte(on))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Validate(); err != nil || v.Compression || v.Peers[0].Compression || !v.Peers[1].Compression {
		t.Errorf("one peer on, default off: %v", err)
	}
}

func TestUnknownFieldRefused(t *testing.T) {
	_, err := Parse([]byte("site: {name: a, id: 1}\nlinkz: []\n"))
	if err == nil || !strings.Contains(err.Error(), "field linkz not found") {
		t.Errorf("Parse: %v", err)
	}
}

// TestPinsNotInFiles: pins come from the controller only; a file that
// has some is refused.
func TestPinsNotInFiles(t *testing.T) {
	_, err := Parse([]byte("site: {name: a, id: 1}\npins: []\n"))
	if err == nil || !strings.Contains(err.Error(), "field pins not found") {
		t.Errorf("Parse: %v", err)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]uint64{"50Mbit": 50e6, "1.5Gbit": 1.5e9, "800kbit/s": 800e3, "9600bit": 9600} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "fast", "-5Mbit", "5MB", "Mbit"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}
