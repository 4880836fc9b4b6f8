package agent

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

func writeKey(t *testing.T) string {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "wireguard.key")
	if err := os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(k.Bytes())), 0o600); err != nil {
		t.Fatal(err)
	}
	return key
}

// TestBGPConverted: the speaker the controller pushes (options, policies,
// the prefix limit's restart) becomes the edge's validated bgp section; a
// bad policy is refused at its field's path.
func TestBGPConverted(t *testing.T) {
	off, delay := false, uint32(250)
	pc := siteConfig(3)
	pc.Bgp = &pb.Bgp{LocalAs: 4200000001, RouterId: "10.1.0.1", ListenPort: -1, GracefulRestart: &off, OverlayAs: 65000, ReadvertiseDelayMs: &delay,
		Neighbors: []*pb.BgpNeighbor{{Address: "10.1.0.2", RemoteAs: 65001, MaxPrefixes: 50, MaxPrefixesRestartSeconds: 30}},
		ImportPolicy: &pb.BgpPolicy{Prefixes: []*pb.BgpPrefixMatch{{Prefix: "10.0.0.0/8", MaxLength: 24}}, RejectAsPaths: []string{"_65999_"},
			RejectCommunities: []string{"65000:666"}},
		ExportPolicy: &pb.BgpPolicy{AddCommunities: []string{"65000:200"}}}
	key := writeKey(t)
	v, err := toConfig(pc, key).Validate()
	if err != nil {
		t.Fatal(err)
	}
	b := v.BGP
	if b.ListenPort != -1 || b.GracefulRestart || b.Neighbors[0].MaxPrefixesRestart.Seconds() != 30 ||
		b.Import.Prefixes[0].Prefix != netip.MustParsePrefix("10.0.0.0/8") || b.Import.Prefixes[0].MaxLength != 24 ||
		b.Import.RejectASPaths[0] != "_65999_" || b.Import.RejectCommunities[0] != "65000:666" || b.Export.AddCommunities[0] != "65000:200" ||
		b.OverlayAS != 65000 || b.ReadvertiseDelay != 250*time.Millisecond {
		t.Fatalf("bgp %+v", b)
	}
	pc.Bgp.GracefulRestart, pc.Bgp.OverlayAs, pc.Bgp.ReadvertiseDelayMs = nil, 0, nil
	if v, _ := toConfig(pc, key).Validate(); !v.BGP.GracefulRestart || v.BGP.OverlayAS != config.DefaultOverlayAS ||
		v.BGP.ReadvertiseDelay != config.DefaultReadvertiseDelay {
		t.Errorf("graceful restart, overlay AS and delay unset: want the defaults, got %+v", v.BGP)
	}
	delay = 0
	pc.Bgp.ReadvertiseDelayMs = &delay
	if v, _ := toConfig(pc, key).Validate(); v.BGP.ReadvertiseDelay != 0 {
		t.Errorf("readvertise delay 0: got %v", v.BGP.ReadvertiseDelay)
	}
	pc.Bgp.ImportPolicy.Prefixes[0].Prefix = "10.0.0.1/8"
	_, err = toConfig(pc, key).Validate()
	var es fielderr.List
	if !errors.As(err, &es) || es[0].Path != "bgp.import.prefixes[0].prefix" {
		t.Fatalf("bad prefix: %v", err)
	}
}
