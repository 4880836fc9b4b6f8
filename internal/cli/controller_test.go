package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// These tests run 'patronus controller' as a real process (this test
// binary re-executed, running Main) and 'patronus ctl' through Main, over
// real sockets and mutual TLS.

const (
	ctlHelperEnv  = "PATRONUS_TEST_CONTROLLER_ARGS"
	ctlStartLimit = 30 * time.Second
)

// TestControllerHelperProcess is the controller child; it does nothing in
// a normal run.
func TestControllerHelperProcess(t *testing.T) {
	args := os.Getenv(ctlHelperEnv)
	if args == "" {
		t.Skip("helper process only")
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatal(err)
	}
	os.Exit(Main(argv, os.Stdout, os.Stderr))
}

// controllerProc is a running controller child.
type controllerProc struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	out    strings.Builder // stdout and stderr
	exited chan error
}

func (p *controllerProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startController runs 'patronus controller ARGS…' and waits until it
// serves.
func startController(t *testing.T, args ...string) *controllerProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestControllerHelperProcess$")
	argv, _ := json.Marshal(append([]string{"controller"}, args...))
	cmd.Env = append(os.Environ(), ctlHelperEnv+"="+string(argv))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &controllerProc{cmd: cmd, exited: make(chan error, 1)}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.out.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			if a, ok := strings.CutPrefix(line, daemon.ServingMessage); ok {
				serving <- a
			}
		}
		io.Copy(io.Discard, stdout)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-serving:
		return p
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("controller exited before serving: %v\n%s", err, p.output())
	case <-time.After(ctlStartLimit):
		t.Fatalf("controller not serving after %v\n%s", ctlStartLimit, p.output())
	}
	return nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// ctl runs 'patronus ctl' against p with the data directory's operator
// credentials.
func (p *controllerProc) ctl(t *testing.T, dataDir string, args ...string) (string, string, int) {
	t.Helper()
	full := append([]string{"ctl", "--controller", p.addr, "--credentials", filepath.Join(dataDir, "admin")}, args...)
	return run(full...)
}

func (p *controllerProc) mustCtl(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	out, errOut, code := p.ctl(t, dataDir, args...)
	if code != 0 {
		t.Fatalf("ctl %v: exit %d: %s", args, code, errOut)
	}
	return out
}

func ctlTestDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctl-cli-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// enrolEdge enrols a site with a token over the pinned handshake, as an
// edge does, and returns its certificate's site id.
func enrolEdge(t *testing.T, addr, token, site string) uint32 {
	id, _ := enrolEdgeCreds(t, addr, token, site)
	return id
}

// enrolEdgeCreds is enrolEdge that also returns the edge's credentials.
func enrolEdgeCreds(t *testing.T, addr, token, site string) (uint32, *pki.Credentials) {
	t.Helper()
	conf, err := pki.EnrolTLSConfig(token, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(conf)))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	key, _ := pki.NewEdgeKey()
	csr, _ := pki.CreateCSR(key)
	wg := make([]byte, 32)
	rand.Read(wg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := pb.NewEnrollmentClient(cc).Enroll(ctx, &pb.EnrollRequest{JoinToken: token, SiteName: site, CsrDer: csr, WireguardPublicKey: wg})
	if err != nil {
		t.Fatalf("enrol %s: %v", site, err)
	}
	leaf, err := x509.ParseCertificate(resp.ClientCertChainDer[0])
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(resp.CaCertDer)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ctlTestDir(t), "identity")
	if err := pki.SaveIdentity(dir, key, []*x509.Certificate{leaf}, caCert); err != nil {
		t.Fatal(err)
	}
	creds, err := pki.LoadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	return resp.SiteId, creds
}

// TestControllerFirstStartAndCtl: the first start creates the CA and the
// operator credentials and says where, printing no key; ctl drives every
// resource with --json; SIGTERM ends the controller cleanly; a restart
// keeps the CA and does not make new credentials.
func TestControllerFirstStartAndCtl(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	out := p.output()
	for _, want := range []string{
		"created the CA: certificate " + filepath.Join(dir, "pki", "ca.crt"),
		"created operator credentials for \"admin\" in " + filepath.Join(dir, "admin"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first start output lacks %q:\n%s", want, out)
		}
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}

	var tok struct {
		Token string `json:"token"`
		Info  struct {
			ID       string `json:"id"`
			SiteName string `json:"site_name"`
		} `json:"info"`
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "tokens", "create", "--site", "b1", "--ttl", "1h", "--json")), &tok); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Token, pki.TokenPrefix) || tok.Info.SiteName != "b1" || len(tok.Info.ID) != 16 {
		t.Fatalf("token %+v", tok)
	}
	id := enrolEdge(t, p.addr, tok.Token, "b1")
	list := p.mustCtl(t, dir, "tokens", "list")
	if !strings.Contains(list, tok.Info.ID) || strings.Contains(list, tok.Token) {
		t.Fatalf("tokens list: %s", list)
	}
	var sites struct {
		Sites []struct {
			Site struct {
				Name string
				ID   uint32 `json:"id"`
			} `json:"site"`
			State string `json:"state"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "sites", "list", "--json")), &sites); err != nil {
		t.Fatal(err)
	}
	if len(sites.Sites) != 1 || sites.Sites[0].Site.Name != "b1" || sites.Sites[0].Site.ID != id || sites.Sites[0].State != "SITE_STATE_ENROLLED" {
		t.Fatalf("sites list: %+v", sites)
	}
	p.mustCtl(t, dir, "links", "set", "--site", "b1", "--name", "inet", "--color", "inet", "--endpoint", "198.51.100.1:51820", "--bandwidth-bps", "50000000",
		"--interface", "wan0", "--local-address", "198.51.100.1", "--listen-port", "51820")
	if out := p.mustCtl(t, dir, "links", "list"); !strings.Contains(out, "198.51.100.1:51820") || !strings.Contains(out, "50000000") || !strings.Contains(out, "wan0") {
		t.Fatalf("links list: %s", out)
	}
	p.mustCtl(t, dir, "prefixes", "add", "--site", "b1", "10.1.0.0/16")
	if out := p.mustCtl(t, dir, "prefixes", "list", "--json"); !strings.Contains(out, `"10.1.0.0/16"`) {
		t.Fatalf("prefixes list: %s", out)
	}
	if out := p.mustCtl(t, dir, "networks"); !strings.Contains(out, "default") || !strings.Contains(out, "full-mesh") {
		t.Fatalf("networks: %s", out)
	}
	if out := p.mustCtl(t, dir, "networks", "--json"); !strings.Contains(out, `"TOPOLOGY_FULL_MESH"`) {
		t.Fatalf("networks --json: %s", out)
	}
	if out := p.mustCtl(t, dir, "paths", "--json"); !strings.Contains(out, `"paths"`) {
		t.Fatalf("paths: %s", out)
	}
	pol := filepath.Join(dir, "policies.yaml")
	os.WriteFile(pol, []byte(`sla_classes:
  - {name: gold, max_latency: 50ms, max_loss_pct: 1}
applications:
  - name: erp
    class: gold
    match: {cidrs: [192.0.2.0/24], ports: ["443"], protocols: [tcp]}
policies:
  - name: erp-dup
    match: {applications: [erp]}
    sla_class: gold
    colors: [mpls]
    mode: duplicate
    compression: false
quality_model: {degraded_below_score: 60, recover_at_score: 70}
`), 0o600)
	p.mustCtl(t, dir, "policies", "set", pol)
	got := p.mustCtl(t, dir, "policies", "get")
	for _, want := range []string{"name: erp-dup", "mode: duplicate", "compression: false", "max_latency: 50ms", "- erp",
		"degraded_below_score: 60", "recover_at_score: 70"} {
		if !strings.Contains(got, want) {
			t.Fatalf("policies get lacks %q:\n%s", want, got)
		}
	}
	// What get prints, set takes back.
	os.WriteFile(pol, []byte(got), 0o600)
	p.mustCtl(t, dir, "policies", "set", pol)

	// Operator certificates per person: issued into a directory, usable,
	// listed with the first operator's, revoked.
	carol := filepath.Join(dir, "carol")
	if out := p.mustCtl(t, dir, "operators", "issue", "carol", "--out", carol); !strings.Contains(out, "operator carol: certificate serial") {
		t.Fatalf("operators issue: %s", out)
	}
	if _, errOut, code := p.ctl(t, dir, "operators", "issue", "dave", "--out", carol); code == 0 || !strings.Contains(errOut, "--out: "+carol+" already holds credentials") {
		t.Fatalf("issue into a directory with credentials: exit %d, %s", code, errOut)
	}
	if _, errOut, code := p.ctl(t, dir, "operators", "issue", "carol", "--out", filepath.Join(dir, "carol2")); code == 0 || !strings.Contains(errOut, "AlreadyExists") {
		t.Fatalf("a second certificate for carol: exit %d, %s", code, errOut)
	}
	asCarol := func() (string, string, int) {
		return run("ctl", "--controller", p.addr, "--credentials", carol, "sites", "list")
	}
	if out, errOut, code := asCarol(); code != 0 || !strings.Contains(out, "b1") {
		t.Fatalf("ctl as carol: exit %d, %s %s", code, out, errOut)
	}
	ops := p.mustCtl(t, dir, "operators", "list")
	if !strings.Contains(ops, "carol") || !strings.Contains(ops, "admin") {
		t.Fatalf("operators list: %s", ops)
	}
	if out := p.mustCtl(t, dir, "operators", "revoke", "carol", "--reason", "left"); !strings.Contains(out, "revoked by spiffe://patronus/admin/admin: left") {
		t.Fatalf("operators revoke: %s", out)
	}
	if _, _, code := asCarol(); code == 0 {
		t.Fatal("ctl with carol's revoked certificate succeeded")
	}

	p.mustCtl(t, dir, "sites", "revoke", "b1", "--reason", "test")
	if out := p.mustCtl(t, dir, "sites", "show", "b1"); !strings.Contains(out, "revoked") {
		t.Fatalf("sites show after revoke: %s", out)
	}
	ev := p.mustCtl(t, dir, "events", "--json")
	if !strings.Contains(ev, `"enrolled"`) || !strings.Contains(ev, `"revoked"`) {
		t.Fatalf("events: %s", ev)
	}

	// Nothing secret was printed.
	for _, f := range []string{"pki/ca.key", "pki/server.key", "admin/identity.key"} {
		key, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		body := strings.Join(strings.Split(string(key), "\n")[1:3], "")
		if strings.Contains(p.output(), body[:24]) {
			t.Fatalf("the controller printed %s", f)
		}
	}
	if strings.Contains(p.output(), "PRIVATE KEY") || strings.Contains(p.output(), tok.Token) {
		t.Fatal("the controller printed a key or a token")
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.output())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("controller still running 10 s after SIGTERM")
	}

	// Flags override the file: its listen is replaced, its http_listen kept.
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("listen: nonsense\nhttp_listen: 127.0.0.1:0\n"), 0o600)
	p2 := startController(t, "--config", cfg, "--data-dir", dir, "--listen", "127.0.0.1:0")
	// The warning comes on stderr, a pipe of its own: wait for it.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p2.output(), "serving plain HTTP without TLS") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(p2.output(), daemon.ServingHTTPMessage+"127.0.0.1:") || !strings.Contains(p2.output(), "serving plain HTTP without TLS") {
		t.Fatalf("http_listen from the file: no plain HTTP listener or no warning:\n%s", p2.output())
	}
	if strings.Contains(p2.output(), "created") {
		t.Fatalf("second start created credentials again:\n%s", p2.output())
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "pki", "ca.crt")); string(again) != string(caPEM) {
		t.Fatal("the CA changed across a restart")
	}
	if out := p2.mustCtl(t, dir, "sites", "list"); !strings.Contains(out, "b1") {
		t.Fatalf("sites after restart: %s", out)
	}
}

// TestCtlErrorsNameTheFlag: bad input is refused with the flag or field.
func TestCtlErrorsNameTheFlag(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tokens", "create"}, "--site: required"},
		{[]string{"tokens", "create", "--site", "x", "--ttl", "1s"}, "--ttl: 1s is not between"},
		{[]string{"tokens", "revoke", "zz"}, "id"},
		{[]string{"links", "set", "--site", "x", "--name", "a"}, "--color: required"},
		{[]string{"prefixes", "add", "--site", "x", "10.0.0.1/8"}, "prefix.prefix: 10.0.0.1/8 has host bits set"},
		{[]string{"sites", "show", "nope"}, `NotFound: store: site: not found: site "nope"`},
		{[]string{"--network", "nope", "sites", "list"}, `network "nope" does not exist`},
	} {
		_, errOut, code := p.ctl(t, dir, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("ctl %v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	bad := filepath.Join(dir, "bad.yaml")
	for _, tc := range []struct{ yaml, want string }{
		{"policies:\n  - {name: x, sla_class: nope}\n", `policies[0].sla_class: no SLA class "nope"`},
		{"policies:\n  - {name: x, sla_class: voice, mode: fastest}\n", `policies[0].mode: "fastest"`},
		{"sla_classes:\n  - {name: g, max_latency: soon}\n", "sla_classes[0].max_latency"},
		{"polices: []\n", "field polices not found"},
		{"quality_model: {recover_at_score: 200}\nsteering: {damping: x}\n", "steering.damping: \"x\" is not a positive duration (e.g. 3s)\nquality_model.recover_at_score"},
	} {
		os.WriteFile(bad, []byte(tc.yaml), 0o600)
		_, errOut, code := p.ctl(t, dir, "policies", "set", bad)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("policies set %q: exit %d, stderr %q, want %q", tc.yaml, code, errOut, tc.want)
		}
	}
	_, errOut, code := run("ctl", "--controller", p.addr, "--credentials", filepath.Join(dir, "nope"), "sites", "list")
	if code == 0 || !strings.Contains(errOut, "--credentials") {
		t.Errorf("missing credentials: %q", errOut)
	}
	_, errOut, code = run("ctl", "--controller", "nohostport", "--credentials", filepath.Join(dir, "admin"), "sites", "list")
	if code == 0 || !strings.Contains(errOut, "--controller") {
		t.Errorf("bad --controller: %q", errOut)
	}
	// Credentials of another controller's CA are refused.
	other := ctlTestDir(t)
	ca, _, err := pki.LoadOrCreate(filepath.Join(other, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := ca.IssueAdmin("admin", time.Hour)
	creds.Save(filepath.Join(other, "admin"))
	_, _, code = run("ctl", "--controller", p.addr, "--credentials", filepath.Join(other, "admin"), "--timeout", "3s", "sites", "list")
	if code == 0 {
		t.Error("ctl with another CA's credentials succeeded")
	}
	// The controller's own flags and file.
	cfg := filepath.Join(dir, "c.yaml")
	for _, tc := range []struct{ yaml, want string }{
		{"networks:\n  - {name: corp, topology: star}\n", `networks[0].topology: "star"`},
		{"networks:\n  - {name: corp, topology: full-mesh, hubs: [hq]}\n", "networks[0].hubs: only for a hub-and-spoke network"},
		{"listen: 8443\n", "--listen / listen"},
		{"stor: sqlite\n", "field stor not found"},
		{"store: mysql://x\n", "--store / store"},
		{"http_listen: 8080\n", "--http-listen / http_listen"},
	} {
		os.WriteFile(cfg, []byte(tc.yaml), 0o600)
		_, errOut, code := run("controller", "--config", cfg, "--data-dir", filepath.Join(dir, "unused"))
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("controller config %q: exit %d, stderr %q, want %q", tc.yaml, code, errOut, tc.want)
		}
	}
}

// TestControllerKill9LosesNoAck: a controller killed with SIGKILL while an
// operator writes as fast as it can loses none of the writes it
// acknowledged; the restarted controller serves them.
func TestControllerKill9LosesNoAck(t *testing.T) {
	dir := ctlTestDir(t)
	cfg := filepath.Join(dir, "controller.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\nlisten: 127.0.0.1:0\nnetworks:\n  - {name: corp, topology: hub-and-spoke, hubs: [hq]}\n", dir)), 0o600)
	p := startController(t, "--config", cfg)
	var tok struct {
		Token string `json:"token"`
	}
	json.Unmarshal([]byte(p.mustCtl(t, dir, "--network", "corp", "tokens", "create", "--site", "hq", "--json")), &tok)
	_, edgeCreds := enrolEdgeCreds(t, p.addr, tok.Token, "hq")
	if out := p.mustCtl(t, dir, "--network", "corp", "sites", "list"); !strings.Contains(out, "hub") {
		t.Fatalf("hq is not a hub: %s", out)
	}
	// The edge streams telemetry meanwhile; each batch carries one event.
	telemetryAcked := make(chan uint64, 1)
	go streamUntilCut(p.addr, edgeCreds, telemetryAcked)

	creds, err := pki.LoadIdentity(filepath.Join(dir, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	cc, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig("127.0.0.1"))))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	admin := pb.NewAdminClient(cc)
	const killAfter = 60
	var acked []string
	killed := false
	for i := 0; ; i++ {
		name := fmt.Sprintf("l%d", i)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := admin.PutLink(ctx, &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{SiteName: "hq", Name: name, Color: "inet"}})
		cancel()
		if err != nil {
			if !killed {
				t.Fatalf("write %d failed before the kill: %v", i, err)
			}
			break
		}
		acked = append(acked, name)
		if len(acked) == killAfter {
			// Kill from another goroutine so that writes are in flight.
			killed = true
			go p.cmd.Process.Signal(syscall.SIGKILL)
		}
		if i > 10*killAfter {
			t.Fatal("writes still succeed long after the kill")
		}
	}
	<-p.exited
	p.exited <- nil
	t.Logf("%d writes acknowledged before the kill", len(acked))

	p2 := startController(t, "--config", cfg)
	var links struct {
		Links []struct {
			Name string `json:"name"`
		} `json:"links"`
	}
	if err := json.Unmarshal([]byte(p2.mustCtl(t, dir, "--network", "corp", "links", "list", "--site", "hq", "--json")), &links); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, l := range links.Links {
		have[l.Name] = true
	}
	for _, name := range acked {
		if !have[name] {
			t.Fatalf("acknowledged link %s lost after kill -9 (have %d links, %d acked)", name, len(have), len(acked))
		}
	}
	if len(have) > len(acked)+1 {
		t.Fatalf("%d links stored, %d acknowledged: more than the one in flight", len(have), len(acked))
	}
	lastAck := <-telemetryAcked
	var evs struct {
		Events []struct {
			Kind   string `json:"kind"`
			Reason string `json:"reason"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(p2.mustCtl(t, dir, "--network", "corp", "events", "--site", "hq", "--limit", "1000", "--json")), &evs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs.Events {
		if e.Kind == "path_state" {
			seen[e.Reason] = true
		}
	}
	for i := uint64(1); i <= lastAck; i++ {
		if !seen[fmt.Sprint("batch ", i)] {
			t.Fatalf("acknowledged telemetry batch %d lost after kill -9 (%d acked)", i, lastAck)
		}
	}
	if lastAck == 0 || lastAck > 900 {
		t.Fatalf("%d telemetry batches acknowledged: the test needs between 1 and 900", lastAck)
	}
	t.Logf("%d telemetry batches acknowledged before the kill, all stored", lastAck)
}

// streamUntilCut sends telemetry batches, one event each, waiting for
// each ack, until the stream breaks; it reports the last sequence acked.
func streamUntilCut(addr string, creds *pki.Credentials, lastAck chan<- uint64) {
	var acked uint64
	defer func() { lastAck <- acked }()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig("127.0.0.1"))))
	if err != nil {
		return
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := pb.NewEdgeControlClient(cc).Report(ctx)
	if err != nil {
		return
	}
	for seq := uint64(1); seq <= 900; seq++ {
		err := r.Send(&pb.Telemetry{BootId: []byte("boot-hq"), Sequence: seq, SteeringEvents: []*pb.SteeringEvent{{
			At: timestamppb.Now(), Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_PATH_STATE, Reason: fmt.Sprint("batch ", seq)}}})
		if err != nil {
			return
		}
		ack, err := r.Recv()
		if err != nil {
			return
		}
		acked = ack.AckedSequence
		time.Sleep(2 * time.Millisecond)
	}
}

// TestStoreURLRedacted: a PostgreSQL password in --store never reaches a
// message (controller/daemon tests the functions that remove it).
func TestStoreURLRedacted(t *testing.T) {
	_, errOut, code := run("controller", "--data-dir", ctlTestDir(t), "--listen", "127.0.0.1:0",
		"--store", "postgres://patronus:s3cret-pw@127.0.0.1:1/patronus?connect_timeout=2")
	if code == 0 || strings.Contains(errOut, "s3cret-pw") || !strings.Contains(errOut, "--store") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// TestCtlPins: ctl pins set, list and delete against a running
// controller, and their refusals, each naming the flag or field.
func TestCtlPins(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	for _, site := range []string{"b1", "b2"} {
		var tok struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "tokens", "create", "--site", site, "--json")), &tok); err != nil {
			t.Fatal(err)
		}
		enrolEdge(t, p.addr, tok.Token, site)
		for _, l := range []string{"inet", "lte"} {
			p.mustCtl(t, dir, "links", "set", "--site", site, "--name", l, "--color", l)
		}
	}
	var pin struct {
		ID        string `json:"id"` // int64: a JSON string
		PathID    string `json:"path_id"`
		CreatedBy string `json:"created_by"`
		ExpiresAt string `json:"expires_at"`
	}
	out := p.mustCtl(t, dir, "pins", "set", "--site", "b1", "--proto", "tcp", "--dst", "10.2.0.0/24", "--dport", "443",
		"--path", "b2/lte->b1/inet", "--ttl", "1h", "--json")
	if err := json.Unmarshal([]byte(out), &pin); err != nil {
		t.Fatal(err)
	}
	if pin.ID == "" || pin.PathID != "b1/inet->b2/lte" || !strings.HasSuffix(pin.CreatedBy, "/admin/admin") || pin.ExpiresAt == "" {
		t.Fatalf("pins set: %s", out)
	}
	list := p.mustCtl(t, dir, "pins", "list", "--site", "b1")
	for _, want := range []string{pin.ID, "b1", "tcp dst 10.2.0.0/24 dst port 443", "b1/inet->b2/lte"} {
		if !strings.Contains(list, want) {
			t.Fatalf("pins list lacks %q:\n%s", want, list)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pins", "set", "--path", "b1/inet->b2/lte"}, "--site: required"},
		{[]string{"pins", "set", "--site", "b1"}, "--path: required"},
		{[]string{"pins", "set", "--site", "b1", "--path", "b1/inet->b2/mpls"}, `pin.path: invalid: "b1/inet->b2/mpls": site "b2" of network "default" has no link "mpls"`},
		{[]string{"pins", "set", "--site", "b1", "--path", "b1/inet->b2/lte", "--dport", "53"}, "pin.match.protocol"},
		{[]string{"pins", "set", "--site", "b1", "--path", "b1/inet->b2/lte", "--proto", "gre"}, "--proto"},
		{[]string{"pins", "set", "--site", "b1", "--path", "b1/inet->b2/lte", "--ttl", "-1s"}, "--ttl"},
		{[]string{"pins", "delete", "x"}, "ID"},
		{[]string{"pins", "delete", "999"}, "NotFound"},
	} {
		_, errOut, code := p.ctl(t, dir, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("ctl %v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	p.mustCtl(t, dir, "pins", "delete", pin.ID)
	if list := p.mustCtl(t, dir, "pins", "list", "--json"); strings.Contains(list, "b1/inet") {
		t.Fatalf("pins list after delete: %s", list)
	}
}
