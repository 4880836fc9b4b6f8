package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// TestCtlEdgeSettings: the ctl edge-settings contract against a running
// controller: what is set reaches the site's edge in its next revision
// (compression, BFD timers and those of a colour, adaptive BFD, the
// overlay MTU), flags left out keep their values, and bad values are
// refused naming the flag or the field, changing nothing.
func TestCtlEdgeSettings(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "tokens", "create", "--site", "b1", "--json")), &tok); err != nil {
		t.Fatal(err)
	}
	_, creds := enrolEdgeCreds(t, p.addr, tok.Token, "b1")
	p.mustCtl(t, dir, "links", "set", "--site", "b1", "--name", "inet", "--color", "inet")
	p.mustCtl(t, dir, "links", "set", "--site", "b1", "--name", "lte", "--color", "lte")
	out := p.mustCtl(t, dir, "edge-settings", "set", "b1", "--compression", "--bfd", "200ms/200ms/4", "--bfd-color", "lte=1s/1s/",
		"--adaptive=false", "--realtime", "40ms", "--mtu", "1380")
	for _, want := range []string{"compression true", "bfd tx 200ms, rx 200ms, multiplier 4", "bfd colour lte tx 1s, rx 1s, multiplier default",
		"adaptive bfd false, idle rx default, real-time 40ms", "overlay mtu 1380"} {
		if !strings.Contains(squash(out), want) {
			t.Errorf("%q missing from\n%s", want, out)
		}
	}
	ec := edgeConn(t, p.addr, creds)
	cfg := watchUntil(t, ec, "the settings", func(c *pb.EdgeConfig) bool { return c.Overlay.GetMtu() == 1380 })
	if d := cfg.Defaults; !d.GetCompression() || d.GetBfd().GetMultiplier() != 4 || d.GetBfdByColor()["lte"].GetTxInterval().AsDuration() != time.Second ||
		cfg.BfdAdaptive.GetEnabled() || cfg.BfdAdaptive.GetRealtimeInterval().AsDuration() != 40*time.Millisecond {
		t.Fatalf("pushed %v, %v", cfg.Defaults, cfg.BfdAdaptive)
	}
	p.mustCtl(t, dir, "edge-settings", "set", "b1", "--mtu", "1400", "--clear-bfd-color", "lte")
	cfg = watchUntil(t, ec, "the new MTU", func(c *pb.EdgeConfig) bool { return c.Overlay.GetMtu() == 1400 })
	if !cfg.Defaults.GetCompression() || len(cfg.Defaults.GetBfdByColor()) != 0 || cfg.BfdAdaptive.GetEnabled() {
		t.Fatalf("flags left out changed: %v, %v", cfg.Defaults, cfg.BfdAdaptive)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--bfd", "1s/1s"}, "--bfd"},
		{[]string{"--bfd-color", "1s/1s/3"}, "--bfd-color[0]"},
		{[]string{"--realtime", "fast"}, "--realtime"},
		{[]string{"--mtu", "100"}, "settings.overlay_mtu"},
	} {
		_, stderr, code := p.ctl(t, dir, append([]string{"edge-settings", "set", "b1"}, bad.args...)...)
		if code == 0 || !strings.Contains(stderr, bad.want) {
			t.Errorf("set %v: exit %d, %q; want an error naming %s", bad.args, code, stderr, bad.want)
		}
	}
	if show := p.mustCtl(t, dir, "edge-settings", "show", "b1"); !strings.Contains(squash(show), "overlay mtu 1400") {
		t.Errorf("after refusals:\n%s", show)
	}
}

// squash is s with every run of white space one space (tabwriter's
// padding).
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
