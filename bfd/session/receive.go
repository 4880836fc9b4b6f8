package session

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// Receive processes a Control packet that packet.Decode accepted and that
// was demultiplexed to this session, following RFC 5880 §6.8.6 from the
// authentication checks on. raw is the packet as received (its Length
// bytes), needed to verify digests; it is not retained.
func (s *Session) Receive(c *packet.Control, raw []byte, now time.Time) Result {
	if drop := s.authenticate(c, raw); drop != DropNone {
		return Result{Drop: drop}
	}
	s.remoteDiscr = c.MyDiscriminator
	s.remoteState = c.State
	s.remoteDemand = c.Demand
	s.remoteDetectMult = c.DetectMult
	s.remoteDesiredTx = usec(c.DesiredMinTxInterval)
	oldTx := s.TxInterval()
	s.remoteMinRx = usec(c.RequiredMinRxInterval)
	var r Result
	if c.Final && s.polling {
		s.finishPoll()
		s.pollAtOnce(now) // a change queued behind the Poll
		r.PollDone = true
	} else if s.TxInterval() < oldTx {
		s.rescheduleTx()
	}
	s.lastRx = now
	if s.state == packet.StateAdminDown {
		return Result{Drop: DropAdminDown}
	}
	r.SendFinal = c.Poll
	if t, ok := s.transition(c.State, now); ok {
		r.Changed, r.Transition = true, t
	}
	return r
}

// transition is the state table of §6.8.6 (and the diagram of §6.2).
func (s *Session) transition(remote packet.State, now time.Time) (Transition, bool) {
	var to packet.State
	diag := s.localDiag
	switch {
	case remote == packet.StateAdminDown:
		if s.state == packet.StateDown {
			return Transition{}, false
		}
		to, diag = packet.StateDown, packet.DiagNeighborSignaledSessionDown
	case s.state == packet.StateDown && remote == packet.StateDown:
		to = packet.StateInit
	case s.state == packet.StateDown && remote == packet.StateInit,
		s.state == packet.StateInit && remote != packet.StateDown:
		to, diag = packet.StateUp, packet.DiagNone
	case s.state == packet.StateUp && remote == packet.StateDown:
		to, diag = packet.StateDown, packet.DiagNeighborSignaledSessionDown
	default:
		return Transition{}, false
	}
	return s.setState(to, diag, now).Transition, true
}

// authenticate applies the authentication checks of §6.8.6 and §6.7.
func (s *Session) authenticate(c *packet.Control, raw []byte) DropReason {
	a := s.cfg.Auth
	switch {
	case a == nil && c.Auth.Type == packet.AuthNone:
		return DropNone
	case a == nil:
		return DropAuthUnexpected
	case c.Auth.Type == packet.AuthNone:
		return DropAuthMissing
	case c.Auth.Type != a.Type:
		return DropAuthType
	case c.Auth.KeyID != a.KeyID:
		return DropAuthKeyID
	case a.Type.Sequenced() && !s.inWindow(c.Auth.Sequence):
		return DropAuthSequence
	case !packet.Verify(raw, a.Secret):
		return DropAuthDigest
	}
	if a.Type.Sequenced() {
		s.rcvAuthSeq, s.authSeqKnown = c.Auth.Sequence, true
	}
	return DropNone
}

// inWindow checks a received sequence number against bfd.RcvAuthSeq: within
// 3×bfd.DetectMult, and strictly greater for the meticulous types (§6.7.3,
// §6.7.4), in circular 32-bit arithmetic.
func (s *Session) inWindow(seq uint32) bool {
	if !s.authSeqKnown {
		return true
	}
	lo := s.rcvAuthSeq
	if s.cfg.Auth.Type.Meticulous() {
		lo++
	}
	return seq-lo <= s.rcvAuthSeq+3*uint32(s.cfg.DetectMult)-lo
}

func usec(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
