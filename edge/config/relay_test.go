package config

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
)

// exampleWithRelay is the example with a relay and an allocation for the
// path from the first local link to the peer's first link, whose
// endpoint is left out.
func exampleWithRelay(t *testing.T) *Config {
	t.Helper()
	c, err := Parse(example(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Relay.Endpoint = "198.51.100.1:3478"
	pl := &c.Peers[0].Links[0]
	pl.Endpoint = ""
	pl.Relay = []RelayAllocation{{LocalLink: c.Links[0].Name, Session: 42, Side: 1,
		Token: base64.StdEncoding.EncodeToString(make([]byte, 32)), StartRelayed: true}}
	return c
}

// TestRelaySection: a relay and an allocation are taken; a peer link with
// an allocation may leave its endpoint out.
func TestRelaySection(t *testing.T) {
	c := exampleWithRelay(t)
	v, err := c.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if v.Relay != netip.MustParseAddrPort("198.51.100.1:3478") {
		t.Errorf("relay %v", v.Relay)
	}
	pl := v.Peers[0].Links[0]
	r, ok := pl.Relay[c.Links[0].Name]
	if pl.Endpoint.IsValid() || !ok || r.Session != 42 || r.Side != 1 || !r.StartRelayed {
		t.Errorf("peer link %+v", pl)
	}
}

// TestRelayErrorsNamed: every bad field is named; the token's value is
// not repeated.
func TestRelayErrorsNamed(t *testing.T) {
	c := exampleWithRelay(t)
	c.Relay.Endpoint = "relay"
	secret := base64.StdEncoding.EncodeToString([]byte("short-secret"))
	c.Peers[0].Links[0].Relay = append(c.Peers[0].Links[0].Relay,
		RelayAllocation{LocalLink: "nope", Side: 2, Token: secret},
		RelayAllocation{LocalLink: c.Links[0].Name, Token: base64.StdEncoding.EncodeToString(make([]byte, 32))})
	c.Peers[0].Links[1].Endpoint = ""
	_, err := c.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"relay.endpoint", "peers[0].links[0].relay[1].local_link", "peers[0].links[0].relay[1].side",
		"peers[0].links[0].relay[1].token", "peers[0].links[0].relay[2].local_link", "peers[0].links[1].endpoint"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no error at %s in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), secret) {
		t.Error("the token's value is in the error")
	}
	c = exampleWithRelay(t)
	c.Relay.Endpoint = ""
	if _, err := c.Validate(); err == nil || !strings.Contains(err.Error(), "need relay.endpoint") {
		t.Errorf("allocations without a relay: %v", err)
	}
}

// TestRelayIPv6MTU: with a relay reached over IPv6 an overlay.mtu left
// out becomes 1408, one set at most 1408 is kept, a larger one is refused
// naming overlay.mtu; over IPv4 the default stays.
func TestRelayIPv6MTU(t *testing.T) {
	for _, tc := range []struct {
		relay   string
		mtu     int
		want    int
		refused bool
	}{
		{"198.51.100.1:3478", 0, DefaultOverlayMTU, false},
		{"198.51.100.1:3478", 1420, 1420, false},
		{"[2001:db8::1]:3478", 0, 1408, false},
		{"[2001:db8::1]:3478", 1400, 1400, false},
		{"[2001:db8::1]:3478", 1408, 1408, false},
		{"[2001:db8::1]:3478", 1420, 0, true},
		{"[::ffff:198.51.100.1]:3478", 0, DefaultOverlayMTU, false}, // IPv4, mapped
	} {
		c := exampleWithRelay(t)
		c.Relay.Endpoint, c.Overlay.MTU = tc.relay, tc.mtu
		v, err := c.Validate()
		switch {
		case tc.refused && (err == nil || !strings.Contains(err.Error(), "overlay.mtu") || !strings.Contains(err.Error(), "at most 1408")):
			t.Errorf("relay %s, mtu %d: %v, want refused at overlay.mtu", tc.relay, tc.mtu, err)
		case !tc.refused && err != nil:
			t.Errorf("relay %s, mtu %d: %v", tc.relay, tc.mtu, err)
		case !tc.refused && v.Overlay.MTU != tc.want:
			t.Errorf("relay %s, mtu %d: overlay mtu %d, want %d", tc.relay, tc.mtu, v.Overlay.MTU, tc.want)
		}
	}
}
