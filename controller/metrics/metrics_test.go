package metrics_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/metrics"
	mt "github.com/patronus-sdwan/patronus/controller/metrics/metricstest"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// fakeSites is the store's list of networks and sites.
type fakeSites struct {
	mu    sync.Mutex
	sites map[string][]store.Site // by network
	err   error
}

func (f *fakeSites) Networks(context.Context) ([]store.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Network
	for n := range f.sites {
		out = append(out, store.Network{Name: n})
	}
	return out, f.err
}

func (f *fakeSites) Sites(_ context.Context, network string) ([]store.Site, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sites[network], f.err
}

func (f *fakeSites) set(network string, sites ...store.Site) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sites[network] = sites
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func scrape(t *testing.T, h http.Handler) mt.Scrape {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %s", resp.Status)
	}
	s, err := mt.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// fixture: network "corp" with sites a and b; a reports two paths to b.
func fixture(t *testing.T) (*metrics.Metrics, *fakeSites, *clock) {
	sites := &fakeSites{sites: map[string][]store.Site{}}
	sites.set("corp", store.Site{Name: "a", State: store.Enrolled, LastSeen: t0.Add(-time.Second)},
		store.Site{Name: "b", State: store.Enrolled}, store.Site{Name: "old", State: store.Revoked})
	clk := &clock{t: t0}
	ca := &x509.Certificate{NotAfter: t0.Add(3650 * 24 * time.Hour)}
	srvCert := &x509.Certificate{NotAfter: t0.Add(90 * 24 * time.Hour)}
	m := metrics.New(metrics.Config{Sites: sites, Now: clk.Now, Certificates: func() []metrics.Certificate {
		return []metrics.Certificate{{Kind: "ca", Cert: ca}, {Kind: "server", Cert: srvCert}}
	}})
	f := m.Fleet()
	f.Observe(&events.Event{Kind: events.KindSite, Network: "corp", Site: "a", At: t0, SiteState: &events.SiteChange{Online: true}})
	f.Observe(&events.Event{Kind: events.KindPath, Network: "corp", Site: "a", At: t0, Path: &events.PathChange{
		PathID: "a/inet->b/inet", State: events.PathUp, BFDState: "UP", MetricsValid: true, LatencyMs: 12.5, JitterMs: 1.5,
		LossPct: 2, Score: 95, Counters: true, TxBytes: 1000, RxBytes: 2000}})
	f.Observe(&events.Event{Kind: events.KindPath, Network: "corp", Site: "a", At: t0, Path: &events.PathChange{
		PathID: "a/lte->b/inet", State: events.PathDown, BFDState: "DOWN"}})
	// An older report of the first path arriving late changes nothing.
	f.Observe(&events.Event{Kind: events.KindPath, Network: "corp", Site: "a", At: t0.Add(-time.Second), Path: &events.PathChange{
		PathID: "a/inet->b/inet", State: events.PathDown}})
	f.Observe(&events.Event{Kind: events.KindSteering, Network: "corp", Site: "a", At: t0, Steering: &events.Steering{
		Kind: "decision", Reason: "path down", FlowsMoved: 3, From: []string{"a/lte->b/inet"}, To: []string{"a/inet->b/inet"}}})
	f.Observe(&events.Event{Kind: events.KindSteering, Network: "corp", Site: "a", At: t0, Steering: &events.Steering{
		Kind: "decision", Reason: "sla", FlowsMoved: 1, From: []string{"a/inet->b/inet"}}})
	// A failover off a path never reported makes no series.
	f.Observe(&events.Event{Kind: events.KindSteering, Network: "corp", Site: "a", At: t0, Steering: &events.Steering{
		Kind: "decision", Reason: "path down", FlowsMoved: 1, From: []string{"a/x->b/y", "junk"}}})
	m.EdgeCertificate("corp", "a", t0.Add(365*24*time.Hour))
	return m, sites, clk
}

// TestFleet: the fleet's series, with their names, labels and values,
// from known reports, scraped over HTTP.
func TestFleet(t *testing.T) {
	m, _, _ := fixture(t)
	s := scrape(t, m.Handler())
	inet := mt.L("network", "corp", "site", "a", "path", "a/inet->b/inet", "peer_site", "b", "local_link", "inet", "remote_link", "inet")
	lte := mt.L("network", "corp", "site", "a", "path", "a/lte->b/inet", "peer_site", "b", "local_link", "lte", "remote_link", "inet")
	with := func(l map[string]string, kv ...string) map[string]string {
		out := mt.L(kv...)
		for k, v := range l {
			out[k] = v
		}
		return out
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"patronus_controller_fleet_site_online", mt.L("network", "corp", "site", "a"), 1},
		{"patronus_controller_fleet_site_online", mt.L("network", "corp", "site", "b"), 0},
		{"patronus_controller_fleet_site_last_seen_timestamp_seconds", mt.L("site", "a"), float64(t0.Unix() - 1)},
		{"patronus_controller_fleet_path_state", with(inet, "state", "up"), 1},
		{"patronus_controller_fleet_path_state", with(inet, "state", "down"), 0},
		{"patronus_controller_fleet_path_state", with(lte, "state", "down"), 1},
		{"patronus_controller_fleet_path_bfd_up", inet, 1},
		{"patronus_controller_fleet_path_bfd_up", lte, 0},
		{"patronus_controller_fleet_path_score", inet, 95},
		{"patronus_controller_fleet_path_latency_seconds", inet, 0.0125},
		{"patronus_controller_fleet_path_jitter_seconds", inet, 0.0015},
		{"patronus_controller_fleet_path_loss_ratio", inet, 0.02},
		{"patronus_controller_fleet_path_bytes_total", with(inet, "direction", "tx"), 1000},
		{"patronus_controller_fleet_path_bytes_total", with(inet, "direction", "rx"), 2000},
		{"patronus_controller_fleet_path_failovers_total", lte, 1},
		{"patronus_controller_fleet_path_failovers_total", inet, 0}, // an SLA move is not a failover
		{"patronus_controller_certificate_expiry_timestamp_seconds", mt.L("kind", "edge", "site", "a"), float64(t0.Add(365 * 24 * time.Hour).Unix())},
		{"patronus_controller_certificate_expiry_timestamp_seconds", mt.L("kind", "ca"), float64(t0.Add(3650 * 24 * time.Hour).Unix())},
		{"patronus_controller_certificate_expiry_timestamp_seconds", mt.L("kind", "server"), float64(t0.Add(90 * 24 * time.Hour).Unix())},
	} {
		if v, ok := s.Find(c.name, c.labels); !ok || v != c.want {
			t.Errorf("%s%v = %v (found %v), want %v; have:\n%s", c.name, c.labels, v, ok, c.want, s.String(c.name))
		}
	}
	// No probe data, no counters: no sample rather than a false 0; a
	// revoked site has none at all; b never reported: no last seen.
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"patronus_controller_fleet_path_latency_seconds", lte},
		{"patronus_controller_fleet_path_bytes_total", lte},
		{"patronus_controller_fleet_site_online", mt.L("site", "old")},
		{"patronus_controller_fleet_site_last_seen_timestamp_seconds", mt.L("site", "b")},
		{"patronus_controller_fleet_path_failovers_total", mt.L("path", "a/x->b/y")},
	} {
		if n := s.Count(c.name, c.labels); n != 0 {
			t.Errorf("%s%v: %d samples, want none", c.name, c.labels, n)
		}
	}
}

// TestFleetForgets: a deleted site's series disappear at the next
// scrape, a path's when it has not been reported for PathStaleAfter.
func TestFleetForgets(t *testing.T) {
	m, sites, clk := fixture(t)
	clk.Add(metrics.PathStaleAfter - time.Second)
	m.Fleet().Observe(&events.Event{Kind: events.KindPath, Network: "corp", Site: "a", At: clk.Now(), Path: &events.PathChange{
		PathID: "a/inet->b/inet", State: events.PathDegraded}})
	clk.Add(2 * time.Second)
	s := scrape(t, m.Handler())
	if n := s.Count("patronus_controller_fleet_path_bfd_up", nil); n != 1 {
		t.Errorf("%d paths after the other went stale, want 1:\n%s", n, s.String("patronus_controller_fleet_path_bfd_up"))
	}
	if v, ok := s.Find("patronus_controller_fleet_path_state", mt.L("path", "a/inet->b/inet", "state", "degraded")); !ok || v != 1 {
		t.Errorf("the newer report is not shown: %v %v", v, ok)
	}
	sites.set("corp", store.Site{Name: "b", State: store.Enrolled})
	s = scrape(t, m.Handler())
	for _, name := range s.Names() {
		if n := s.Count(name, mt.L("site", "a")); n != 0 {
			t.Errorf("%s: %d series of the deleted site a", name, n)
		}
	}
	if n := s.Count("patronus_controller_fleet_site_online", mt.L("site", "b")); n != 1 {
		t.Errorf("site b: %d online series, want 1", n)
	}
}

// TestFleetStoreFails: when the sites cannot be listed the scrape still
// serves the rest and counts nothing false.
func TestFleetStoreFails(t *testing.T) {
	m, sites, _ := fixture(t)
	sites.mu.Lock()
	sites.err = errors.New("database is locked")
	sites.mu.Unlock()
	s := scrape(t, m.Handler())
	if n := s.Count("patronus_controller_fleet_site_online", nil); n != 0 {
		t.Errorf("%d site series without a site list", n)
	}
	if _, ok := s.Find("patronus_controller_certificate_expiry_timestamp_seconds", mt.L("kind", "ca")); !ok {
		t.Error("the CA's expiry is missing")
	}
	// The registry collects in parallel: the failure of this scrape's
	// listing may count after its error counter was read. By the next
	// scrape it has counted (and that scrape's listing failed too).
	s = scrape(t, m.Handler())
	if v, ok := s.Find("patronus_controller_store_call_errors_total", mt.L("op", "list_sites")); !ok || v < 1 || v > 2 {
		t.Errorf("list_sites errors after two scrapes: %v %v, want 1 or 2", v, ok)
	}
}

// TestHealth: the health metrics after the server's and the API's
// reports; label values of outside origin are folded into fixed sets.
func TestHealth(t *testing.T) {
	m, _, _ := fixture(t)
	closeWatch := m.StreamOpened("WatchConfig")
	m.StreamOpened("Report")
	closeWatch()
	m.IngestPending(3)
	m.IngestPending(-1)
	m.IngestGroup(7, 20*time.Millisecond)
	m.StoreCall("record_telemetry", 20*time.Millisecond, nil)
	m.StoreCall("record_telemetry", time.Second, errors.New("disk full"))
	m.Enrolment("")
	m.Enrolment("token_refused")
	m.ObserveRequest("GET", "/api/v1/networks/{network}", 200, time.Millisecond)
	m.ObserveRequest("BREW", "/", 404, time.Millisecond)
	s := scrape(t, m.Handler())
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"patronus_controller_grpc_streams_open", mt.L("method", "WatchConfig"), 0},
		{"patronus_controller_grpc_streams_open", mt.L("method", "Report"), 1},
		{"patronus_controller_telemetry_ingest_pending_batches", nil, 2},
		{"patronus_controller_telemetry_ingest_group_batches", nil, 1}, // histogram: its count
		{"patronus_controller_telemetry_ingest_group_duration_seconds", nil, 1},
		{"patronus_controller_store_call_duration_seconds", mt.L("op", "record_telemetry"), 2},
		{"patronus_controller_store_call_errors_total", mt.L("op", "record_telemetry"), 1},
		{"patronus_controller_store_call_errors_total", mt.L("op", "maintain"), 0},
		{"patronus_controller_enrolments_total", mt.L("result", "accepted"), 1},
		{"patronus_controller_enrolments_total", mt.L("result", "refused", "reason", "token_refused"), 1},
		{"patronus_controller_api_requests_total", mt.L("method", "GET", "route", "/api/v1/networks/{network}", "code", "200"), 1},
		{"patronus_controller_api_requests_total", mt.L("method", "other", "route", "/", "code", "404"), 1},
		{"patronus_controller_api_request_duration_seconds", mt.L("method", "GET", "route", "/api/v1/networks/{network}"), 1},
	} {
		if v, ok := s.Find(c.name, c.labels); !ok || v != c.want {
			t.Errorf("%s%v = %v (found %v), want %v; have:\n%s", c.name, c.labels, v, ok, c.want, s.String(c.name))
		}
	}
	if _, ok := s.Find("go_goroutines", nil); !ok {
		t.Error("no Go runtime metrics")
	}
}
