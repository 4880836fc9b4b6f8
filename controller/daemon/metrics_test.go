package daemon_test

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/metrics/metricstest"
)

// apiUser makes the first admin with the setup token the start printed,
// signs in, and makes a viewer API key: it returns the access token and
// the key.
func (r *running) apiUser() (token, key string) {
	t := r.t
	t.Helper()
	m := regexp.MustCompile(`setup token (pst_\S+)`).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("no setup token:\n%s", r.out.String())
	}
	base := "https://" + r.addr()
	post := func(path, bearer, body string, into any) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, b := do(t, r.httpsClient(false), req)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		if into != nil {
			if err := json.Unmarshal([]byte(b), into); err != nil {
				t.Fatalf("POST %s: %v: %s", path, err, b)
			}
		}
	}
	post("/api/v1/auth/setup", "", `{"setup_token":"`+m[1]+`","username":"alice","password":"correct horse battery"}`, nil)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	post("/api/v1/auth/login", "", `{"username":"alice","password":"correct horse battery"}`, &tok)
	var k struct {
		Key string `json:"key"`
	}
	post("/api/v1/api-keys", tok.AccessToken, `{"name":"prometheus","role":"viewer"}`, &k)
	if tok.AccessToken == "" || k.Key == "" {
		t.Fatalf("no token (%q) or key (%q)", tok.AccessToken, k.Key)
	}
	return tok.AccessToken, k.Key
}

// scrapeAs GETs path with a bearer credential (none when empty).
func (r *running) getAs(path, bearer string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", "https://"+r.addr()+path, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return do(r.t, r.httpsClient(true), req)
}

// TestMetricsAuth: /metrics needs a user's token or an API key (401 with
// WWW-Authenticate without, or with a bad one); the health endpoints need
// nothing and say only ok.
func TestMetricsAuth(t *testing.T) {
	r := start(t, baseConfig(tempDir(t)))
	token, key := r.apiUser()
	for _, c := range []struct {
		name, bearer string
		want         int
	}{{"none", "", 401}, {"bad", "not-a-token", 401}, {"access token", token, 200}, {"API key", key, 200}} {
		resp, body := r.getAs("/metrics", c.bearer)
		if resp.StatusCode != c.want {
			t.Errorf("/metrics with %s: %d, want %d: %.200s", c.name, resp.StatusCode, c.want, body)
		}
		if c.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("/metrics with %s: no WWW-Authenticate", c.name)
		}
		if c.want == 200 && !strings.Contains(body, "# TYPE patronus_controller_store_call_errors_total counter") {
			t.Errorf("/metrics with %s: no controller metrics:\n%.500s", c.name, body)
		}
	}
	for _, p := range []string{"/health/live", "/health/ready"} {
		if resp, body := r.getAs(p, ""); resp.StatusCode != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
}

// TestMetricsPublic: with api.metrics_public, /metrics is served without
// credentials; a bad credential is still refused.
func TestMetricsPublic(t *testing.T) {
	cfg := baseConfig(tempDir(t))
	cfg.API.MetricsPublic = true
	r := start(t, cfg)
	if resp, body := r.getAs("/metrics", ""); resp.StatusCode != 200 || !strings.Contains(body, "patronus_controller_") {
		t.Errorf("public /metrics: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := r.getAs("/metrics", "not-a-token"); resp.StatusCode != 401 {
		t.Errorf("public /metrics with a bad token: %d, want 401", resp.StatusCode)
	}
}

// TestMetricsFleet: a site's telemetry, sent on its Report stream as an
// edge sends it, shows in /metrics with the site's name; the API's own
// requests are counted by route template; a revoked site's series go.
func TestMetricsFleet(t *testing.T) {
	r := start(t, baseConfig(tempDir(t)))
	_, key := r.apiUser()
	creds := r.enrol("default", "branch1")
	edge := pb.NewEdgeControlClient(r.dial(creds.ClientTLSConfig("127.0.0.1")))
	stream, err := edge.Report(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	boot := make([]byte, 16)
	rand.Read(boot)
	now := timestamppb.Now()
	up, down := "branch1/inet->hub/inet", "branch1/lte->hub/inet"
	err = stream.Send(&pb.Telemetry{BootId: boot, Sequence: 1, SentAt: now,
		PathSamples: []*pb.PathSample{
			{PathId: up, MeasuredAt: now, State: pb.PathState_PATH_STATE_UP, BfdState: pb.BfdState_BFD_STATE_UP,
				MetricsValid: true, LatencyMs: 12.5, JitterMs: 1.5, LossPct: 2, Score: 95},
			{PathId: down, MeasuredAt: now, State: pb.PathState_PATH_STATE_DOWN, BfdState: pb.BfdState_BFD_STATE_DOWN},
		},
		PathCounters: []*pb.PathCounters{{PathId: up, CountersSince: now, TxBytes: 1000, RxBytes: 2000}},
		SteeringEvents: []*pb.SteeringEvent{{At: now, Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION,
			Reason: "path down", FlowsMoved: 3, FromPathIds: []string{down}, ToPathIds: []string{up}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatalf("ack: %v", err)
	}
	r.getAs("/api/v1/networks/default/sites/branch1", key)
	enrolment := pb.NewEnrollmentClient(r.dial(&tls.Config{RootCAs: r.caPool(), ServerName: "127.0.0.1"}))
	if _, err := enrolment.Enroll(ctxT(t), &pb.EnrollRequest{JoinToken: "not-a-token"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("enrol with a bad token: %v", err)
	}
	inet := metricstest.L("network", "default", "site", "branch1", "path", up, "peer_site", "hub", "local_link", "inet", "remote_link", "inet")
	s := r.scrapeUntil(key, "patronus_controller_fleet_path_failovers_total", metricstest.L("path", down))
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"patronus_controller_fleet_site_online", metricstest.L("network", "default", "site", "branch1"), 1},
		{"patronus_controller_fleet_path_latency_seconds", inet, 0.0125},
		{"patronus_controller_fleet_path_loss_ratio", inet, 0.02},
		{"patronus_controller_fleet_path_bfd_up", inet, 1},
		{"patronus_controller_fleet_path_bytes_total", with(inet, "direction", "rx"), 2000},
		{"patronus_controller_fleet_path_state", metricstest.L("path", down, "state", "down"), 1},
		{"patronus_controller_fleet_path_failovers_total", metricstest.L("path", down), 1},
		{"patronus_controller_grpc_streams_open", metricstest.L("method", "Report"), 1},
		{"patronus_controller_enrolments_total", metricstest.L("result", "accepted"), 1},
		{"patronus_controller_enrolments_total", metricstest.L("result", "refused", "reason", "bad_token"), 1},
		{"patronus_controller_api_requests_total", metricstest.L("method", "GET", "route", "/api/v1/networks/{network}/sites/{site}", "code", "200"), 1},
		{"patronus_controller_api_requests_total", metricstest.L("method", "POST", "route", "/api/v1/api-keys", "code", "201"), 1},
	} {
		if v, ok := s.Find(c.name, c.labels); !ok || v != c.want {
			t.Errorf("%s%v = %v (found %v), want %v; have:\n%s", c.name, c.labels, v, ok, c.want, s.String(c.name))
		}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"patronus_controller_fleet_site_last_seen_timestamp_seconds", metricstest.L("site", "branch1")},
		{"patronus_controller_certificate_expiry_timestamp_seconds", metricstest.L("kind", "edge", "site", "branch1")},
		{"patronus_controller_certificate_expiry_timestamp_seconds", metricstest.L("kind", "ca")},
		{"patronus_controller_certificate_expiry_timestamp_seconds", metricstest.L("kind", "server")},
		{"patronus_controller_store_call_duration_seconds", metricstest.L("op", "record_telemetry")},
		{"patronus_controller_telemetry_ingest_group_batches", nil},
	} {
		if v, ok := s.Find(c.name, c.labels); !ok || v <= 0 {
			t.Errorf("%s%v = %v (found %v), want > 0", c.name, c.labels, v, ok)
		}
	}
	if n := s.Count("patronus_controller_api_requests_total", metricstest.L("route", "/api/v1/networks/default/sites/branch1")); n != 0 {
		t.Error("a raw path as a route label")
	}
	if _, err := r.admin().RevokeSite(ctxT(t), &pb.RevokeSiteRequest{Network: "default", SiteName: "branch1"}); err != nil {
		t.Fatal(err)
	}
	_, body := r.getAs("/metrics", key)
	s, err = metricstest.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range s.Names() {
		if strings.HasPrefix(name, "patronus_controller_fleet_") && s.Count(name, metricstest.L("site", "branch1")) != 0 {
			t.Errorf("%s: series of the revoked site", name)
		}
	}
}

func with(l map[string]string, kv ...string) map[string]string {
	out := metricstest.L(kv...)
	for k, v := range l {
		out[k] = v
	}
	return out
}

// scrapeUntil scrapes /metrics until a sample of name with labels shows
// (the fleet learns from the live events, a moment after the ack).
func (r *running) scrapeUntil(bearer, name string, labels map[string]string) metricstest.Scrape {
	t := r.t
	t.Helper()
	deadline := time.Now().Add(callTimeout)
	for {
		resp, body := r.getAs("/metrics", bearer)
		if resp.StatusCode != 200 {
			t.Fatalf("/metrics: %d %.300s", resp.StatusCode, body)
		}
		s, err := metricstest.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if s.Count(name, labels) > 0 {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s%v after %v:\n%s", name, labels, callTimeout, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
