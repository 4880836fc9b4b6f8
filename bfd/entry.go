package bfd

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// adminDownRepeats is how many AdminDown packets a removed session sends,
// adminDownGap apart, so one lost datagram does not hide it from the peer.
const (
	adminDownRepeats = 2
	adminDownGap     = 20 * time.Millisecond
)

// entry is one session inside a Manager.
type entry struct {
	m    *Manager
	key  Key
	disc uint32
	tx   Sender

	mu      sync.Mutex // guards sess..buf; held across Sender.Send, which must not block
	sess    *session.Session
	minTTL  int
	removed bool
	buf     [packet.MaxLen]byte

	armed time.Time // last deadline handed to the scheduler; guarded by mu
	due   time.Time // deadline held by the scheduler; guarded by scheduler.mu

	ctr counters
}

func newEntry(m *Manager, cfg SessionConfig, tx Sender, disc uint32) *entry {
	e := &entry{m: m, key: cfg.Key, disc: disc, tx: tx, minTTL: cfg.minTTL()}
	e.sess = session.New(disc, cfg.Config, time.Now(), rand.Uint32)
	return e
}

// start schedules the session's first transmission.
func (e *entry) start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rearmLocked()
}

// onTimer runs when the earliest deadline of the session is due.
func (e *entry) onTimer() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return
	}
	now := time.Now()
	send, r := e.sess.Tick(now)
	e.handleLocked(r, now)
	if send {
		e.sendLocked(false)
	}
	e.rearmLocked()
}

// rearmLocked hands the session's next deadline to the scheduler.
// e.mu must be held.
func (e *entry) rearmLocked() {
	e.armed = e.sess.NextDeadline()
	e.m.sched.set(e, e.armed)
}

// rearmEarlierLocked is rearmLocked for the receive path: a packet usually
// moves the next deadline later (or not at all), and a later deadline is
// found when the pending wakeup fires, so the scheduler is only told of an
// earlier one. e.mu must be held.
func (e *entry) rearmEarlierLocked() {
	if next := e.sess.NextDeadline(); e.armed.IsZero() || next.Before(e.armed) {
		e.armed = next
		e.m.sched.set(e, next)
	}
}

// receive runs a packet that demux found for this session.
func (e *entry) receive(c *packet.Control, raw []byte, meta *RxMeta) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return
	}
	if reason := e.checkTransport(meta); reason != dropNone {
		e.ctr.drop(reason)
		return
	}
	now := meta.Time
	if now.IsZero() {
		now = time.Now()
	}
	r := e.sess.Receive(c, raw, now)
	if r.Drop != session.DropNone {
		e.ctr.drop(dropReason(r.Drop))
		return
	}
	e.ctr.packetsIn.Add(1)
	e.handleLocked(r, now)
	if r.SendFinal {
		e.sendLocked(true)
	}
	e.rearmEarlierLocked()
}

// checkTransport applies the checks that depend on how the packet arrived:
// the port kind (RFC 5883 §2), GTSM (RFC 5881 §5, RFC 5883 §5) and the
// source address. e.mu must be held: Update changes minTTL.
func (e *entry) checkTransport(meta *RxMeta) dropReason {
	switch {
	case meta.Multihop != e.key.Multihop:
		return dropWrongPort
	case meta.TTL >= 0 && meta.TTL < e.minTTL:
		return dropTTL
	case meta.Src.IsValid() && meta.Src.Unmap() != e.key.Peer:
		return dropSourceAddress
	case e.key.IfIndex != 0 && meta.IfIndex != 0 && meta.IfIndex != e.key.IfIndex:
		// Found by discriminator but arrived elsewhere: in the edge, on
		// another path between the same sites. It must not keep this
		// path's session up.
		return dropInterface
	}
	return dropNone
}

// handleLocked records a state change and publishes it. e.mu must be held.
func (e *entry) handleLocked(r session.Result, now time.Time) {
	if r.PollDone {
		e.ctr.pollsCompleted.Add(1)
	}
	if !r.Changed {
		return
	}
	t := r.Transition
	e.ctr.transitions.Add(1)
	if t.To == packet.StateDown || t.To == packet.StateAdminDown {
		e.ctr.lastDownDiag.Store(uint32(t.Diag))
	}
	e.m.subs.publish(StateChange{Time: now, Key: e.key, LocalDiscr: e.disc, From: t.From, To: t.To, Diag: t.Diag})
}

// sendLocked encodes and transmits one packet. e.mu must be held.
func (e *entry) sendLocked(final bool) {
	n, err := e.sess.Encode(e.buf[:], final)
	if err == nil {
		err = e.tx.Send(e.buf[:n])
	}
	if err != nil {
		e.ctr.sendErrors.Add(1)
		return
	}
	e.ctr.packetsOut.Add(1)
}

// update and setAdminDown may race with Remove, which takes the entry out
// of the maps before halting it: a removed entry must stay AdminDown and
// silent (RFC 5880 §6.8.16), so they do nothing once it is halted.
func (e *entry) update(cfg SessionConfig) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return
	}
	e.minTTL = cfg.minTTL()
	e.sess.SetConfig(cfg.Config, time.Now())
	e.rearmLocked()
}

func (e *entry) setAdminDown(down bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return
	}
	now := time.Now()
	var r session.Result
	if down {
		r = e.sess.AdminDown(packet.DiagAdministrativelyDown, now)
	} else {
		r = e.sess.Enable(now)
	}
	e.handleLocked(r, now)
	if r.Changed && down {
		e.sendLocked(false)
	}
	e.rearmLocked()
}

// retire ends sessions that are already out of the Manager's maps: each
// goes AdminDown and tells its peer with adminDownRepeats packets
// (RFC 5880 §6.8.16), then its Sender is closed.
func retire(all []*entry) {
	for _, e := range all {
		e.halt()
	}
	for i := 1; i < adminDownRepeats; i++ {
		time.Sleep(adminDownGap)
		for _, e := range all {
			e.mu.Lock()
			e.sendLocked(false)
			e.mu.Unlock()
		}
	}
	for _, e := range all {
		closeSender(e.tx)
	}
}

// halt stops the timer, takes the session AdminDown and sends the first
// AdminDown packet.
func (e *entry) halt() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.removed = true
	e.m.sched.set(e, time.Time{})
	now := time.Now()
	e.handleLocked(e.sess.AdminDown(packet.DiagAdministrativelyDown, now), now)
	e.sendLocked(false)
}
