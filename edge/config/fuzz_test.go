package config

import (
	"os"
	"testing"
)

// FuzzParseValidate loads arbitrary bytes as an edge configuration: it
// never panics, and a configuration it accepts has what the edge needs (a
// name, links, a key, prefixes that do not overlap).
func FuzzParseValidate(f *testing.F) {
	raw, err := os.ReadFile("../../docs/examples/edge.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte("site: {name: a, id: 1}\nlinks: [{name: x, color: inet}]\n"))
	f.Add([]byte("{}"))
	key := keyFile(f, 0o600)
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := Parse(raw)
		if err != nil {
			return
		}
		c.PrivateKeyFile = key
		v, err := c.Validate()
		if err != nil {
			return
		}
		if v.Name == "" || len(v.Links) == 0 || v.PrivateKey == nil {
			t.Fatalf("accepted without a name, links or key: %+v", v)
		}
		for i, p := range v.Peers {
			for _, q := range v.Peers[i+1:] {
				for _, a := range p.Prefixes {
					for _, b := range q.Prefixes {
						if a.Overlaps(b) {
							t.Fatalf("accepted overlapping %v and %v", a, b)
						}
					}
				}
			}
		}
	})
}
