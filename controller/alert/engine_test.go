package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
)

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// rig drives an engine with an injected clock.
type rig struct {
	t   *testing.T
	e   *Engine
	now time.Time
}

func newRig(t *testing.T, c Config) *rig {
	t.Helper()
	r, err := c.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, e: NewEngine(r), now: t0}
}

func (g *rig) advance(d time.Duration) []Alert {
	g.now = g.now.Add(d)
	return g.e.Tick(g.now)
}

// path feeds a report of path id by site.
func (g *rig) path(site, id, state string, latency float64) []Alert {
	return g.e.Observe(&events.Event{Kind: events.KindPath, Network: "n", Site: site, At: g.now,
		Path: &events.PathChange{PathID: id, State: state, MetricsValid: true, LatencyMs: latency}}, g.now)
}

func (g *rig) steer(site, kind string, moved uint32) []Alert {
	return g.e.Observe(&events.Event{Kind: events.KindSteering, Network: "n", Site: site, At: g.now,
		Steering: &events.Steering{Kind: kind, FlowsMoved: moved}}, g.now)
}

func (g *rig) siteState(site string, online bool) []Alert {
	return g.e.Observe(&events.Event{Kind: events.KindSite, Network: "n", Site: site, At: g.now,
		SiteState: &events.SiteChange{Online: online}}, g.now)
}

// want checks notices against "kind status subject" lines.
func want(t *testing.T, got []Alert, lines ...string) {
	t.Helper()
	var s []string
	for _, a := range got {
		s = append(s, fmt.Sprintf("%s %s %s", a.Kind, a.Status, a.Subject))
	}
	if strings.Join(s, "\n") != strings.Join(lines, "\n") {
		t.Fatalf("notices:\n%s\nwant:\n%s", strings.Join(s, "\n"), strings.Join(lines, "\n"))
	}
}

const ab = "a/inet->b/lte"

// off disables a rule: with one path, both of its sites have every path
// down, which most tests are not about.
var off = Rule{Disabled: true}

// TestPathDownDedupAndResolve: one alert per path whoever reports it and
// however often; a path that comes back and goes again within
// resolve_after stays one alert; the resolved notice carries its ID.
func TestPathDownDedupAndResolve(t *testing.T) {
	g := newRig(t, Config{SiteUnreachable: off, SiteOffline: SiteOfflineRule{Rule: off}})
	want(t, g.path("a", ab, events.PathUp, 10))
	fired := g.path("a", ab, events.PathDown, 0)
	want(t, fired, "path_down firing path/a/inet->b/lte")
	a := fired[0]
	if a.Site != "a" || a.Path != ab || a.Network != "n" || !a.At.Equal(t0) || !a.StartedAt.Equal(t0) || a.ID == "" {
		t.Fatalf("alert %+v", a)
	}
	g.now = g.now.Add(time.Second)
	want(t, g.path("b", "b/lte->a/inet", events.PathDown, 0)) // the other end: the same alert
	want(t, g.path("a", ab, events.PathDown, 0))
	want(t, g.advance(time.Second))
	want(t, g.path("a", ab, events.PathUp, 10))
	want(t, g.advance(5*time.Second)) // b still says down
	want(t, g.path("b", "b/lte->a/inet", events.PathUp, 10))
	want(t, g.advance(9*time.Second))
	want(t, g.path("a", ab, events.PathDown, 0)) // flaps back within resolve_after: still one alert
	want(t, g.path("a", ab, events.PathUp, 0))
	want(t, g.advance(9*time.Second))
	g.path("a", ab, events.PathUp, 0)
	g.path("b", "b/lte->a/inet", events.PathUp, 0)
	res := g.advance(2 * time.Second)
	want(t, res, "path_down resolved path/a/inet->b/lte")
	if res[0].ID != a.ID || res[0].ResolvedAt == nil || !res[0].At.Equal(g.now) || !res[0].StartedAt.Equal(t0) {
		t.Fatalf("resolved %+v (fired %s)", res[0], a.ID)
	}
	if len(g.e.Active()) != 0 {
		t.Fatalf("active after resolve: %+v", g.e.Active())
	}
	again := g.path("a", ab, events.PathDown, 0)
	want(t, again, "path_down firing path/a/inet->b/lte")
	if again[0].ID == a.ID {
		t.Fatal("a new alert reuses the old ID")
	}
}

// TestForHysteresis: a condition shorter than "for" never fires.
func TestForHysteresis(t *testing.T) {
	g := newRig(t, Config{PathDown: Rule{For: "5s", ResolveAfter: "0s"}, SiteUnreachable: off})
	want(t, g.path("a", ab, events.PathDown, 0))
	want(t, g.advance(4*time.Second))
	want(t, g.path("a", ab, events.PathUp, 0))
	want(t, g.advance(10*time.Second))
	want(t, g.path("a", ab, events.PathDown, 0))
	want(t, g.advance(4*time.Second))
	g.path("a", ab, events.PathDown, 0)
	fired := g.advance(time.Second)
	want(t, fired, "path_down firing path/a/inet->b/lte")
	if !fired[0].StartedAt.Equal(t0.Add(14*time.Second)) || !fired[0].At.Equal(t0.Add(19*time.Second)) {
		t.Fatalf("started %v at %v", fired[0].StartedAt, fired[0].At)
	}
	want(t, g.path("a", ab, events.PathUp, 0), "path_down resolved path/a/inet->b/lte") // resolve_after 0
}

// TestSiteOffline: silence for longer than the window, or the control
// stream ending, takes a site offline; reports bring it back.
func TestSiteOffline(t *testing.T) {
	g := newRig(t, Config{})
	g.path("a", ab, events.PathUp, 10)
	g.path("b", "b/lte->a/inet", events.PathUp, 10)
	want(t, g.advance(10*time.Second))
	g.path("b", "b/lte->a/inet", events.PathUp, 10)
	fired := g.advance(500 * time.Millisecond)
	want(t, fired, "site_offline firing site/a")
	if fired[0].Site != "a" || !strings.Contains(fired[0].Summary, "no report for 11s") {
		t.Fatalf("%+v", fired[0])
	}
	g.path("a", ab, events.PathUp, 10)
	want(t, g.advance(9*time.Second))
	g.path("a", ab, events.PathUp, 10)
	g.path("b", "b/lte->a/inet", events.PathUp, 10)
	want(t, g.advance(time.Second), "site_offline resolved site/a")
	want(t, g.siteState("b", false), "site_offline firing site/b")
	want(t, g.siteState("b", true))
	g.path("b", "b/lte->a/inet", events.PathUp, 10)
	g.path("a", ab, events.PathUp, 10)
	want(t, g.advance(10*time.Second), "site_offline resolved site/b")
}

// TestLoneSiteIsNotSilent: a site with no path has nothing to report:
// only its stream says whether it is online.
func TestLoneSiteIsNotSilent(t *testing.T) {
	g := newRig(t, Config{})
	want(t, g.siteState("solo", true))
	want(t, g.advance(time.Minute))
	want(t, g.siteState("solo", false), "site_offline firing site/solo")
}

// TestSiteUnreachable: every path to a site down (as the other sites
// report, the site itself being silent) is one alert on the site.
func TestSiteUnreachable(t *testing.T) {
	g := newRig(t, Config{})
	up := func() {
		g.path("a", "a/inet->b/inet", events.PathUp, 5)
		g.path("b", "b/inet->a/inet", events.PathUp, 5)
	}
	up()
	for _, p := range [][2]string{{"a", "a/inet->c/inet"}, {"b", "b/inet->c/inet"}, {"c", "c/inet->a/inet"}, {"c", "c/inet->b/inet"}} {
		g.path(p[0], p[1], events.PathUp, 5)
	}
	want(t, g.path("a", "a/inet->c/inet", events.PathDown, 0), "path_down firing path/a/inet->c/inet")
	// Down as either end says: c's own reports still say up.
	got := g.path("b", "b/inet->c/inet", events.PathDown, 0)
	want(t, got, "path_down firing path/b/inet->c/inet", "site_unreachable firing site/c")
	if got[1].Details["paths"] != 2 || got[1].Site != "c" {
		t.Fatalf("details %+v", got[1])
	}
	g.advance(5 * time.Second)
	up()
	g.path("a", "a/inet->c/inet", events.PathDown, 0)
	g.path("b", "b/inet->c/inet", events.PathDown, 0)
	g.advance(5 * time.Second)
	up()
	g.path("a", "a/inet->c/inet", events.PathDown, 0)
	want(t, g.path("b", "b/inet->c/inet", events.PathDown, 0))
	want(t, g.advance(time.Second), "site_offline firing site/c") // c silent for 11 s
	up()
	g.path("a", "a/inet->c/inet", events.PathUp, 5)
	g.path("b", "b/inet->c/inet", events.PathDown, 0)
	g.path("c", "c/inet->a/inet", events.PathUp, 5)
	g.path("c", "c/inet->b/inet", events.PathDown, 0)
	want(t, g.advance(9*time.Second))
	want(t, g.advance(time.Second), "path_down resolved path/a/inet->c/inet", "site_offline resolved site/c", "site_unreachable resolved site/c")
}

// TestFailoverStorm: more failovers (decisions that moved flows) than
// the threshold within the window fire; the window sliding past them resolves (after resolve_after).
func TestFailoverStorm(t *testing.T) {
	g := newRig(t, Config{FailoverStorm: StormRule{Failovers: 3, Window: "1m", Rule: Rule{ResolveAfter: "30s"}},
		SiteOffline: SiteOfflineRule{Rule: Rule{Disabled: true}}})
	for range 3 {
		want(t, g.steer("a", "decision", 2))
		g.now = g.now.Add(time.Second)
	}
	want(t, g.steer("a", "path_state", 0)) // not failovers: no flows moved
	want(t, g.steer("a", "decision", 0))
	want(t, g.steer("a", "flap_suppressed", 0))
	fired := g.steer("a", "decision", 1)
	want(t, fired, "failover_storm firing site/a")
	if fired[0].Details["failovers"] != 4 {
		t.Fatalf("details %+v", fired[0].Details)
	}
	want(t, g.advance(58*time.Second)) // the first falls out of the window at 60 s
	want(t, g.advance(29*time.Second))
	want(t, g.advance(2*time.Second), "failover_storm resolved site/a")
}

// TestSLAViolated: a path over a threshold for "for" fires; back under
// it resolves after resolve_after.
func TestSLAViolated(t *testing.T) {
	g := newRig(t, Config{SLAViolated: SLARule{LatencyMs: 100, Rule: Rule{For: "1m", ResolveAfter: "10s"}}, SiteUnreachable: off})
	for range 60 {
		want(t, g.path("a", ab, events.PathUp, 120))
		g.now = g.now.Add(time.Second)
	}
	fired := g.path("a", ab, events.PathDegraded, 130)
	want(t, fired, "sla_violated firing path/a/inet->b/lte")
	if fired[0].Details["latency_ms"] != 130.0 || fired[0].Details["threshold_latency_ms"] != 100.0 {
		t.Fatalf("details %+v", fired[0].Details)
	}
	want(t, g.path("a", ab, events.PathUp, 20))
	want(t, g.advance(10*time.Second), "sla_violated resolved path/a/inet->b/lte")
}

// TestChecksAndRetain: outside checks (certificates) fire and resolve by
// the subjects they name; a site leaving the network resolves its alerts.
func TestChecksAndRetain(t *testing.T) {
	g := newRig(t, Config{SiteUnreachable: off, SiteOffline: SiteOfflineRule{Silence: "1h"}})
	c := Check{Subject: "cert/server", Summary: "expires soon"}
	want(t, g.e.Check(KindCertExpiring, []Check{c}, g.now), "cert_expiring firing cert/server")
	want(t, g.e.Check(KindCertExpiring, []Check{c}, g.now))
	want(t, g.e.Check(KindCertExpiring, nil, g.now), "cert_expiring resolved cert/server")

	g.path("a", ab, events.PathDown, 0)
	want(t, g.siteState("b", false), "site_offline firing site/b")
	got := g.e.Retain("n", []string{"a"}, g.now)
	want(t, got, "path_down resolved path/a/inet->b/lte", "site_offline resolved site/b")
	if got[1].Details["reason"] == nil {
		t.Fatalf("no reason: %+v", got[1])
	}
	want(t, g.advance(time.Minute))
}

// TestDisabledRule: a disabled rule never fires. (With one path, both
// of its sites have every path down.)
func TestDisabledRule(t *testing.T) {
	g := newRig(t, Config{PathDown: Rule{Disabled: true}, SiteOffline: SiteOfflineRule{Rule: off}})
	want(t, g.path("a", ab, events.PathDown, 0), "site_unreachable firing site/a", "site_unreachable firing site/b")
	want(t, g.advance(time.Minute))
}

// TestCompileErrorsNameTheField: bad settings are refused by field path.
func TestCompileErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		c     Config
		field string
	}{
		{Config{PathDown: Rule{For: "soon"}}, "alerts.path_down.for"},
		{Config{SiteOffline: SiteOfflineRule{Silence: "10ms"}}, "alerts.site_offline.silence"},
		{Config{SLAViolated: SLARule{LossPct: 101}}, "alerts.sla_violated.loss_pct"},
		{Config{FailoverStorm: StormRule{Failovers: -1}}, "alerts.failover_storm.failovers"},
		{Config{Webhooks: DeliveryConfig{MinBackoff: "1m", MaxBackoff: "1s"}}, "alerts.webhooks.max_backoff"},
		{Config{Webhooks: DeliveryConfig{Queue: 1 << 30}}, "alerts.webhooks.queue"},
		{Config{CertExpiring: CertRule{Within: "-1h"}}, "alerts.cert_expiring.within"},
	} {
		_, err := tc.c.Compile()
		if err == nil || !strings.HasPrefix(err.Error(), tc.field+": ") {
			t.Errorf("%+v: error %v, want one naming %s", tc.c, err, tc.field)
		}
	}
	r, err := Config{}.Compile()
	if err != nil || r.PathDown.ResolveAfter != DefaultPathDownResolve || r.Delivery.Queue != DefaultQueue || !r.Enabled {
		t.Fatalf("defaults %+v %v", r, err)
	}
}

// syncReport is a's newest report of path id as the fleet's state has it.
func (g *rig) sync(site, id, state string, latency float64) {
	g.e.Sync([]PathReport{{Network: "n", Site: site, PathID: id, State: state, MetricsValid: true, LatencyMs: latency,
		At: g.now, Heard: g.now}}, g.now)
}

// TestSyncWithoutEvents: with every event lost, the periodic evaluation
// of the fleet's state (Sync) still fires and resolves path_down,
// sla_violated (after its "for") and site_offline (silence), and an
// older report arriving late does not replace a newer one.
func TestSyncWithoutEvents(t *testing.T) {
	g := newRig(t, Config{SiteUnreachable: off, SLAViolated: SLARule{LatencyMs: 100, Rule: Rule{For: "1m", ResolveAfter: "10s"}}})
	g.sync("a", ab, events.PathUp, 10)
	g.sync("b", "b/lte->a/inet", events.PathUp, 10)
	want(t, g.advance(0))
	g.sync("a", ab, events.PathDown, 0)
	want(t, g.advance(500*time.Millisecond), "path_down firing path/a/inet->b/lte")
	// A's report of 1 s ago, delivered late: not newer than the one known.
	g.e.Sync([]PathReport{{Network: "n", Site: "a", PathID: ab, State: events.PathUp, At: g.now.Add(-time.Second), Heard: g.now}}, g.now)
	want(t, g.advance(500*time.Millisecond))
	g.sync("a", ab, events.PathUp, 10)
	g.sync("b", "b/lte->a/inet", events.PathUp, 10)
	want(t, g.advance(500*time.Millisecond)) // the condition is gone from here
	g.sync("a", ab, events.PathUp, 10)
	g.sync("b", "b/lte->a/inet", events.PathUp, 10)
	want(t, g.advance(10*time.Second), "path_down resolved path/a/inet->b/lte")
	for range 60 {
		g.sync("a", ab, events.PathUp, 150)
		g.sync("b", "b/lte->a/inet", events.PathUp, 20)
		g.now = g.now.Add(time.Second)
		g.e.Tick(g.now)
	}
	g.sync("a", ab, events.PathUp, 150)
	g.sync("b", "b/lte->a/inet", events.PathUp, 20)
	want(t, g.advance(time.Second), "sla_violated firing path/a/inet->b/lte")
	g.sync("a", ab, events.PathUp, 20)
	want(t, g.advance(500*time.Millisecond))
	g.sync("a", ab, events.PathUp, 20) // b is silent from here
	want(t, g.advance(10*time.Second), "site_offline firing site/b", "sla_violated resolved path/a/inet->b/lte")
	g.sync("b", "b/lte->a/inet", events.PathUp, 20)
	want(t, g.advance(10*time.Second), "site_offline firing site/a")
	g.sync("a", ab, events.PathUp, 20)
	g.sync("b", "b/lte->a/inet", events.PathUp, 20)
	want(t, g.advance(10*time.Second), "site_offline resolved site/b")
	g.sync("a", ab, events.PathUp, 20)
	g.sync("b", "b/lte->a/inet", events.PathUp, 20)
	want(t, g.advance(10*time.Second), "site_offline resolved site/a")
}

// TestSyncClearsClosedStream: a site whose stream ended is online again
// once a report heard after the end is seen, even if its "online" event
// was lost; a report heard before the end does not clear it.
func TestSyncClearsClosedStream(t *testing.T) {
	g := newRig(t, Config{SiteUnreachable: off, SiteOffline: SiteOfflineRule{Rule: Rule{ResolveAfter: "0s"}}})
	g.sync("a", ab, events.PathUp, 10)
	before := g.now
	g.now = g.now.Add(time.Second)
	want(t, g.siteState("a", false), "site_offline firing site/a")
	g.e.Sync([]PathReport{{Network: "n", Site: "a", PathID: ab, State: events.PathUp, At: g.now, Heard: before}}, g.now)
	want(t, g.advance(time.Second))
	g.sync("a", ab, events.PathUp, 10)
	want(t, g.advance(time.Second), "site_offline resolved site/a")
}
