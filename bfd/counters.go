package bfd

import (
	"sync/atomic"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// dropReason extends session.DropReason with the checks a Manager makes
// before the state machine runs.
type dropReason uint8

const (
	dropNone          = dropReason(session.DropNone)
	dropWrongPort     = dropReason(session.NumDropReasons) + iota - 1 // single-hop packet on the multihop port or back
	dropTTL                                                           // TTL / Hop Limit below the minimum (GTSM)
	dropSourceAddress                                                 // source address is not the session's peer
	dropInterface                                                     // received on another interface than the session's
	numDropReasons
)

var extraDropNames = [...]string{"wrong_port", "ttl", "source_address_mismatch", "wrong_interface"}

func (r dropReason) String() string {
	if r < dropReason(session.NumDropReasons) {
		return session.DropReason(r).String()
	}
	return extraDropNames[r-dropReason(session.NumDropReasons)]
}

func (r dropReason) isAuth() bool {
	return r < dropReason(session.NumDropReasons) && session.DropReason(r).IsAuth()
}

// counters are a session's statistics, updated without locks.
type counters struct {
	packetsIn, packetsOut, sendErrors atomic.Uint64
	transitions, pollsCompleted       atomic.Uint64
	authFailures                      atomic.Uint64
	lastDownDiag                      atomic.Uint32
	drops                             [numDropReasons]atomic.Uint64
}

func (c *counters) drop(r dropReason) {
	c.drops[r].Add(1)
	if r.isAuth() {
		c.authFailures.Add(1)
	}
}

// Counters is a snapshot of a session's statistics.
type Counters struct {
	PacketsIn      uint64            `json:"packets_in"`
	PacketsOut     uint64            `json:"packets_out"`
	SendErrors     uint64            `json:"send_errors"`
	Transitions    uint64            `json:"transitions"`
	PollsCompleted uint64            `json:"polls_completed"`
	AuthFailures   uint64            `json:"auth_failures"`
	Drops          map[string]uint64 `json:"drops"`
	LastDownDiag   packet.Diag       `json:"last_down_diag"`
}

func (c *counters) snapshot() Counters {
	s := Counters{
		PacketsIn: c.packetsIn.Load(), PacketsOut: c.packetsOut.Load(), SendErrors: c.sendErrors.Load(),
		Transitions: c.transitions.Load(), PollsCompleted: c.pollsCompleted.Load(),
		AuthFailures: c.authFailures.Load(), LastDownDiag: packet.Diag(c.lastDownDiag.Load()),
		Drops: map[string]uint64{},
	}
	for i := dropReason(1); i < numDropReasons; i++ {
		if v := c.drops[i].Load(); v > 0 {
			s.Drops[i.String()] = v
		}
	}
	return s
}

// SessionInfo is a snapshot of one session.
type SessionInfo struct {
	Key      Key          `json:"-"`
	Local    string       `json:"local"`
	Peer     string       `json:"peer"`
	Multihop bool         `json:"multihop"`
	Session  session.Info `json:"session"`
	Counters Counters     `json:"counters"`
}

// Sessions returns a snapshot of every session.
func (m *Manager) Sessions() []SessionInfo {
	m.mu.RLock()
	all := make([]*entry, 0, len(m.byKey))
	for _, e := range m.byKey {
		all = append(all, e)
	}
	m.mu.RUnlock()
	out := make([]SessionInfo, 0, len(all))
	for _, e := range all {
		out = append(out, e.info())
	}
	return out
}

// Session returns a snapshot of one session.
func (m *Manager) Session(k Key) (SessionInfo, bool) {
	e := m.entryByKey(k)
	if e == nil {
		return SessionInfo{}, false
	}
	return e.info(), true
}

func (e *entry) info() SessionInfo {
	e.mu.Lock()
	si := e.sess.Info()
	e.mu.Unlock()
	return SessionInfo{Key: e.key, Local: e.key.Local.String(), Peer: e.key.Peer.String(),
		Multihop: e.key.Multihop, Session: si, Counters: e.ctr.snapshot()}
}

// Stats are the Manager's counters for packets no session could take.
type Stats struct {
	NoSession uint64            `json:"no_session"`
	Malformed map[string]uint64 `json:"malformed"`
}

// Stats returns the Manager-level drop counters.
func (m *Manager) Stats() Stats {
	s := Stats{NoSession: m.noSession.Load(), Malformed: map[string]uint64{}}
	for i := range m.malformed {
		if v := m.malformed[i].Load(); v > 0 {
			s.Malformed[packet.Error(i).Reason()] = v
		}
	}
	return s
}
