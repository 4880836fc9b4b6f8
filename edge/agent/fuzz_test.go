package agent

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// FuzzToConfig converts arbitrary bytes, decoded as a configuration from
// the controller, into the edge's configuration and validates it: it
// never panics, whatever the controller (or whoever holds its key) sends.
func FuzzToConfig(f *testing.F) {
	raw, err := proto.Marshal(siteConfig(3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte{})
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	key := filepath.Join(f.TempDir(), "wireguard.key")
	if err := os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(k.Bytes())), 0o600); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var pc pb.EdgeConfig
		if proto.Unmarshal(raw, &pc) != nil {
			return
		}
		v, err := toConfig(&pc, key).Validate()
		if err == nil && (v.Name == "" || len(v.Links) == 0) {
			t.Fatalf("accepted without a name or links: %+v", v)
		}
	})
}
