package lab

import (
	"testing"

	"github.com/patronus-sdwan/patronus/controller/daemon"
)

// The controller's configuration file the lab writes is one the
// controller loads and accepts, with the extra networks (--network).
func TestControllerConfigNetworks(t *testing.T) {
	for _, c := range []struct {
		hubs []string
		want []daemon.Network
	}{
		{[]string{"site1"}, []daemon.Network{{Name: "default", Topology: "hub-and-spoke", Hubs: []string{"site1"}},
			{Name: "branch", Topology: "full-mesh"}, {Name: "lab-2", Topology: "full-mesh"}}},
		{nil, []daemon.Network{{Name: "default", Topology: "full-mesh"},
			{Name: "branch", Topology: "full-mesh"}, {Name: "lab-2", Topology: "full-mesh"}}},
	} {
		st := &State{Name: "x", Dir: t.TempDir(), Hubs: c.hubs, Networks: []string{"branch", "lab-2"}}
		args, err := st.controllerConfig()
		if err != nil || len(args) != 2 {
			t.Fatalf("controllerConfig: %v, %v", args, err)
		}
		cfg, err := daemon.LoadFile(args[1])
		if err != nil {
			t.Fatal(err)
		}
		cfg.SetDefaults()
		if err := cfg.Validate(); err != nil {
			t.Fatalf("hubs %v: %v", c.hubs, err)
		}
		if len(cfg.Networks) != len(c.want) {
			t.Fatalf("hubs %v: networks %+v, want %+v", c.hubs, cfg.Networks, c.want)
		}
		for i, n := range cfg.Networks {
			w := c.want[i]
			if n.Name != w.Name || n.Topology != w.Topology || len(n.Hubs) != len(w.Hubs) {
				t.Errorf("hubs %v: networks[%d] = %+v, want %+v", c.hubs, i, n, w)
			}
		}
	}
}
