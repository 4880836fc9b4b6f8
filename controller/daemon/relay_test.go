package daemon_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/relay/wire"
)

// TestRelayOnControllerNode: with relay.listen the controller makes a
// relay key (0600) and runs the relay; a registration with a forged
// token sent to it over UDP is refused and counted on /metrics.
func TestRelayOnControllerNode(t *testing.T) {
	cfg := baseConfig(tempDir(t))
	cfg.API.MetricsPublic = true
	cfg.Relay = daemon.RelayConfig{Listen: "127.0.0.1:0", Endpoint: "127.0.0.1:3478"}
	r := start(t, cfg)
	fi, err := os.Stat(filepath.Join(cfg.DataDir, daemon.RelayKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != wire.KeyLen {
		t.Fatalf("relay key: %v, %v", fi, err)
	}
	c, err := net.Dial("udp", r.d.RelayAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg, err := wire.AppendRegister(nil, wire.Register{Session: 1, Site: "intruder", Time: time.Now()}, [wire.TokenLen]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	badMAC := map[string]string{"result": "bad_mac"}
	for deadline := time.Now().Add(callTimeout); ; time.Sleep(20 * time.Millisecond) {
		v, _ := r.scrapeUntil("", "patronus_relay_registrations_total", badMAC).Find("patronus_relay_registrations_total", badMAC)
		if v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bad_mac registrations %v, want 1", v)
		}
	}
}

// TestRelayConfigRefused: bad relay fields are refused by name before
// anything starts.
func TestRelayConfigRefused(t *testing.T) {
	for _, c := range []struct {
		relay daemon.RelayConfig
		want  string
	}{
		{daemon.RelayConfig{Listen: ":3478"}, "relay.endpoint: required"},
		{daemon.RelayConfig{Endpoint: "relay.example.net"}, "relay.endpoint"},
		{daemon.RelayConfig{Listen: "3478", Endpoint: "192.0.2.1:3478"}, "relay.listen"},
		{daemon.RelayConfig{Endpoint: "192.0.2.1:3478", MaxPerSite: -1}, "relay.max_per_site"},
	} {
		cfg := baseConfig(tempDir(t))
		cfg.Relay = c.relay
		cfg.SetDefaults()
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.relay, err, c.want)
		}
	}
}
