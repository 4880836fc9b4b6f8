package agent

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// fakeWAN stands for the edge's WAN links: each link is a relay to the
// controller (silencer) that can be cut. A cut link swallows what its
// open connections carry and lets no new one through, as a link whose
// traffic the underlay drops while its interface stays up. Unbound
// connections take the host's preferred route: the cheapest link.
type fakeWAN struct {
	relays    map[string]*silencer
	preferred string

	mu  sync.Mutex
	cut map[string]bool // guarded by mu
}

func newFakeWAN(t *testing.T, ctlAddr string, links []Link) *fakeWAN {
	w := &fakeWAN{relays: map[string]*silencer{}, cut: map[string]bool{}, preferred: links[0].Name}
	for _, l := range links {
		w.relays[l.Name] = newSilencer(t, ctlAddr)
	}
	return w
}

func (w *fakeWAN) dial(ctx context.Context, l *Link, _ string) (net.Conn, error) {
	name := w.preferred
	if l != nil {
		name = l.Name
	}
	w.mu.Lock()
	cut := w.cut[name]
	w.mu.Unlock()
	if cut {
		<-ctx.Done() // SYNs dropped
		return nil, ctx.Err()
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", w.relays[name].addr())
}

func (w *fakeWAN) setCut(name string, cut bool) {
	w.mu.Lock()
	w.cut[name] = cut
	w.mu.Unlock()
	if cut {
		w.relays[name].silence()
	}
}

// onLink is the link the agent's control channel is on; "" when none
// (or unbound).
func onLink(a *Agent) string {
	a.link.mu.Lock()
	defer a.link.mu.Unlock()
	if !a.link.ch.inUse || !a.link.ch.bound {
		return ""
	}
	return a.link.ch.current
}

func batches(ctl *testController) int {
	n := 0
	for _, s := range ctl.reports() {
		n += len(s)
	}
	return n
}

// The control channel starts on the cheapest link; when that link is cut
// (its connections go silent), the missing acknowledgements move it to
// the next link, telemetry and configuration included, and it returns to
// the cheapest once that answers probes for returnAfter. Timers are
// shortened (the defaults scale them up: DefaultAckTimeout…).
func TestControlChannelFollowsWorkingLink(t *testing.T) {
	ctl, dir := enrolled(t)
	links := []Link{{Name: "lte", Cost: 20}, {Name: "inet", Cost: 10}}
	wan := newFakeWAN(t, ctl.addr, []Link{links[1], links[0]})
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.TelemetryInterval = 20 * time.Millisecond
	opts.Telemetry = func() *pb.Telemetry { return &pb.Telemetry{} }
	opts.Links = func() []Link { return links }
	a := newAgent(t, opts)
	a.link.timers = linkTimers{ack: 300 * time.Millisecond, dial: 200 * time.Millisecond,
		probe: 100 * time.Millisecond, returnAfter: 500 * time.Millisecond}
	a.link.dialer = wan.dial
	ctl.push(siteConfig(5))
	run(t, a)
	e.next(t)
	eventually(t, "reports over inet", func() bool { return onLink(a) == "inet" && batches(ctl) >= 5 })

	t0 := time.Now()
	wan.setCut("inet", true)
	n := batches(ctl)
	eventually(t, "reports over lte after inet's cut", func() bool { return onLink(a) == "lte" && batches(ctl) > n+5 })
	t.Logf("reports again %v after the cut (ack timeout 300 ms)", time.Since(t0).Round(time.Millisecond))
	ctl.push(siteConfig(6))
	if v := e.next(t); v == nil {
		t.Fatal("no configuration over lte")
	}

	// While inet is cut, the probes fail: the channel stays on lte.
	time.Sleep(800 * time.Millisecond)
	if d := onLink(a); d != "lte" {
		t.Fatalf("the channel moved to %s while inet was cut", d)
	}
	t1 := time.Now()
	wan.setCut("inet", false)
	eventually(t, "back on inet", func() bool { return onLink(a) == "inet" })
	if back := time.Since(t1); back < 500*time.Millisecond {
		t.Errorf("back on inet after %v: before returnAfter", back)
	}
	n = batches(ctl)
	eventually(t, "reports over inet again", func() bool { return batches(ctl) > n+5 })
	for _, want := range []string{`"control channel on link","link":"inet"`, "no acknowledgement", `"control channel on link","link":"lte"`,
		`moving to a cheaper link that answers","link":"inet"`} {
		if !strings.Contains(e.logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, e.logs)
		}
	}
}

// Without links the channel is unbound; a stall closes the connection
// and gRPC redials at once, instead of waiting for the keepalive.
func TestControlChannelUnboundStallRedials(t *testing.T) {
	ctl, dir := enrolled(t)
	relay := newSilencer(t, ctl.addr)
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.Controller = relay.addr()
	opts.TelemetryInterval = 20 * time.Millisecond
	opts.Telemetry = func() *pb.Telemetry { return &pb.Telemetry{} }
	a := newAgent(t, opts)
	a.link.timers.ack = 300 * time.Millisecond
	ctl.push(siteConfig(5))
	run(t, a)
	e.next(t)
	eventually(t, "reports", func() bool { return batches(ctl) >= 5 })
	relay.silence()
	n := len(ctl.reports())
	eventually(t, "a new stream after the silence", func() bool { return len(ctl.reports()) > n })
	if !strings.Contains(e.logs.String(), "control channel on the host's routing") {
		t.Errorf("log:\n%s", e.logs)
	}
}
