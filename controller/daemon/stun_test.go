package daemon

import (
	"strings"
	"testing"
)

func TestSTUNConfig(t *testing.T) {
	sc, nc, on, err := STUNConfig{Listen: "192.0.2.1"}.resolve()
	if err != nil || !on || sc.Listen.String() != "192.0.2.1:3478" || sc.Alternate.String() != "192.0.2.1:3479" || nc.STUNServer != sc.Listen {
		t.Fatalf("defaults: %+v %+v %v %v", sc, nc, on, err)
	}
	sc, nc, _, err = STUNConfig{Listen: "192.0.2.1:3478", Alternate: "192.0.2.2:3479", Advertise: "198.51.100.1", Refresh: "5s"}.resolve()
	if err != nil || sc.Alternate.String() != "192.0.2.2:3479" || nc.STUNServer.String() != "198.51.100.1:3478" || nc.Refresh.Seconds() != 5 {
		t.Fatalf("set: %+v %+v %v", sc, nc, err)
	}
	if _, _, on, err := (STUNConfig{}).resolve(); on || err != nil {
		t.Fatalf("empty: on %v, %v", on, err)
	}
	for _, c := range []struct {
		cfg   STUNConfig
		field string
	}{
		{STUNConfig{Listen: "nowhere"}, "stun.listen"},
		{STUNConfig{Listen: "0.0.0.0"}, "stun.listen"},
		{STUNConfig{Listen: "192.0.2.1", Alternate: ":3478"}, "stun.alternate"},
		{STUNConfig{Listen: "192.0.2.1", Alternate: "x"}, "stun.alternate"},
		{STUNConfig{Listen: "192.0.2.1", Refresh: "10ms"}, "stun.refresh"},
		{STUNConfig{Listen: "192.0.2.1", Advertise: "x:y"}, "stun.advertise"},
		{STUNConfig{Refresh: "5s"}, "stun.listen"},
	} {
		if _, _, _, err := c.cfg.resolve(); err == nil || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.field)
		}
	}
}
