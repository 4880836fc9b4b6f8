package config

import (
	"fmt"
	"testing"
)

// BenchmarkValidatePeerPrefixes is the validation of a configuration
// whose peer has 100,000 prefixes, as a site's BGP routers can give it
// (docs/BGP.md): every revision of the network validates it again.
func BenchmarkValidatePeerPrefixes(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := manyPrefixes(b, n)
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// manyPrefixes is a two-site configuration whose peer has n /24s of
// 20.0.0.0/8 and on.
func manyPrefixes(b *testing.B, n int) *Config {
	yaml := `
site: {name: a, id: 1}
private_key_file: ` + keyFile(b, 0o600) + `
lan_prefixes: [10.1.0.0/24]
links: [{name: inet, local_address: 203.0.113.10, color: inet}]
peers:
  - name: b
    id: 2
    public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
    prefixes: [10.2.0.0/24]
    links: [{name: inet, endpoint: "198.51.100.7:51820", color: inet}]
`
	c, err := Parse([]byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		c.Peers[0].Prefixes = append(c.Peers[0].Prefixes, fmt.Sprintf("%d.%d.%d.0/24", 20+i>>16, i>>8&255, i&255))
	}
	return c
}
