package dataplane_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/dataplane/dptest"
)

// BenchmarkReconfigurePrefixes is the data plane taking a peer's n more
// prefixes (a site's BGP routers announcing them, docs/BGP.md) and
// losing them again: one op is both reconfigurations, routes recorded
// by dptest.Routes (the kernel's netlink time is not in it).
func BenchmarkReconfigurePrefixes(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			small := benchConfig(b)
			big := *small
			big.Peers = append([]config.ValidPeer(nil), small.Peers...)
			big.Peers[0].Prefixes = append(append([]netip.Prefix(nil), small.Peers[0].Prefixes...), manyPrefixes(n)...)
			wan := dptest.NewWAN()
			l, err := wan.Listen(netip.AddrPortFrom(small.Links[0].LocalAddress, small.Links[0].ListenPort))
			if err != nil {
				b.Fatal(err)
			}
			dp, err := dataplane.New(small, dataplane.Deps{TUN: dptest.NewTUN(small.Overlay.MTU), Links: []dataplane.Link{l}, Routes: &dptest.Routes{}}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer dp.Close()
			b.ResetTimer()
			for b.Loop() {
				if _, err := dp.Reconfigure(&big); err != nil {
					b.Fatal(err)
				}
				if _, err := dp.Reconfigure(small); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// manyPrefixes are n /24s from 20.0.0.0 on.
func manyPrefixes(n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		out[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(20 + i>>16), byte(i >> 8), byte(i), 0}), 24)
	}
	return out
}

// benchConfig is site 1 with one link and one peer, site 2.
func benchConfig(b *testing.B) *config.Valid {
	key := func() string {
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(k.Bytes())
	}
	file := filepath.Join(b.TempDir(), "site1.key")
	if err := os.WriteFile(file, []byte(key()+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	pk, _ := ecdh.X25519().GenerateKey(rand.Reader)
	yaml := fmt.Sprintf(`site: {name: s1, id: 1}
private_key_file: %s
lan_prefixes: [10.1.0.0/24]
overlay: {interface: pt1, mtu: 1420}
links: [{name: inet, local_address: 198.18.0.1, listen_port: 51820, color: inet}]
peers:
  - name: s2
    id: 2
    public_key: %q
    prefixes: [10.2.0.0/24]
    links: [{name: inet, endpoint: "198.18.0.2:51820", color: inet}]
`, file, base64.StdEncoding.EncodeToString(pk.PublicKey().Bytes()))
	c, err := config.Parse([]byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	v, err := c.Validate()
	if err != nil {
		b.Fatal(err)
	}
	return v
}
