package agent

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// Link is a WAN link the control channel can be bound to
// (Options.Links).
type Link struct {
	Name string
	// Interface is bound with SO_BINDTODEVICE: the connection leaves by
	// this link whatever the host's routes prefer. Empty: not bound.
	Interface string
	// Local is the source address when it is of the controller's family;
	// invalid: the interface's.
	Local netip.Addr
	Cost  int
}

// LinksOf are the WAN links of a configuration, for Options.Links.
func LinksOf(v *config.Valid) []Link {
	out := make([]Link, 0, len(v.Links))
	for _, l := range v.Links {
		out = append(out, Link{Name: l.Name, Interface: l.Interface, Local: l.LocalAddress, Cost: l.Cost})
	}
	return out
}

// linkHealth is what the chooser knows of a link.
type linkHealth struct {
	// down: a dial, a probe or the acknowledgements failed on it, and it
	// has not answered probes for returnAfter since.
	down bool
	// downAt is when it last failed.
	downAt time.Time
	// okSince is the first of the probes the down link answered in a
	// row; zero: none.
	okSince time.Time
}

// chooser decides which link the control channel uses. It does no I/O:
// the dialer, the probes and the acknowledgement watch tell it what
// happened, with the time (docs/EDGE_AGENT.md, Control channel links).
//
// Dials try the links that are not down, cheapest first, then the down
// ones, then none (the host's routing). The channel stays on the link it
// got until that link stalls; meanwhile the links cheaper than it are
// probed, and it moves back to one that is not down at its first answer,
// or to a down one once it answered every probe for returnAfter (the
// hysteresis that keeps a flapping link from taking the channel back and
// forth).
type chooser struct {
	returnAfter time.Duration

	links  []Link // by cost, then name
	health map[string]*linkHealth
	// inUse: a connection is up on current (a link's name, or unbound
	// when bound is false); false after a stall until the next dial.
	inUse, bound bool
	current      string
}

func newChooser(returnAfter time.Duration) *chooser {
	return &chooser{returnAfter: returnAfter, health: map[string]*linkHealth{}}
}

// setLinks takes the links of the configuration in force; what is known
// of a link that stays is kept.
func (c *chooser) setLinks(ls []Link) {
	c.links = slices.Clone(ls)
	slices.SortStableFunc(c.links, func(a, b Link) int {
		return cmp.Or(cmp.Compare(a.Cost, b.Cost), cmp.Compare(a.Name, b.Name))
	})
	keep := map[string]*linkHealth{}
	for _, l := range c.links {
		if h := c.health[l.Name]; h != nil {
			keep[l.Name] = h
		} else {
			keep[l.Name] = &linkHealth{}
		}
	}
	c.health = keep
}

// order is the order a dial tries the links in: those not down by cost,
// then the down ones, the longest down first (the link that just failed
// comes last). A dial that gets through none of them goes unbound.
func (c *chooser) order() []Link {
	var up, down []Link
	for _, l := range c.links {
		if c.health[l.Name].down {
			down = append(down, l)
		} else {
			up = append(up, l)
		}
	}
	slices.SortStableFunc(down, func(a, b Link) int {
		return c.health[a.Name].downAt.Compare(c.health[b.Name].downAt)
	})
	return append(up, down...)
}

// use records a connection on the link named (bound), or unbound.
func (c *chooser) use(name string, bound bool) {
	c.inUse, c.current, c.bound = true, name, bound
	if h := c.health[name]; bound && h != nil {
		*h = linkHealth{}
	}
}

// failed records that a dial or a probe on the link did not get through
// at now.
func (c *chooser) failed(name string, now time.Time) {
	if h := c.health[name]; h != nil {
		*h = linkHealth{down: true, downAt: now}
	}
}

// stall records that the connection in use stopped getting
// acknowledgements: its link is down. It returns the connection's link,
// whose connections are to be closed.
func (c *chooser) stall(now time.Time) (name string, bound bool) {
	name, bound = c.current, c.bound
	if bound {
		c.failed(name, now)
	}
	c.inUse = false
	return name, bound
}

// toProbe are the links worth moving to: those cheaper than the one in
// use, or every link when the channel is unbound or on a link no longer
// configured. None while no connection is up (the dial chooses then).
func (c *chooser) toProbe() []Link {
	if !c.inUse {
		return nil
	}
	i := slices.IndexFunc(c.links, func(l Link) bool { return l.Name == c.current })
	if !c.bound || i < 0 {
		return slices.Clone(c.links)
	}
	var out []Link
	for _, l := range c.links[:i] {
		if l.Cost < c.links[i].Cost {
			out = append(out, l)
		}
	}
	return out
}

// probed records whether a probe got through the link at now, and says
// whether the channel is to move to it: at once if it is not down, after
// returnAfter of answered probes if it is.
func (c *chooser) probed(name string, ok bool, now time.Time) (move bool) {
	h := c.health[name]
	switch {
	case h == nil:
		return false
	case !ok:
		c.failed(name, now)
		return false
	case !h.down:
		return true
	case h.okSince.IsZero():
		h.okSince = now
	}
	if now.Sub(h.okSince) < c.returnAfter {
		return false
	}
	*h = linkHealth{}
	return true
}

// ackWatch tells a dead connection from the Report stream: a batch sent
// and not acknowledged within the ack timeout, while the batches are one
// a second, means that nothing comes back.
type ackWatch struct {
	lastSent, lastAcked uint64
	// since is when the channel last made progress with batches
	// outstanding: the first send after all were acknowledged, or the
	// last acknowledgement that left some; zero: none outstanding.
	since time.Time
}

func (w *ackWatch) sent(seq uint64, now time.Time) {
	if w.since.IsZero() {
		w.since = now
	}
	w.lastSent = max(w.lastSent, seq)
}

func (w *ackWatch) acked(seq uint64, now time.Time) {
	w.lastAcked = max(w.lastAcked, seq)
	if w.lastAcked >= w.lastSent {
		w.since = time.Time{}
	} else {
		w.since = now
	}
}

// reset forgets the stream: a new one starts with nothing outstanding.
func (w *ackWatch) reset() { *w = ackWatch{} }

// stalled says whether batches have waited for an acknowledgement for
// timeout or longer at now.
func (w *ackWatch) stalled(now time.Time, timeout time.Duration) bool {
	return !w.since.IsZero() && now.Sub(w.since) >= timeout
}
