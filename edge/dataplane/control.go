package dataplane

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.zx2c4.com/wireguard/device"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/probe"
	"github.com/patronus-sdwan/patronus/edge/quality"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// In-tunnel control: BFD (RFC 5880) and quality probes ride each path as
// shim packets between the two sites' control addresses, so they see
// exactly what the path's data sees: the same WireGuard session, link
// socket and WAN link. Paths between the same two sites share the
// control addresses; a path's BFD session is told apart by its number
// (bfd.Key.IfIndex, which is the path's and never the kernel's), and its
// probes by their session word.

// Timing of the control loop.
const (
	// controlTick is how often the probe senders are driven: a probe is
	// sent within this much of its due time.
	controlTick = 10 * time.Millisecond
	// steerTick is how often the probe metrics go to steering and the
	// steering timers run (damping, hold-down, flap decay).
	steerTick = 100 * time.Millisecond
)

var (
	errQueueFull = errors.New("path queue full")
	errSilent    = errors.New("nothing heard on the path for a while: BFD held")
)

// When a path holds its BFD. Without a WireGuard session, WireGuard keeps
// what it is given for the next handshake, up to 128 packets in 64 KiB
// buffers per path: a site with many dead peers would hold hundreds of
// MiB of BFD packets. So a path that has never heard from its peer sends
// BFD for silentNever after it starts, then holds it; a path that has
// heard from its peer holds it once it has heard nothing for
// silentHeard, WireGuard's session lifetime (until then a session exists
// and packets leave at once). The Hellos and WireGuard's keepalive go on
// regardless, and the first packet heard from the peer lifts the hold.
const (
	silentNever = 3 * time.Second
	silentHeard = device.RejectAfterTime
)

// pathSender sends one path's BFD Control packets as shim packets.
type pathSender struct {
	d *Dataplane
	p *Path
}

// Send queues a BFD packet on the path; it never blocks. b is not kept.
func (s pathSender) Send(b []byte) error {
	if s.p.silent(time.Now()) {
		return errSilent
	}
	return s.d.sendControl(s.p, shim.TypeBFD, b)
}

// silent reports whether the path holds its BFD (see silentNever).
func (p *Path) silent(now time.Time) bool {
	last := p.lastRx.Load()
	if last == 0 {
		return now.Before(p.holdBFD) || now.Sub(p.started) > silentNever
	}
	return now.UnixNano()-last > int64(silentHeard)
}

// sendControl queues a shim packet of type typ with body on path p.
func (d *Dataplane) sendControl(p *Path, typ shim.Type, body []byte) error {
	buf := d.pool.get()
	if buf == nil {
		p.controlLost.Add(1)
		return errQueueFull
	}
	n, err := p.shim.Encode(buf.b[:], shim.Header{Type: typ}, len(body))
	if err != nil {
		d.pool.put(buf)
		return fmt.Errorf("shim %s: %w", typ, err)
	}
	buf.n = n + copy(buf.b[n:], body)
	if !p.tun.push1(buf) {
		d.pool.put(buf)
		p.controlLost.Add(1)
		return errQueueFull
	}
	return nil
}

// prepareControl makes a new path's probe sender and BFD key. It runs
// before the path is published; the BFD session is added after
// (syncSteeringLocked), and its state changes reach steering through
// watchBFD.
func (d *Dataplane) prepareControl(p *Path, cur *config.Valid) error {
	var sess [4]byte
	_, _ = rand.Read(sess[:])
	// A new path starts idle (adapt.go): its probes at the idle rate.
	cfg := probe.Config{Interval: probeInterval(cur, steer.Demand(p.demand.Load()))}
	sender, err := probe.NewSender(cfg, binary.BigEndian.Uint32(sess[:]), func(b []byte) error {
		return d.sendControl(p, shim.TypeProbe, b)
	})
	if err != nil {
		return err
	}
	p.prober = sender
	p.bfdKey = bfd.Key{Local: p.shim.Local(), Peer: p.shim.Peer(), IfIndex: p.num}
	return nil
}

// stopControl removes a path's BFD session (telling the peer AdminDown).
func (d *Dataplane) stopControl(p *Path) {
	if p.bfdKey.Local.IsValid() {
		_ = d.bfd.Remove(p.bfdKey) // a session already gone is no matter
	}
}

// receiveControl takes a BFD or probe shim body that arrived on path p.
// It runs on the path device's receive goroutine and does not block:
// probe replies to the peer's requests are queued on the same path.
func (d *Dataplane) receiveControl(p *Path, typ shim.Type, body []byte, now time.Time) {
	switch typ {
	case shim.TypeBFD:
		d.bfd.Receive(body, bfd.RxMeta{Src: p.shim.Peer(), Dst: p.shim.Local(), IfIndex: p.num, TTL: -1, Time: now})
	case shim.TypeProbe:
		if len(body) >= 2 && probe.Kind(body[0]&0x0f) == probe.KindRequest {
			var out [probe.Len]byte
			n, err := d.reflector.Reflect(out[:], body, now, time.Now())
			if err == nil {
				_ = d.sendControl(p, shim.TypeProbe, out[:n])
			}
			return
		}
		if p.prober != nil {
			_ = p.prober.Receive(body, now) // counted by the sender
		}
	}
}

// controlLoop drives the probe senders and feeds steering: the probe
// metrics of every path and the steering timers, every steerTick, and
// the paths' demands (adaptive BFD, adapt.go). It sleeps until the next
// probe is due or the next steerTick, whichever is first, but at least
// controlTick: the probes of all paths due within one controlTick share
// one wakeup.
func (d *Dataplane) controlLoop() {
	defer d.wg.Done()
	t := time.NewTimer(controlTick)
	defer t.Stop()
	var lastSteer time.Time
	for {
		select {
		case <-t.C:
		case <-d.stop:
			return
		}
		now := time.Now()
		v := d.snap.Load()
		next := d.probe(v, now)
		if now.Sub(lastSteer) >= steerTick {
			lastSteer = now
			d.steerTick(v, now)
		}
		if s := lastSteer.Add(steerTick); s.Before(next) {
			next = s
		}
		t.Reset(max(time.Until(next), controlTick))
	}
}

// probe sends the probes that are due and returns when the next one is.
func (d *Dataplane) probe(v *snapshot, now time.Time) time.Time {
	next := now.Add(steerTick)
	for _, p := range v.paths {
		// A path without BFD up is down whatever the probes say, and
		// its probes would only pile up in WireGuard's queue of
		// packets waiting for a handshake (up to 128 per path).
		if p.prober == nil || !p.bfdUp.Load() {
			continue
		}
		if !now.Before(p.probeNext) {
			p.probeNext = p.prober.Tick(now)
		}
		if p.probeNext.Before(next) {
			next = p.probeNext
		}
	}
	return next
}

// steerTick feeds steering the probe metrics that changed and runs its
// timers, then puts the demands of the flows in force (adapt.go).
func (d *Dataplane) steerTick(v *snapshot, now time.Time) {
	for _, p := range v.paths {
		if p.prober == nil {
			continue
		}
		// Metrics change only with a probe sent, answered or lost.
		if c := p.prober.Counters(); c.Sent+c.Replies+c.Lost+c.SendErrors != p.probeSeen {
			p.probeSeen = c.Sent + c.Replies + c.Lost + c.SendErrors
			ev, _ := d.engine.SetProbe(p.ID, quality.FromProbe(p.prober.Metrics(now)), now)
			d.logEvents(ev)
		}
	}
	d.logEvents(d.engine.Tick(now))
	d.adapt(v, now)
	d.retryKeys(v, now)
}

// watchBFD hands every BFD state change of a path to steering at once:
// this is the event-driven failover.
func (d *Dataplane) watchBFD(changes <-chan bfd.StateChange) {
	defer d.wg.Done()
	for ch := range changes {
		p := d.snap.Load().byNum[ch.Key.IfIndex]
		if p == nil || p.bfdKey != ch.Key {
			continue // a path that is gone
		}
		p.bfdUp.Store(ch.To == packet.StateUp)
		d.log.Info("path bfd", "path", p.ID, "from", ch.From.String(), "to", ch.To.String(), "diag", ch.Diag.String())
		d.followOnSignal(p, ch.To, ch.Diag)
		ev, _ := d.engine.SetBFD(p.ID, ch.To, ch.Time)
		d.logEvents(ev) // a path state change among ev calls OnStateChange's function
	}
}

// bfdState returns the state of a path's BFD session.
func (d *Dataplane) bfdState(p *Path) packet.State {
	if info, ok := d.bfd.Session(p.bfdKey); ok {
		return info.Session.State
	}
	return packet.StateDown
}
