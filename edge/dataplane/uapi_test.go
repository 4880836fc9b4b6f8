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
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// TestKeepaliveHeldBack: the site with the higher ID holds back its
// first Hello (edge/shim's TestFirstHelloHeldBack) and its WireGuard
// keepalive, either of which would start a handshake: its path's
// WireGuard configuration has no persistent keepalive until then.
func TestKeepaliveHeldBack(t *testing.T) {
	d := &Dataplane{cfg: testValid(t)}
	p := &peer{cfg: d.cfg.Peers[0]}
	rl := p.cfg.Links[0]
	if u := uapi(d.cfg.PrivateKey, p.cfg.PublicKey, rl.Endpoint, 0); strings.Contains(u, "persistent_keepalive") {
		t.Errorf("held back, the configuration has a keepalive:\n%s", u)
	}
	if u := uapi(d.cfg.PrivateKey, p.cfg.PublicKey, rl.Endpoint, d.keepaliveOf("wan")); !strings.Contains(u, "persistent_keepalive_interval=25") {
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
