package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

func passwordFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bgp.pw")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBGPSection(t *testing.T) {
	pw := passwordFile(t, "s3cret\n", 0o600)
	raw := string(example(t)) + `
bgp:
  local_as: 4200000001
  router_id: 10.11.0.1
  neighbors:
    - {address: 10.11.0.2, remote_as: 65011, password_file: ` + pw + `, bfd: true, max_prefixes: 50, max_prefixes_restart: 30s}
    - {address: "2001:db8:11::2", remote_as: 4200000001}
  import:
    prefixes: [{prefix: 10.0.0.0/8, max_length: 24}]
    reject_as_paths: [_65999_]
    reject_communities: ["65000:666"]
  export:
    add_communities: ["65000:100"]
`
	c, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Validate()
	if err != nil {
		t.Fatal(err)
	}
	b := v.BGP
	if b == nil || b.LocalAS != 4200000001 || b.RouterID != netip.MustParseAddr("10.11.0.1") || b.ListenPort != 179 ||
		b.OverlayAS != DefaultOverlayAS || !b.GracefulRestart || b.ReadvertiseDelay != time.Second {
		t.Fatalf("bgp = %+v", b)
	}
	n0, n1 := b.Neighbors[0], b.Neighbors[1]
	if n0.Password != "s3cret" || !n0.BFD || n0.MaxPrefixes != 50 || n0.MaxPrefixesRestart != 30*time.Second || n0.Port != 179 || n0.RemoteAS != 65011 {
		t.Errorf("neighbors[0] = %+v", n0)
	}
	if n1.Password != "" || n1.BFD || n1.MaxPrefixes != DefaultMaxPrefixes || n1.MaxPrefixesRestart != DefaultMaxPrefixesRestart || !n1.Address.Is6() {
		t.Errorf("neighbors[1] = %+v", n1)
	}
	want := ValidBGPPrefix{netip.MustParsePrefix("10.0.0.0/8"), 24}
	if len(b.Import.Prefixes) != 1 || b.Import.Prefixes[0] != want || b.Export.AddCommunities[0] != "65000:100" {
		t.Errorf("policies %+v %+v", b.Import, b.Export)
	}
}

func TestBGPOffByDefault(t *testing.T) {
	c, err := Parse(example(t))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Validate(); err != nil || v.BGP != nil {
		t.Fatalf("bgp = %+v, %v", v.BGP, err)
	}
}

// TestBGPErrors: every mistake is named by its field path; the password
// never appears in an error.
func TestBGPErrors(t *testing.T) {
	loose := passwordFile(t, "hunter2", 0o644)
	bad := passwordFile(t, "tab\there", 0o600)
	raw := string(example(t)) + `
bgp:
  local_as: 23456
  router_id: "2001:db8::1"
  listen_port: 70000
  overlay_as: -1
  graceful_restart: maybe
  readvertise_delay: forever
  neighbors:
    - {address: 10.0.0.300, remote_as: 0, port: 0, password_file: ` + loose + `}
    - {address: 10.11.0.2, remote_as: 65001, local_address: "2001:db8::2", password_file: ` + bad + `, max_prefixes: -5, bfd: [x], max_prefixes_restart: 0s}
    - {address: 10.11.0.2, remote_as: 65001, port: 99999}
  import:
    prefixes: [{prefix: 10.0.0.1/8}, {prefix: 10.0.0.0/16, max_length: 8}, {prefix: x}]
    reject_as_paths: ["(", ""]
    reject_communities: ["65000", "1:70000"]
  export:
    add_communities: ["a:b"]
`
	c, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Validate()
	var es fielderr.List
	if !errors.As(err, &es) {
		t.Fatalf("Validate: %v", err)
	}
	want := []string{"bgp.local_as", "bgp.router_id", "bgp.listen_port", "bgp.overlay_as", "bgp.graceful_restart",
		"bgp.readvertise_delay",
		"bgp.neighbors[0].address", "bgp.neighbors[0].remote_as", "bgp.neighbors[0].password_file",
		"bgp.neighbors[1].local_address", "bgp.neighbors[1].password_file", "bgp.neighbors[1].bfd", "bgp.neighbors[1].max_prefixes", "bgp.neighbors[1].max_prefixes_restart",
		"bgp.neighbors[2].port", "bgp.neighbors[2].address",
		"bgp.import.prefixes[0].prefix", "bgp.import.prefixes[1].max_length", "bgp.import.prefixes[2].prefix",
		"bgp.import.reject_as_paths[0]", "bgp.import.reject_as_paths[1]",
		"bgp.import.reject_communities[0]", "bgp.import.reject_communities[1]", "bgp.export.add_communities[0]"}
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
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "tab\there") {
		t.Errorf("a password leaked into the errors:\n%v", err)
	}
}

func TestBGPNeighborsNeedLocalAS(t *testing.T) {
	c, err := Parse([]byte(string(example(t)) + "bgp: {neighbors: [{address: 10.0.0.1, remote_as: 1}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Validate(); err == nil || !strings.Contains(err.Error(), "bgp.local_as") {
		t.Fatalf("Validate: %v", err)
	}
}

// FuzzParseBGP: no input makes Parse or Validate panic, and what
// validates keeps its invariants.
func FuzzParseBGP(f *testing.F) {
	for _, s := range []string{
		"bgp: {local_as: 65001, neighbors: [{address: 10.0.0.2, remote_as: 65002, bfd: true}]}",
		"bgp: {local_as: 4294967295, router_id: 1.2.3.4, listen_port: -1, import: {prefixes: [{prefix: 10.0.0.0/8, max_length: 32}]}}",
		"bgp: {local_as: 1, export: {add_communities: ['1:2'], reject_as_paths: ['^1$']}}",
		"bgp: {local_as: [1], neighbors: {}}",
		"bgp: {neighbors: [{address: '::1', remote_as: 9999999999}]}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse([]byte(s))
		if err != nil {
			return
		}
		v := &ValidBGP{}
		var e errs
		if v = checkBGP(&e, c.BGP); e.err() != nil || v == nil {
			return
		}
		if v.LocalAS == 0 || v.ListenPort == 0 || v.ReadvertiseDelay < 0 {
			t.Fatalf("valid bgp %+v from %q", v, s)
		}
		for _, n := range v.Neighbors {
			if !n.Address.IsValid() || n.RemoteAS == 0 || n.Port == 0 || n.MaxPrefixes == 0 {
				t.Fatalf("valid neighbour %+v from %q", n, s)
			}
		}
	})
}
