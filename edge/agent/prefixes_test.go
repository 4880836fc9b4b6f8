package agent

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// TestControllerOutsidePrefixes: a configuration whose peer prefix covers
// a controller address would cut the control channel off once applied: it
// is refused at that prefix's field. Names are left alone.
func TestControllerOutsidePrefixes(t *testing.T) {
	v := &config.Valid{Peers: []config.ValidPeer{
		{Name: "b", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/24")}},
		{Name: "hub", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/24"), netip.MustParsePrefix("172.31.0.0/16")}},
	}}
	if err := controllersOutsidePrefixes([]string{"ctl.example.net:8443", "192.0.2.1:8443"}, v); err != nil {
		t.Fatalf("controller outside every prefix refused: %v", err)
	}
	err := controllersOutsidePrefixes([]string{"ctl.example.net:8443", "172.31.255.2:8443"}, v)
	if err == nil || !strings.Contains(err.Error(), "peers[1].prefixes[1]: 172.31.0.0/16 covers the controller 172.31.255.2") {
		t.Fatalf("controller inside a prefix: %v", err)
	}
}
