// Package bfd is the Patronus BFD engine: a Manager owns many sessions (the
// pure state machines of package session), drives their timers, takes
// packets from any transport and hands state changes to subscribers.
//
// The engine does not assume UDP. A transport delivers packets through
// Manager.Receive with an RxMeta and transmits through a per-session Sender:
// package udp provides RFC 5881/5883 sockets; the edge runs the same engine
// inside each overlay tunnel.
package bfd

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// DefaultMultihopMinTTL is the smallest TTL accepted on multihop sessions
// unless configured otherwise (the default of FRR's minimum-ttl).
const DefaultMultihopMinTTL = 254

// singleHopTTL is the only TTL accepted on single-hop sessions (RFC 5881 §5).
const singleHopTTL = 255

// Key identifies a session: RFC 5881/5883 sessions are unique per pair of
// addresses, kind, and (optionally) interface.
type Key struct {
	Local, Peer netip.Addr
	Multihop    bool
	IfIndex     int // 0: any interface
}

func (k Key) String() string {
	kind := "single-hop"
	if k.Multihop {
		kind = "multihop"
	}
	return fmt.Sprintf("%s->%s (%s)", k.Local, k.Peer, kind)
}

// SessionConfig is everything needed to add a session to a Manager.
type SessionConfig struct {
	Key
	session.Config
	// MinTTL is the smallest TTL accepted on a multihop session;
	// 0 means DefaultMultihopMinTTL. Single-hop sessions always require 255.
	MinTTL uint8
}

// Validate reports the first invalid field, naming it.
func (c *SessionConfig) Validate() error {
	switch {
	case !c.Local.IsValid():
		return errors.New("local: address is required")
	case !c.Peer.IsValid():
		return errors.New("peer: address is required")
	case c.Local.Unmap().Is4() != c.Peer.Unmap().Is4():
		return fmt.Errorf("peer %s: address family differs from local %s", c.Peer, c.Local)
	}
	return c.Config.Validate()
}

func (c *SessionConfig) minTTL() int {
	switch {
	case !c.Multihop:
		return singleHopTTL
	case c.MinTTL == 0:
		return DefaultMultihopMinTTL
	}
	return int(c.MinTTL)
}

// Errors returned by Manager methods.
var (
	ErrExists   = errors.New("bfd: a session with these addresses exists")
	ErrNotFound = errors.New("bfd: no such session")
	ErrClosed   = errors.New("bfd: manager closed")
)

// Manager runs BFD sessions. It is safe for concurrent use.
//
// Lock order: Manager.mu before entry.mu; subscriber locks are leaves.
type Manager struct {
	log *slog.Logger

	mu     sync.RWMutex // guards byKey, closed, and changes of byDisc
	byDisc *discIndex
	byKey  map[Key]*entry
	closed bool

	subs  subscribers
	sched *scheduler
	flush atomic.Pointer[func()] // see SetFlush

	noSession atomic.Uint64
	malformed [packet.NumErrors]atomic.Uint64
}

// NewManager returns an empty Manager. A nil logger discards logs.
func NewManager(log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{log: log, byDisc: newDiscIndex(), byKey: map[Key]*entry{}}
	m.sched = newScheduler(m.byDisc.refresh, m.flushSenders)
	return m
}

// SetFlush installs f, called after every round of transmissions the
// Manager makes on its own (timers, AdminDown), for Senders that queue
// packets until flushed, such as udp.BatchedSender. Packets sent while
// processing Receive are flushed by the transport that called Receive.
func (m *Manager) SetFlush(f func()) {
	m.flush.Store(&f)
}

// flushSenders runs the function installed by SetFlush, if any.
func (m *Manager) flushSenders() {
	if f := m.flush.Load(); f != nil && *f != nil {
		(*f)()
	}
}

// Add creates a session that starts in Down and begins transmitting at once
// (unless passive). tx carries its packets; if tx is an io.Closer it is
// closed when the session is removed.
func (m *Manager) Add(cfg SessionConfig, tx Sender) (uint32, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	cfg.Local, cfg.Peer = cfg.Local.Unmap(), cfg.Peer.Unmap()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	if _, ok := m.byKey[cfg.Key]; ok {
		return 0, fmt.Errorf("%w: %s", ErrExists, cfg.Key)
	}
	disc := m.newDiscriminatorLocked()
	e := newEntry(m, cfg, tx, disc)
	m.byDisc.put(disc, e)
	m.byKey[cfg.Key] = e
	e.start()
	return disc, nil
}

// newDiscriminatorLocked picks a random, non-zero, unused discriminator
// (RFC 5880 §6.8.1). m.mu must be held.
func (m *Manager) newDiscriminatorLocked() uint32 {
	for {
		d := rand.Uint32()
		if d != 0 && !m.byDisc.used(d) {
			return d
		}
	}
}

// Update changes a session's timers, multiplier, role or authentication at
// runtime. Interval changes on an Up session go through a Poll Sequence.
func (m *Manager) Update(cfg SessionConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.Local, cfg.Peer = cfg.Local.Unmap(), cfg.Peer.Unmap()
	e := m.entryByKey(cfg.Key)
	if e == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, cfg.Key)
	}
	e.update(cfg)
	return nil
}

// SetAdminDown takes a session administratively down (true) or back (false).
func (m *Manager) SetAdminDown(k Key, down bool) error {
	e := m.entryByKey(k)
	if e == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, k)
	}
	e.setAdminDown(down)
	m.flushSenders()
	return nil
}

// Remove takes a session AdminDown, tells the peer, and deletes it.
func (m *Manager) Remove(k Key) error {
	k.Local, k.Peer = k.Local.Unmap(), k.Peer.Unmap()
	m.mu.Lock()
	e := m.byKey[k]
	if e != nil {
		delete(m.byKey, k)
		m.byDisc.delete(e.disc)
	}
	m.mu.Unlock()
	if e == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, k)
	}
	retire([]*entry{e})
	m.flushSenders()
	return nil
}

// Close takes every session AdminDown, tells the peers (RFC 5880 §6.8.16),
// removes them and ends all subscriptions. It is idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	all := make([]*entry, 0, len(m.byKey))
	for _, e := range m.byKey {
		all = append(all, e)
	}
	m.byKey = map[Key]*entry{}
	m.byDisc.clear()
	m.mu.Unlock()
	retire(all)
	m.flushSenders()
	m.sched.close()
	m.subs.closeAll()
	return nil
}

func (m *Manager) entryByKey(k Key) *entry {
	k.Local, k.Peer = k.Local.Unmap(), k.Peer.Unmap()
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.byKey[k]
}

func closeSender(tx Sender) {
	if c, ok := tx.(io.Closer); ok {
		_ = c.Close()
	}
}
