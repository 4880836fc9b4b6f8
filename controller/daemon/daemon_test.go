package daemon_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/webui"
	"github.com/patronus-sdwan/patronus/internal/syncbuf"
)

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// echo answers with the protocol and the client certificate's identity.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id := "none"
	if r.TLS != nil {
		if got, err := pki.PeerIdentity(*r.TLS); err == nil {
			id = got.String()
		}
	}
	fmt.Fprintf(w, "%s %s id=%s", r.Proto, r.URL.Path, id)
})

// httpsClient trusts the daemon's CA; h2 chooses HTTP/2 or HTTP/1.1
// only; certs are client certificates to present.
func (r *running) httpsClient(h2 bool, certs ...tls.Certificate) *http.Client {
	conf := &tls.Config{RootCAs: r.caPool(), ServerName: "127.0.0.1", Certificates: certs}
	tr := &http.Transport{TLSClientConfig: conf, ForceAttemptHTTP2: h2}
	r.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: callTimeout}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestFirstStart: the first start makes the CA and the operator
// credentials and says where, printing no key; a second start makes
// nothing and keeps the CA.
func TestFirstStart(t *testing.T) {
	dir := tempDir(t)
	r := start(t, baseConfig(dir))
	out := r.out.String()
	for _, want := range []string{
		"patronus controller: created the CA: certificate " + filepath.Join(dir, "pki", "ca.crt"),
		`patronus controller: created operator credentials for "admin" in ` + filepath.Join(dir, "admin"),
		daemon.ServingMessage + r.addr(),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+r.log.String(), "PRIVATE KEY") {
		t.Fatal("a key was printed")
	}
	caPEM, _ := os.ReadFile(filepath.Join(dir, "pki", "ca.crt"))
	if _, err := r.admin().ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err != nil {
		t.Fatal(err)
	}
	r.Stop()

	r2 := start(t, baseConfig(dir))
	if strings.Contains(r2.out.String(), "created") {
		t.Fatalf("second start created credentials again:\n%s", r2.out.String())
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "pki", "ca.crt")); string(again) != string(caPEM) {
		t.Fatal("the CA changed across a restart")
	}
	nets, err := r2.admin().ListNetworks(ctxT(t), &pb.ListNetworksRequest{})
	if err != nil || len(nets.Networks) != 1 || nets.Networks[0].Name != "default" {
		t.Fatalf("networks %v, %v", nets, err)
	}
	// The first operator's certificate is recorded, once, so that it can
	// be listed and revoked like those issued later.
	creds, err := pki.LoadIdentity(filepath.Join(dir, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	ops, err := r2.admin().ListOperators(ctxT(t), &pb.ListOperatorsRequest{})
	if err != nil || len(ops.Certificates) != 1 || ops.Certificates[0].Name != "admin" || ops.Certificates[0].Serial != creds.Chain[0].SerialNumber.String() {
		t.Fatalf("operators %v, %v", ops, err)
	}
}

// TestOneListener: on one port, gRPC (enrolment, an Admin call with the
// operator's credentials, a WatchConfig stream) and HTTPS (HTTP/1.1 and
// h2) work side by side; the HTTP handler sees the client certificate
// when one is sent; a revoked site's open stream ends, and its HTTPS
// connection already open gets 403 at the next request.
func TestOneListener(t *testing.T) {
	cfg := baseConfig(tempDir(t))
	cfg.HTTP = echo
	r := start(t, cfg)
	edge := r.enrol("default", "b1")
	stream, err := pb.NewEdgeControlClient(r.dial(edge.ClientTLSConfig("127.0.0.1"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := stream.Recv(); err != nil || c.Site.GetName() != "b1" {
		t.Fatalf("first configuration %v, %v", c, err)
	}
	base := "https://" + r.addr()
	for _, h2 := range []bool{false, true} {
		resp, body := get(t, r.httpsClient(h2), base+"/api/v1/x")
		want := "HTTP/1.1 /api/v1/x id=none"
		if h2 {
			want = "HTTP/2.0 /api/v1/x id=none"
		}
		if resp.StatusCode != 200 || body != want {
			t.Errorf("h2=%v: %d %q, want %q", h2, resp.StatusCode, body, want)
		}
	}
	admin, err := pki.LoadIdentity(filepath.Join(r.dir, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	adminCert := admin.ClientTLSConfig("127.0.0.1").Certificates
	if _, body := get(t, r.httpsClient(true, adminCert...), base+"/"); body != "HTTP/2.0 / id=spiffe://patronus/admin/admin" {
		t.Errorf("with the operator's certificate: %q", body)
	}
	// The edge's certificate on an HTTPS connection kept open across its
	// revocation (below).
	edgeHTTP := r.httpsClient(true, edge.ClientTLSConfig("127.0.0.1").Certificates...)
	if _, body := get(t, edgeHTTP, base+"/"); body != "HTTP/2.0 / id=spiffe://patronus/site/1/b1" {
		t.Errorf("with the edge's certificate: %q", body)
	}
	// While the stream is open, the same kinds of calls keep working.
	if _, err := r.admin().ListSites(ctxT(t), &pb.ListSitesRequest{Network: "default"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin().RevokeSite(ctxT(t), &pb.RevokeSiteRequest{Network: "default", SiteName: "b1", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				ended <- err
				return
			}
		}
	}()
	select {
	case err := <-ended:
		if status.Code(err) != codes.PermissionDenied {
			t.Fatalf("revoked site's stream ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("revoked site's stream still open after 5 s")
	}
	// Its HTTPS connection already open: the next request is refused.
	var reused bool
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(),
		&httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}), "GET", base+"/", nil)
	resp, err := edgeHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !reused || resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `"code":"PERMISSION_DENIED"`) {
		t.Fatalf("revoked site on its open connection (reused %v): %d %s", reused, resp.StatusCode, body)
	}
	// Its new connections fail the handshake, HTTPS included.
	if _, err := r.httpsClient(true, edge.ClientTLSConfig("127.0.0.1").Certificates...).Get(base + "/"); err == nil {
		t.Fatal("a revoked site's certificate was accepted by the HTTPS handshake")
	}
}

// TestManagementAPI: without Config.HTTP the controller serves the
// management API on its listener beside gRPC, over HTTP/1.1 and h2: the
// first start prints a one-time setup token, which makes the first admin;
// that admin signs in and queries GraphQL and REST; a request without
// credentials gets 401, an unknown path under /api a JSON 404, a path
// outside the API the web dashboard (controller/webui), and an HTTP/1.1
// request claiming to be gRPC is not sent to gRPC.
func TestManagementAPI(t *testing.T) {
	r := start(t, baseConfig(tempDir(t)))
	m := regexp.MustCompile(`setup token (pst_\S+)`).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("the first start printed no setup token:\n%s", r.out.String())
	}
	base := "https://" + r.addr()
	for _, h2 := range []bool{false, true} {
		c := r.httpsClient(h2)
		resp, body := get(t, c, base+"/api/v2/graphql")
		var e struct{ Error struct{ Code string } }
		if resp.StatusCode != 401 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "unauthenticated" {
			t.Errorf("h2=%v: GraphQL without credentials: %d %s", h2, resp.StatusCode, body)
		}
		if resp, body := get(t, c, base+"/api/v1/openapi.json"); resp.StatusCode != 200 || !strings.Contains(body, `"openapi"`) {
			t.Errorf("h2=%v: openapi.json: %d", h2, resp.StatusCode)
		}
		if resp, body := get(t, c, base+"/api/nothing"); resp.StatusCode != 404 || !strings.Contains(body, `"error"`) {
			t.Errorf("h2=%v: /api/nothing: %d %s", h2, resp.StatusCode, body)
		}
		for _, p := range []string{"/", "/sites/site1"} {
			resp, body := get(t, c, base+p)
			if resp.StatusCode != 200 || !strings.Contains(body, `<div id="root">`) || resp.Header.Get("Content-Security-Policy") != webui.ContentSecurityPolicy {
				t.Errorf("h2=%v: %s: %d %v %.100s", h2, p, resp.StatusCode, resp.Header, body)
			}
		}
	}
	c := r.httpsClient(true)
	post := func(path, token, body string) (int, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("/api/v1/auth/setup", "", `{"setup_token":"`+m[1]+`","username":"alice","password":"correct horse battery"}`); code != 201 {
		t.Fatalf("setup: %d %s", code, body)
	}
	if code, _ := post("/api/v1/auth/login", "", `{"username":"alice","password":"wrong password!"}`); code != 401 {
		t.Fatalf("login with a wrong password: %d, want 401", code)
	}
	code, body := post("/api/v1/auth/login", "", `{"username":"alice","password":"correct horse battery"}`)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("login: %d %s", code, body)
	}
	r.enrol("default", "branch1")
	code, body = post("/api/v2/graphql", tok.AccessToken, `{"query":"{ sites { name paths { id state } } }"}`)
	if code != 200 || !strings.Contains(body, `"name":"branch1"`) {
		t.Fatalf("graphql sites: %d %s", code, body)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/networks/default/sites", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, body := do(t, c, req); resp.StatusCode != 200 || !strings.Contains(body, "branch1") {
		t.Fatalf("REST sites: %d %s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest("POST", base+"/patronus.v1.Admin/ListNetworks", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/grpc")
	resp, err := r.httpsClient(false).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Fatalf("HTTP/1.1 with a gRPC content type was served: %d", resp.StatusCode)
	}
}

// TestPlainHTTP: --http-listen serves the HTTP handler without TLS, and
// only it: a gRPC call there fails; the log warns; TLS still serves.
func TestPlainHTTP(t *testing.T) {
	cfg := baseConfig(tempDir(t))
	cfg.HTTP = echo
	cfg.HTTPListen = "127.0.0.1:0"
	r := start(t, cfg)
	plain := r.d.HTTPAddr().String()
	if !strings.Contains(r.out.String(), daemon.ServingHTTPMessage+plain) {
		t.Errorf("output lacks the plain HTTP address:\n%s", r.out.String())
	}
	if !strings.Contains(r.log.String(), "level=WARN msg=\"serving plain HTTP without TLS") {
		t.Errorf("no warning in the log:\n%s", r.log.String())
	}
	resp, body := get(t, &http.Client{Timeout: callTimeout}, "http://"+plain+"/api/v1/x")
	if resp.StatusCode != 200 || body != "HTTP/1.1 /api/v1/x id=none" {
		t.Fatalf("plain HTTP: %d %q", resp.StatusCode, body)
	}
	cc, err := grpc.NewClient(plain, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := pb.NewAdminClient(cc).ListNetworks(ctx, &pb.ListNetworksRequest{}); err == nil {
		t.Fatal("a gRPC call succeeded on the plain HTTP listener")
	}
	if _, err := r.admin().ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err != nil {
		t.Fatal(err)
	}
	if r.d.HTTPAddr() == nil {
		t.Fatal("HTTPAddr nil")
	}
	off := start(t, baseConfig(tempDir(t)))
	if off.d.HTTPAddr() != nil || strings.Contains(off.out.String(), "plain HTTP") {
		t.Fatal("plain HTTP served without http_listen")
	}
}

// TestStopEndsStreamsAndHandlers: Stop ends an open gRPC stream and an
// HTTP handler waiting on its request's context, and returns.
func TestStopEndsStreamsAndHandlers(t *testing.T) {
	cfg := baseConfig(tempDir(t))
	entered := make(chan struct{})
	cfg.HTTP = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
	})
	r := start(t, cfg)
	edge := r.enrol("default", "b1")
	stream, err := pb.NewEdgeControlClient(r.dial(edge.ClientTLSConfig("127.0.0.1"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	go r.httpsClient(true).Get("https://" + r.addr() + "/wait")
	<-entered
	stopped := make(chan struct{})
	go func() {
		r.Stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(15 * time.Second):
		t.Fatal("Stop did not return within 15 s")
	}
	if _, err := stream.Recv(); err == nil {
		t.Fatal("the stream is still open after Stop")
	}
}

// TestConfigErrors: bad settings are refused before anything starts,
// naming the flag or the field; an unknown key in the file is refused.
func TestConfigErrors(t *testing.T) {
	dir := tempDir(t)
	for _, tc := range []struct {
		edit func(*daemon.Config)
		want string
	}{
		{func(c *daemon.Config) { c.Listen = "8443" }, `--listen / listen: "8443" is not HOST:PORT`},
		{func(c *daemon.Config) { c.HTTPListen = "8080" }, `--http-listen / http_listen: "8080" is not HOST:PORT`},
		{func(c *daemon.Config) { c.Store = "mysql://x" }, "--store / store"},
		{func(c *daemon.Config) { c.AdminUser = "Bad User" }, "admin_user"},
		{func(c *daemon.Config) { c.MaintainInterval = "10ms" }, `maintain_interval: "10ms"`},
		{func(c *daemon.Config) { c.EdgeCertificateValidity = "10ms" }, `edge_certificate_validity: "10ms"`},
		{func(c *daemon.Config) { c.StoreTimeout = "1ms" }, `store_timeout: "1ms" is not a duration between 100ms and 10m`},
		{func(c *daemon.Config) { c.Retention.Cursors = "1m" }, `retention.cursors: "1m" is not a duration of 1h0m0s or more`},
		{func(c *daemon.Config) { c.LogLevel = "loud" }, `--log-level / log_level: "loud"`},
		{func(c *daemon.Config) { c.Enrolment.PerAddressInterval = "often" }, `enrolment.per_address_interval: "often"`},
		{func(c *daemon.Config) { c.Enrolment.PerAddressBurst = -1 }, `enrolment.per_address_burst: -1`},
		{func(c *daemon.Config) { c.Retention.Raw = "1s" }, `retention.raw: "1s" is not a duration of 1m0s or more`},
		{func(c *daemon.Config) { c.Retention.Hour = "a year" }, `retention.hour: "a year"`},
		{func(c *daemon.Config) { c.Retention.Counters = "-1h" }, `retention.counters: "-1h"`},
		{func(c *daemon.Config) { c.Retention.Minute = "2h"; c.Retention.Raw = "3h" }, "retention.minute: 2h0m0s is shorter than retention.raw (3h0m0s)"},
		{func(c *daemon.Config) { c.Retention.Hour = "48h"; c.Retention.Minute = "72h" }, "retention.hour: 48h0m0s is shorter than retention.minute (72h0m0s)"},
		{func(c *daemon.Config) { c.Networks = []daemon.Network{{Name: "corp", Topology: "star"}} }, `networks[0].topology: "star"`},
		{func(c *daemon.Config) {
			c.Networks = []daemon.Network{{Name: "corp", Topology: "full-mesh", Hubs: []string{"hq"}}}
		}, "networks[0].hubs: only for a hub-and-spoke network"},
		{func(c *daemon.Config) {
			c.Networks = []daemon.Network{{Name: "a", Topology: "full-mesh"}, {Name: "a", Topology: "full-mesh"}}
		}, `networks[1].name: "a" is given twice`},
		{func(c *daemon.Config) { c.ServerNames = []string{"bad_name"} }, "--server-name / server_names"},
		{func(c *daemon.Config) { c.Alerts.PathDown.For = "soon" }, `alerts.path_down.for: "soon" is not a duration`},
		{func(c *daemon.Config) { c.WireGuard.RotateEvery = "10s" }, `wireguard.rotate_every: "10s" is not a duration of 1m0s or more`},
		{func(c *daemon.Config) { c.WireGuard.RotateEvery = "weekly" }, `wireguard.rotate_every: "weekly"`},
	} {
		cfg := baseConfig(filepath.Join(dir, "unused"))
		tc.edit(&cfg)
		d, err := daemon.New(ctxT(t), cfg)
		if err == nil {
			d.Stop()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("stor: sqlite\n"), 0o600)
	if _, err := daemon.LoadFile(file); err == nil || !strings.Contains(err.Error(), "field stor not found") {
		t.Errorf("unknown key: %v", err)
	}
	os.WriteFile(file, []byte("alerts:\n  site_offline: {silense: 4s}\n"), 0o600)
	if _, err := daemon.LoadFile(file); err == nil || !strings.Contains(err.Error(), "field silense not found") {
		t.Errorf("unknown alerts key: %v", err)
	}
	os.WriteFile(file, []byte("listen: 127.0.0.1:9\nhttp_listen: 127.0.0.1:8080\nnetworks:\n  - {name: corp, topology: hub-and-spoke, hubs: [hq]}\n"+
		"alerts:\n  site_offline: {silence: 4s, resolve_after: 2s}\n  webhooks: {max_backoff: 1s}\n"), 0o600)
	cfg, err := daemon.LoadFile(file)
	if err != nil || cfg.HTTPListen != "127.0.0.1:8080" || cfg.Networks[0].Hubs[0] != "hq" || cfg.Alerts.SiteOffline.Silence != "4s" ||
		cfg.Alerts.SiteOffline.ResolveAfter != "2s" || cfg.Alerts.Webhooks.MaxBackoff != "1s" {
		t.Fatalf("LoadFile: %+v, %v", cfg, err)
	}
	if _, err := daemon.LoadFile(filepath.Join(dir, "none.yaml")); err == nil || !strings.HasPrefix(err.Error(), "--config") {
		t.Errorf("missing file: %v", err)
	}
	// A port taken is refused naming the flag; nothing is left open.
	r := start(t, baseConfig(filepath.Join(dir, "a")))
	cfg = baseConfig(filepath.Join(dir, "b"))
	cfg.Listen = r.addr()
	if _, err := daemon.New(ctxT(t), cfg); err == nil || !strings.HasPrefix(err.Error(), "--listen") {
		t.Errorf("port in use: %v", err)
	}
}

// TestReconcilesNetworks: at start the configured topology is set on an
// existing network and the sites named in hubs become hubs; the store's
// maintenance runs every maintain_interval.
func TestReconcilesNetworks(t *testing.T) {
	cfg := baseConfig(tempDir(t))
	cfg.Networks = []daemon.Network{{Name: "corp", Topology: "full-mesh"}}
	r := start(t, cfg)
	r.enrol("corp", "hq")
	r.Stop()

	cfg.Networks = []daemon.Network{{Name: "corp", Topology: "hub-and-spoke", Hubs: []string{"hq"}}}
	cfg.MaintainInterval = "1s"
	r = start(t, cfg)
	site, err := r.admin().GetSite(ctxT(t), &pb.GetSiteRequest{Network: "corp", SiteName: "hq"})
	if err != nil || site.Role != pb.TopologyRole_TOPOLOGY_ROLE_HUB {
		t.Fatalf("hq after the topology change: %v, %v", site, err)
	}
	nets, err := r.admin().ListNetworks(ctxT(t), &pb.ListNetworksRequest{})
	if err != nil || len(nets.Networks) != 1 || nets.Networks[0].Topology != pb.Topology_TOPOLOGY_HUB_AND_SPOKE {
		t.Fatalf("networks: %v, %v", nets, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.log.String(), "maintained store") {
		if time.Now().After(deadline) {
			t.Fatalf("no store maintenance within 5 s at maintain_interval 1s:\n%s", r.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestStoreURLRedacted: a PostgreSQL password reaches no message, also
// when the database cannot be reached.
func TestStoreURLRedacted(t *testing.T) {
	const u = "postgres://patronus:s3cret-pw@db.example:5432/patronus"
	if l := daemon.StoreLabel(u); strings.Contains(l, "s3cret-pw") || !strings.Contains(l, "db.example") {
		t.Fatalf("label %q", l)
	}
	cfg := baseConfig(tempDir(t))
	cfg.Store = "postgres://patronus:s3cret-pw@127.0.0.1:1/patronus?connect_timeout=2"
	log := &syncbuf.Buffer{}
	cfg.Logger = slogTo(log)
	_, err := daemon.New(ctxT(t), cfg)
	if err == nil || strings.Contains(err.Error()+log.String(), "s3cret-pw") || !strings.Contains(err.Error(), "--store") {
		t.Fatalf("error %v, log %q", err, log.String())
	}
}

// TestReplicasOnPostgres: two daemons on one PostgreSQL database and one
// CA directory: a link set through one reaches an edge watching through
// the other within 1 s.
func TestReplicasOnPostgres(t *testing.T) {
	if pg == nil {
		t.Skip("skipping: no PostgreSQL")
	}
	url := pg.NewDB(t)
	cfg := baseConfig(tempDir(t))
	cfg.Store = url
	r1 := start(t, cfg)
	r2 := start(t, cfg)
	edge := r1.enrol("default", "a")
	stream, err := pb.NewEdgeControlClient(r2.dial(edge.ClientTLSConfig("127.0.0.1"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	got := make(chan *pb.EdgeConfig, 8)
	go func() {
		defer close(got)
		for {
			c, err := stream.Recv()
			if err != nil {
				return
			}
			got <- c
		}
	}()
	if _, err := r1.admin().PutLink(ctxT(t), &pb.PutLinkRequest{Network: "default", Link: &pb.WanLink{SiteName: "a", Name: "inet", Color: "inet", Interface: "eth0"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(time.Second)
	for done := false; !done; {
		select {
		case c, ok := <-got:
			if !ok {
				t.Fatal("stream ended")
			}
			done = len(c.Links) == 1 && c.Links[0].Interface == "eth0"
		case <-deadline:
			t.Fatal("the change made through replica 1 did not reach the edge on replica 2 within 1 s")
		}
	}

	// A replica with its own data directory (a copy of the CA only) makes
	// its own first operator; both are recorded, and revoking the name
	// revokes both.
	cfg3 := baseConfig(tempDir(t))
	cfg3.Store = url
	for _, f := range []string{pki.CACertFile, pki.CAKeyFile} {
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, daemon.PKIDir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(cfg3.DataDir, daemon.PKIDir), 0o700)
		if err := os.WriteFile(filepath.Join(cfg3.DataDir, daemon.PKIDir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r3 := start(t, cfg3)
	ops, err := r3.admin().ListOperators(ctxT(t), &pb.ListOperatorsRequest{})
	if err != nil || len(ops.Certificates) != 2 {
		t.Fatalf("operators with two replicas' first operators: %v, %v", ops, err)
	}
	if rev, err := r3.admin().RevokeOperator(ctxT(t), &pb.RevokeOperatorRequest{Name: "admin"}); err != nil || len(rev.Certificates) != 2 {
		t.Fatalf("revoke admin: %v, %v", rev, err)
	}
	if _, err := r1.admin().ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err == nil {
		t.Fatal("replica 1's first operator still works after the revocation through replica 3")
	}
}
