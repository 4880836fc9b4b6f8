package bfd

import (
	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// Receive takes one packet from a transport: it decodes it, finds its
// session (by Your Discriminator, or by addresses while that is zero, RFC
// 5880 §6.8.6) and runs the session's state machine. Malformed packets and
// packets for no session are dropped and counted. b is not retained.
// Receive does not allocate.
func (m *Manager) Receive(b []byte, meta RxMeta) {
	var c packet.Control
	if err := c.Decode(b); err != nil {
		m.countMalformed(err)
		return
	}
	e := m.demux(&c, &meta)
	if e == nil {
		m.noSession.Add(1)
		return
	}
	e.receive(&c, b, &meta)
}

func (m *Manager) countMalformed(err error) {
	if pe, ok := err.(packet.Error); ok && int(pe) < len(m.malformed) {
		m.malformed[pe].Add(1)
	}
}

// demux finds the session a decoded packet belongs to.
func (m *Manager) demux(c *packet.Control, meta *RxMeta) *entry {
	if c.YourDiscriminator != 0 {
		return m.byDisc.get(c.YourDiscriminator)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	k := Key{Local: meta.Dst.Unmap(), Peer: meta.Src.Unmap(), Multihop: meta.Multihop, IfIndex: meta.IfIndex}
	if e := m.byKey[k]; e != nil {
		return e
	}
	k.IfIndex = 0
	return m.byKey[k]
}
