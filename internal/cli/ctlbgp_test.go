package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// edgeConn is an enrolled edge's control channel.
func edgeConn(t *testing.T, addr string, creds *pki.Credentials) pb.EdgeControlClient {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig("127.0.0.1"))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return pb.NewEdgeControlClient(cc)
}

// watchUntil reads an edge's configurations until cond holds for one.
func watchUntil(t *testing.T, ec pb.EdgeControlClient, what string, cond func(*pb.EdgeConfig) bool) *pb.EdgeConfig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := ec.WatchConfig(ctx, &pb.WatchConfigRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		c, err := w.Recv()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if cond(c) {
			return c
		}
	}
}

// TestCtlBGP: the ctl bgp contract against a running controller: the
// site's edge gets its speaker (with the password, which ctl never shows
// and the audit log never records); a site's learned prefixes reach the
// other site as its prefixes, and leave when withdrawn.
func TestCtlBGP(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	creds := map[string]*pki.Credentials{}
	for _, site := range []string{"b1", "b2"} {
		var tok struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "tokens", "create", "--site", site, "--json")), &tok); err != nil {
			t.Fatal(err)
		}
		_, creds[site] = enrolEdgeCreds(t, p.addr, tok.Token, site)
		p.mustCtl(t, dir, "links", "set", "--site", site, "--name", "inet", "--color", "inet")
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("md5-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.mustCtl(t, dir, "bgp", "set", "b1", "--local-as", "64086.59905", "--router-id", "10.1.0.1")
	p.mustCtl(t, dir, "bgp", "neighbor", "add", "b1", "10.1.0.2", "--remote-as", "65001", "--password-file", pw, "--bfd", "--max-prefixes", "500", "--max-prefixes-restart", "90s")
	p.mustCtl(t, dir, "bgp", "neighbor", "add", "b1", "2001:db8:1::2", "--remote-as", "4200000001")
	out := p.mustCtl(t, dir, "bgp", "neighbor", "remove", "b1", "2001:db8:1::2")
	if !strings.Contains(out, "local AS 4200000001") || !strings.Contains(out, "10.1.0.2") || strings.Contains(out, "2001:db8:1::2") {
		t.Fatalf("neighbor remove:\n%s", out)
	}
	show := p.mustCtl(t, dir, "bgp", "show", "b1", "--json")
	var shown struct {
		Bgp struct {
			Neighbors []struct {
				PasswordSet bool `json:"password_set"`
			} `json:"neighbors"`
		} `json:"bgp"`
	}
	if err := json.Unmarshal([]byte(show), &shown); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(show, "md5-s3cret") || len(shown.Bgp.Neighbors) != 1 || !shown.Bgp.Neighbors[0].PasswordSet {
		t.Fatalf("bgp show --json: %s", show)
	}
	b1, b2 := edgeConn(t, p.addr, creds["b1"]), edgeConn(t, p.addr, creds["b2"])
	cfg := watchUntil(t, b1, "b1's speaker", func(c *pb.EdgeConfig) bool { return c.Bgp != nil && len(c.Bgp.Neighbors) == 1 })
	n := cfg.Bgp.Neighbors[0]
	if cfg.Bgp.LocalAs != 4200000001 || cfg.Bgp.RouterId != "10.1.0.1" || n.Password != "md5-s3cret" || !n.Bfd || n.RemoteAs != 65001 || n.MaxPrefixes != 500 || n.MaxPrefixesRestartSeconds != 90 {
		t.Fatalf("b1's bgp: %v", cfg.Bgp)
	}
	if c := watchUntil(t, b2, "b2's config", func(*pb.EdgeConfig) bool { return true }); c.Bgp != nil {
		t.Fatalf("b2 got b1's speaker: %v", c.Bgp)
	}

	// Options and policies reach the edge; what ctl shows says them.
	p.mustCtl(t, dir, "bgp", "options", "b1", "--listen-port", "1179", "--graceful-restart=false")
	out = p.mustCtl(t, dir, "bgp", "options", "b1", "--overlay-as", "64512.1", "--readvertise-delay", "250ms")
	if !strings.Contains(out, "listen port 1179, graceful restart false") || !strings.Contains(out, "overlay AS 4227858433, readvertise delay 250ms") {
		t.Errorf("bgp options: kept options or the overlay's missing from\n%s", out)
	}
	p.mustCtl(t, dir, "bgp", "policy", "b1", "import", "--prefix", "10.0.0.0/8:24", "--prefix", "fd00::/8",
		"--reject-as-path", "_65999_", "--reject-community", "65000:666", "--add-community", "65000:100")
	out = p.mustCtl(t, dir, "bgp", "policy", "b1", "export", "--add-community", "65000:200")
	for _, want := range []string{"listen port 1179, graceful restart false",
		"import policy: prefix 10.0.0.0/8 le 24; prefix fd00::/8; reject as-path _65999_; reject community 65000:666; add community 65000:100",
		"export policy: add community 65000:200"} {
		if !strings.Contains(out, want) {
			t.Errorf("bgp policy: %q missing from\n%s", want, out)
		}
	}
	cfg = watchUntil(t, b1, "b1's options and policies", func(c *pb.EdgeConfig) bool {
		return c.Bgp.GetExportPolicy() != nil && c.Bgp.GetListenPort() == 1179
	})
	if cfg.Bgp.OverlayAs != 4227858433 || cfg.Bgp.ReadvertiseDelayMs == nil || *cfg.Bgp.ReadvertiseDelayMs != 250 {
		t.Fatalf("b1's overlay AS and damping delay: %v", cfg.Bgp)
	}
	if im := cfg.Bgp.ImportPolicy; cfg.Bgp.GracefulRestart == nil || *cfg.Bgp.GracefulRestart || len(im.GetPrefixes()) != 2 ||
		im.Prefixes[0].MaxLength != 24 || im.RejectCommunities[0] != "65000:666" || im.RejectAsPaths[0] != "_65999_" {
		t.Fatalf("b1's bgp: %v", cfg.Bgp)
	}
	p.mustCtl(t, dir, "bgp", "policy", "b1", "export")
	p.mustCtl(t, dir, "bgp", "options", "b1", "--listen-port", "0", "--overlay-as", "0", "--readvertise-delay", "0s")
	watchUntil(t, b1, "b1's export policy cleared", func(c *pb.EdgeConfig) bool {
		return c.Bgp.GetExportPolicy() == nil && c.Bgp.GetListenPort() == 0 && c.Bgp.GetImportPolicy() != nil &&
			c.Bgp.GetOverlayAs() == 0 && c.Bgp.ReadvertiseDelayMs != nil && c.Bgp.GetReadvertiseDelayMs() == 0
	})
	audit := p.mustCtl(t, dir, "events", "--json")
	if strings.Contains(audit, "md5-s3cret") {
		t.Fatal("an event records the password")
	}

	report(t, b1, &pb.LearnedPrefixes{Prefixes: []string{"10.1.99.0/24", "fd00:1:99::/64"}})
	peerPrefixes := func(c *pb.EdgeConfig) []string {
		for _, pe := range c.Peers {
			if pe.Site.Name == "b1" {
				return pe.Prefixes
			}
		}
		return nil
	}
	watchUntil(t, b2, "b1's learned prefixes at b2", func(c *pb.EdgeConfig) bool {
		return slices.Contains(peerPrefixes(c), "10.1.99.0/24") && slices.Contains(peerPrefixes(c), "fd00:1:99::/64")
	})
	if show := p.mustCtl(t, dir, "bgp", "show", "b1"); !strings.Contains(show, "2 learned prefixes") {
		t.Fatalf("bgp show:\n%s", show)
	}
	report(t, b1, &pb.LearnedPrefixes{}, &pb.BgpEvent{At: timestamppb.Now(), Neighbor: "10.1.0.2", From: "established",
		To: "idle", Reason: "bfd down"})
	if ev := p.mustCtl(t, dir, "events", "--site", "b1"); !strings.Contains(ev, "bgp_neighbor") ||
		!strings.Contains(ev, "neighbour 10.1.0.2: established -> idle (bfd down)") {
		t.Fatalf("ctl events lacks the BGP event:\n%s", ev)
	}
	watchUntil(t, b2, "b1's learned prefixes withdrawn at b2", func(c *pb.EdgeConfig) bool { return len(peerPrefixes(c)) == 0 })

	// The sessions as the edge reports them, in ctl bgp show.
	if show := p.mustCtl(t, dir, "bgp", "show", "b1"); !strings.Contains(show, "sessions: not reported by the edge yet") {
		t.Fatalf("bgp show before a report:\n%s", show)
	}
	reportTelemetry(t, b1, &pb.Telemetry{BgpStatus: &pb.BgpStatus{LocalAs: 4200000001, RouterId: "10.1.0.1",
		Neighbors: []*pb.BgpNeighborStatus{{Address: "10.1.0.2", RemoteAs: 65001, State: "idle", Reason: "prefix limit", Received: 7,
			BfdState: "up", MaxPrefixes: 500}}}})
	show = p.mustCtl(t, dir, "bgp", "show", "b1")
	if !regexp.MustCompile(`10\.1\.0\.2\s+idle\s+prefix limit\s+7\s+0\s+0\s+up`).MatchString(show) {
		t.Fatalf("bgp show after the report:\n%s", show)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bgp", "set", "b1"}, "--local-as: required"},
		{[]string{"bgp", "set", "b1", "--local-as", "x"}, "--local-as"},
		{[]string{"bgp", "set", "b1", "--local-as", "1", "--router-id", "::1"}, "--router-id"},
		{[]string{"bgp", "neighbor", "add", "b1", "nope", "--remote-as", "1"}, "ADDR"},
		{[]string{"bgp", "neighbor", "add", "b1", "10.1.0.3"}, "--remote-as: required"},
		{[]string{"bgp", "neighbor", "add", "b2", "10.2.0.3", "--remote-as", "1"}, "no BGP local AS"},
		{[]string{"bgp", "neighbor", "add", "b1", "10.1.0.3", "--remote-as", "1", "--password-file", "/nonexistent"}, "--password-file"},
		{[]string{"bgp", "neighbor", "add", "b1", "10.1.0.3", "--remote-as", "1", "--max-prefixes-restart", "500ms"}, "--max-prefixes-restart"},
		{[]string{"bgp", "neighbor", "remove", "b1", "10.9.9.9"}, "no BGP neighbour"},
		{[]string{"bgp", "options", "b1", "--listen-port", "70000"}, "--listen-port"},
		{[]string{"bgp", "options", "b1"}, "nothing to set"},
		{[]string{"bgp", "options", "b1", "--overlay-as", "23456"}, "overlay_as: 23456"},
		{[]string{"bgp", "options", "b1", "--overlay-as", "x"}, "--overlay-as"},
		{[]string{"bgp", "options", "b1", "--readvertise-delay", "2m"}, "readvertise_delay_ms: 120000"},
		{[]string{"bgp", "options", "b1", "--readvertise-delay", "1500us"}, "--readvertise-delay"},
		{[]string{"bgp", "options", "b2", "--listen-port", "1179"}, "no BGP local AS"},
		{[]string{"bgp", "policy", "b1", "sideways"}, "direction"},
		{[]string{"bgp", "policy", "b1", "import", "--prefix", "10.0.0.1/8", "--prefix", "10.0.0.0/16:8"}, "policy.prefixes[0].prefix"},
		{[]string{"bgp", "policy", "b1", "import", "--prefix", "10.0.0.0/16:8"}, "policy.prefixes[0].max_length"},
		{[]string{"bgp", "policy", "b1", "import", "--reject-as-path", "("}, "policy.reject_as_paths[0]"},
		{[]string{"bgp", "policy", "b1", "export", "--add-community", "a:b"}, "policy.add_communities[0]"},
		{[]string{"bgp", "policy", "b1", "export", "--reject-community", "1:70000"}, "policy.reject_communities[0]"},
		{[]string{"bgp", "show", "nope"}, "NotFound"},
	} {
		_, errOut, code := p.ctl(t, dir, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("ctl %v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// report sends one telemetry batch carrying the learned prefixes.
func report(t *testing.T, ec pb.EdgeControlClient, lp *pb.LearnedPrefixes, evs ...*pb.BgpEvent) {
	t.Helper()
	reportTelemetry(t, ec, &pb.Telemetry{LearnedPrefixes: lp, BgpEvents: evs})
}

// reportTelemetry sends one batch as site b1's edge.
func reportTelemetry(t *testing.T, ec pb.EdgeControlClient, tel *pb.Telemetry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := ec.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seq := uint64(time.Now().UnixNano())
	tel.BootId, tel.Sequence = []byte("boot-b1"), seq
	if err := r.Send(tel); err != nil {
		t.Fatal(err)
	}
	if ack, err := r.Recv(); err != nil || ack.AckedSequence != seq {
		t.Fatalf("ack %v, %v", ack, err)
	}
}
