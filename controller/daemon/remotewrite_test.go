package daemon_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/controller/remotewrite"
	"github.com/patronus-sdwan/patronus/controller/store/pgtest"
	"github.com/patronus-sdwan/patronus/internal/syncbuf"
)

// TestRemoteWritePrometheus: Debian's prometheus, started as a
// remote-write receiver behind TLS and basic authentication, receives
// the fleet series of a controller with three reporting edges: the
// latency, loss, bytes and online series of each site, with the
// external label, queried back through its HTTP API.
func TestRemoteWritePrometheus(t *testing.T) {
	prom := startPrometheus(t)
	r := start(t, func() daemon.Config {
		cfg := baseConfig(tempDir(t))
		cfg.RemoteWrite = remotewrite.Config{URL: prom.base + "/api/v1/write", Interval: "1s",
			BasicAuth: &remotewrite.BasicAuth{Username: "patronus", PasswordFile: prom.passwordFile},
			TLS:       remotewrite.TLSConfig{CAFile: prom.caFile}, ExternalLabels: map[string]string{"replica": "a"}}
		return cfg
	}())
	for i := 1; i <= 3; i++ {
		site := fmt.Sprintf("branch%d", i)
		report(t, r, site, float64(10*i), uint64(1000*i))
	}
	for i := 1; i <= 3; i++ {
		site := fmt.Sprintf("branch%d", i)
		sel := `{site="` + site + `",replica="a"}`
		for _, c := range []struct {
			query string
			want  float64
		}{
			{"patronus_controller_fleet_site_online" + sel, 1},
			{"patronus_controller_fleet_path_latency_seconds" + sel, float64(10*i) / 1000},
			{"patronus_controller_fleet_path_jitter_seconds" + sel, 0.0015},
			{"patronus_controller_fleet_path_loss_ratio" + sel, 0.02},
			{`patronus_controller_fleet_path_bytes_total{direction="rx",site="` + site + `"}`, float64(1000 * i)},
			{`patronus_controller_fleet_path_state{state="up",site="` + site + `"}`, 1},
		} {
			prom.waitValue(t, c.query, c.want)
		}
	}
}

// TestRemoteWriteConfig: the remote_write section of a configuration
// file loads, and a bad value is refused by name before anything starts.
func TestRemoteWriteConfig(t *testing.T) {
	dir := tempDir(t)
	file := filepath.Join(dir, "controller.yaml")
	os.WriteFile(file, []byte("remote_write:\n  url: https://mimir.example.net/api/v1/push\n  interval: 30s\n  external_labels: {replica: a}\n"), 0o600)
	cfg, err := daemon.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = dir
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil || cfg.RemoteWrite.Interval != "30s" || cfg.RemoteWrite.ExternalLabels["replica"] != "a" {
		t.Fatalf("loaded %+v: %v", cfg.RemoteWrite, err)
	}
	cfg.RemoteWrite.BearerTokenFile = filepath.Join(dir, "missing")
	if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "remote_write.bearer_token_file:") {
		t.Errorf("a missing token file: %v", err)
	}
}

// report sends one batch from site as an edge does: one path up with
// latency ms, 1.5 ms jitter, 2 % loss and rx bytes received.
func report(t *testing.T, r *running, site string, latency float64, rx uint64) {
	t.Helper()
	creds := r.enrol("default", site)
	stream, err := pb.NewEdgeControlClient(r.dial(creds.ClientTLSConfig("127.0.0.1"))).Report(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	boot := make([]byte, 16)
	rand.Read(boot)
	now := timestamppb.Now()
	path := site + "/inet->hub/inet"
	err = stream.Send(&pb.Telemetry{BootId: boot, Sequence: 1, SentAt: now,
		PathSamples: []*pb.PathSample{{PathId: path, MeasuredAt: now, State: pb.PathState_PATH_STATE_UP, BfdState: pb.BfdState_BFD_STATE_UP,
			MetricsValid: true, LatencyMs: latency, JitterMs: 1.5, LossPct: 2, Score: 95}},
		PathCounters: []*pb.PathCounters{{PathId: path, CountersSince: now, TxBytes: 1, RxBytes: rx}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatalf("ack: %v", err)
	}
}

// prometheus is a running Debian prometheus receiving remote writes.
type prometheus struct {
	base         string // https://127.0.0.1:PORT
	caFile       string // its certificate, self-signed
	passwordFile string // user patronus's password
	client       *http.Client
}

// startPrometheus runs prometheus --web.enable-remote-write-receiver on
// a free port of 127.0.0.1 with a temporary TSDB, TLS and basic
// authentication (--web.config.file), and waits until it is ready. Without
// prometheus installed the test skips, except in CI (pgtest.InCI).
func startPrometheus(t *testing.T) *prometheus {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if pgtest.InCI() {
			t.Fatal("prometheus is not installed (scripts/install-deps.sh installs Debian's prometheus)")
		}
		t.Skip("prometheus is not installed")
	}
	dir := t.TempDir()
	p := &prometheus{caFile: filepath.Join(dir, "cert.pem"), passwordFile: filepath.Join(dir, "password")}
	cert := selfSigned(t, dir)
	password := rand.Text()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	write("password", password+"\n")
	web := write("web.yml", fmt.Sprintf("tls_server_config: {cert_file: %s, key_file: %s}\nbasic_auth_users: {patronus: %q}\n",
		p.caFile, filepath.Join(dir, "key.pem"), hash))
	conf := write("prometheus.yml", "global: {scrape_interval: 1h}\n")
	port := freePort(t)
	p.base = "https://127.0.0.1:" + strconv.Itoa(port)
	out := &syncbuf.Buffer{}
	cmd := exec.Command(bin, "--config.file="+conf, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(port), "--web.enable-remote-write-receiver", "--web.config.file="+web)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	p.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(callTimeout)
	for {
		req, _ := http.NewRequest("GET", p.base+"/-/ready", nil)
		req.SetBasicAuth("patronus", password)
		resp, err := p.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after %v: %v\n%s", callTimeout, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The API needs the password too: keep it for queries.
	p.client.Transport = basicAuth{p.client.Transport, password}
	return p
}

type basicAuth struct {
	rt       http.RoundTripper
	password string
}

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth("patronus", b.password)
	return b.rt.RoundTrip(r)
}

// waitValue queries until the expression has exactly one series, of
// value want.
func (p *prometheus) waitValue(t *testing.T, query string, want float64) {
	t.Helper()
	deadline := time.Now().Add(callTimeout)
	var last string
	for {
		got, ok, desc := p.query(t, query)
		if ok && got == want {
			return
		}
		last = desc
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s after %v, want one series of %v", query, last, callTimeout, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (p *prometheus) query(t *testing.T, query string) (float64, bool, string) {
	t.Helper()
	resp, err := p.client.Get(p.base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return 0, false, err.Error()
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, false, err.Error()
	}
	if len(body.Data.Result) != 1 {
		return 0, false, fmt.Sprintf("%d series: %+v", len(body.Data.Result), body.Data.Result)
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil, fmt.Sprintf("value %q", s)
}

// selfSigned writes cert.pem and key.pem for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "prometheus"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
