package steer

import (
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const ms = time.Millisecond

// Site 2 is reached over three paths; site 3 over one.
func testConfig() Config {
	return Config{
		Paths: []Path{
			{ID: "inet", Site: 2, Color: "inet", Cost: 10, Bandwidth: 100e6},
			{ID: "lte", Site: 2, Color: "lte", Cost: 20, Bandwidth: 100e6},
			{ID: "mpls", Site: 2, Color: "mpls", Cost: 30, Bandwidth: 200e6},
			{ID: "s3", Site: 3, Color: "inet"},
		},
		Policies: []Policy{
			{Name: "voice", SLA: "voice"},
			{Name: "bulk", SLA: "bulk"},
			{Name: "voice-inet", SLA: "voice", Colors: []string{"inet", "lte"}},
			{Name: "dup", SLA: "voice", Mode: Duplicate},
			{Name: "lb", SLA: "default", Mode: LoadBalance},
		},
	}
}

type harness struct {
	t   testing.TB
	e   *Engine
	now time.Time
	ids []string // by handle
}

func newHarness(t testing.TB, cfg Config) *harness {
	t.Helper()
	e, err := New(cfg, t0)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, e: e, now: t0}
	for _, p := range cfg.Paths {
		h.ids = append(h.ids, p.ID)
	}
	return h
}

// up brings the named paths up (BFD Up, clean probes).
func (h *harness) up(ids ...string) {
	h.t.Helper()
	for _, id := range ids {
		h.bfd(id, packet.StateUp)
		h.probe(id, clean)
	}
}

var clean = quality.Metrics{Valid: true, Latency: 20 * ms, Jitter: ms}

func lossy(pct float64) quality.Metrics {
	return quality.Metrics{Valid: true, Latency: 20 * ms, Jitter: ms, LossPct: pct}
}

func (h *harness) bfd(id string, s packet.State) []Event {
	h.t.Helper()
	evs, err := h.e.SetBFD(id, s, h.now)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

func (h *harness) probe(id string, m quality.Metrics) []Event {
	h.t.Helper()
	evs, err := h.e.SetProbe(id, m, h.now)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

// advance moves the clock by d in ticks of 100 ms (1 s beyond 30 s) and
// returns the events.
func (h *harness) advance(d time.Duration) []Event {
	var evs []Event
	step := 100 * ms
	if d > 30*time.Second {
		step = time.Second
	}
	for end := h.now.Add(d); h.now.Before(end); {
		h.now = h.now.Add(min(step, end.Sub(h.now)))
		evs = append(evs, h.e.Tick(h.now)...)
	}
	return evs
}

func (h *harness) class(name string) int {
	h.t.Helper()
	i, ok := h.e.PolicyIndex(name)
	if !ok {
		h.t.Fatalf("no policy %q", name)
	}
	return i
}

// path returns the ID of the path of flow hash in policy name to site 2
// ("" for none), marking the flow active.
func (h *harness) path(name string, hash uint32) string {
	h.t.Helper()
	c, ok := h.e.Lookup(2, h.class(name), hash)
	if !ok {
		return ""
	}
	return h.ids[c.Path]
}

func (h *harness) choice(name string, hash uint32) (string, string) {
	c, ok := h.e.Lookup(2, h.class(name), hash)
	if !ok {
		return "", ""
	}
	dup := ""
	if c.Dup >= 0 {
		dup = h.ids[c.Dup]
	}
	return h.ids[c.Path], dup
}

// flows marks n flows (hashes 0…n−1) of policy name active.
func (h *harness) flows(name string, n int) {
	for i := range n {
		h.path(name, uint32(i))
	}
}

func decisions(evs []Event, policy string) []Event {
	var out []Event
	for _, ev := range evs {
		if ev.Kind == Decision && ev.Policy == policy {
			out = append(out, ev)
		}
	}
	return out
}

func kinds(evs []Event) string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev.Kind.String()+":"+ev.PathID)
	}
	return strings.Join(s, " ")
}
