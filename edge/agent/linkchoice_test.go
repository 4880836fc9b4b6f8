package agent

import (
	"slices"
	"testing"
	"time"
)

var testLinks = []Link{{Name: "mpls", Cost: 30}, {Name: "inet", Cost: 10}, {Name: "lte", Cost: 20}}

func names(ls []Link) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}

func wantNames(t *testing.T, what string, got []Link, want ...string) {
	t.Helper()
	if !slices.Equal(names(got), want) {
		t.Errorf("%s: %v, want %v", what, names(got), want)
	}
}

// The chooser's life through a cut of the cheapest link and its return:
// every step of docs/EDGE_AGENT.md's Control channel links, with a fake
// clock.
func TestChooserFailoverAndReturn(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newChooser(20 * time.Second)
	wantNames(t, "no links: nothing to probe", c.toProbe())
	wantNames(t, "no links: unbound dial only", c.order())

	// First start: unbound, then the configuration brings links; every
	// link is worth probing, and one that never failed takes the channel
	// at its first answer.
	c.use("", false)
	c.setLinks(testLinks)
	wantNames(t, "dial order", c.order(), "inet", "lte", "mpls")
	wantNames(t, "unbound probes", c.toProbe(), "inet", "lte", "mpls")
	if !c.probed("inet", true, t0) {
		t.Fatal("unbound: a healthy cheapest link answering does not take the channel")
	}
	c.use("inet", true)
	wantNames(t, "on the cheapest: nothing to probe", c.toProbe())

	// The cut: acknowledgements stop; inet is down, the dial tries lte
	// first, and inet last.
	if name, bound := c.stall(t0); name != "inet" || !bound {
		t.Fatalf("stall: %q %v", name, bound)
	}
	wantNames(t, "stalled: nothing to probe until the dial", c.toProbe())
	wantNames(t, "dial order after the cut", c.order(), "lte", "mpls", "inet")
	c.use("lte", true)
	wantNames(t, "on lte: probe the cheaper", c.toProbe(), "inet")

	// inet answers, fails, answers again: the run of answers restarts,
	// and the channel returns only after returnAfter of it.
	steps := []struct {
		at   time.Duration
		ok   bool
		move bool
	}{
		{0, true, false}, {10 * time.Second, false, false},
		{20 * time.Second, true, false}, {30 * time.Second, true, false},
		{39 * time.Second, true, false}, {40 * time.Second, true, true},
	}
	for _, s := range steps {
		if got := c.probed("inet", s.ok, t0.Add(s.at)); got != s.move {
			t.Fatalf("probe at %v ok=%v: move %v, want %v", s.at, s.ok, got, s.move)
		}
	}
	wantNames(t, "inet back: dial order", c.order(), "inet", "lte", "mpls")
	c.use("inet", true)

	// A link removed from the configuration while in use: every link is
	// worth probing. Equal costs are no reason to move.
	c.setLinks([]Link{{Name: "lte", Cost: 20}, {Name: "sat", Cost: 20}})
	wantNames(t, "current gone", c.toProbe(), "lte", "sat")
	c.use("lte", true)
	wantNames(t, "equal cost", c.toProbe())
	c.probed("ghost", true, t0) // unknown names are ignored
	c.failed("ghost", t0)
}

// A dial that fails on a link marks it down: the next dial tries it
// after the links that are not, and after those down for longer, so that
// the link that just failed comes last.
func TestChooserDialFailure(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newChooser(time.Minute)
	c.setLinks(testLinks)
	c.failed("lte", t0)
	c.failed("inet", t0.Add(time.Second))
	wantNames(t, "two failed", c.order(), "mpls", "lte", "inet")
	c.failed("mpls", t0.Add(2*time.Second))
	wantNames(t, "all failed", c.order(), "lte", "inet", "mpls")
	c.use("inet", true) // it worked after all
	wantNames(t, "inet worked", c.order(), "inet", "lte", "mpls")
	if name, _ := c.stall(t0.Add(3 * time.Second)); name != "inet" {
		t.Fatalf("stall on %s", name)
	}
	wantNames(t, "inet stalled: last", c.order(), "lte", "mpls", "inet")
	// Stalling unbound marks no link down.
	c.use("", false)
	if name, bound := c.stall(t0); name != "" || bound {
		t.Fatalf("unbound stall: %q %v", name, bound)
	}
	wantNames(t, "after an unbound stall", c.order(), "lte", "mpls", "inet")
}

func TestAckWatch(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const limit = 4 * time.Second
	var w ackWatch
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	if w.stalled(at(100), limit) {
		t.Fatal("nothing sent: stalled")
	}
	w.sent(1, at(0))
	w.sent(2, at(1))
	w.acked(1, at(1.5)) // progress, 2 outstanding: the clock restarts
	if w.stalled(at(5), limit) || !w.stalled(at(5.5), limit) {
		t.Fatal("stall not measured from the last progress")
	}
	w.acked(2, at(6))
	w.sent(3, at(20))
	if w.stalled(at(23.9), limit) || !w.stalled(at(24), limit) {
		t.Fatal("stall not measured from the first send after all were acknowledged")
	}
	w.reset()
	if w.stalled(at(100), limit) {
		t.Fatal("stalled after reset")
	}
}
