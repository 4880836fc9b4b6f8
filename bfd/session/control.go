package session

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// Encode writes the next Control packet of this session into b (at least
// packet.MaxLen bytes) and returns its length. final sets the Final bit in
// answer to a Poll; otherwise the Poll bit is set while a Poll Sequence of
// ours is in progress. The packet is signed when authentication is on.
// Errors arise only from a buffer shorter than packet.MaxLen or a
// configuration that Config.Validate would have refused.
func (s *Session) Encode(b []byte, final bool) (int, error) {
	c := packet.Control{
		Diag:                  s.localDiag,
		State:                 s.state,
		Poll:                  s.polling && !final,
		Final:                 final,
		DetectMult:            s.cfg.DetectMult,
		MyDiscriminator:       s.localDiscr,
		YourDiscriminator:     s.remoteDiscr,
		DesiredMinTxInterval:  toUsec(s.advTx),
		RequiredMinRxInterval: toUsec(s.advRx),
	}
	if a := s.cfg.Auth; a != nil {
		c.Auth.Type, c.Auth.KeyID = a.Type, a.KeyID
		if a.Type == packet.AuthSimplePassword {
			c.Auth.Password = a.Secret
		} else {
			s.xmitAuthSeq++
			c.Auth.Sequence = s.xmitAuthSeq
		}
	}
	n, err := c.Encode(b)
	if err != nil {
		return 0, err
	}
	if a := s.cfg.Auth; a != nil && a.Type.Sequenced() {
		if err := packet.Sign(b[:n], a.Secret); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func toUsec(d time.Duration) uint32 { return uint32(d / time.Microsecond) }

// AdminDown takes the session administratively down with diag (normally
// packet.DiagAdministrativelyDown). The owner should transmit at once so the
// remote system learns it (§6.8.16); Tick keeps sending AdminDown packets at
// the slow rate.
func (s *Session) AdminDown(diag packet.Diag, now time.Time) Result {
	if s.state == packet.StateAdminDown {
		return Result{}
	}
	// bfd.RemoteDiscr is kept: the peer demultiplexes our AdminDown
	// packets by Your Discriminator (RFC 5880 §6.8.6).
	r := s.setState(packet.StateAdminDown, diag, now)
	s.resetIntervals()
	return r
}

// Enable leaves AdminDown for Down (§6.8.16).
func (s *Session) Enable(now time.Time) Result {
	if s.state != packet.StateAdminDown {
		return Result{}
	}
	r := s.setState(packet.StateDown, packet.DiagNone, now)
	s.resetIntervals()
	s.nextTx = now
	return r
}

// SetConfig replaces the configuration. While Up, a change of interval is
// negotiated with a Poll Sequence (§6.8.3); otherwise it applies at once.
// The caller validates cfg first.
func (s *Session) SetConfig(cfg Config, now time.Time) {
	old := s.cfg
	s.cfg = cfg
	if !sameAuth(old.Auth, cfg.Auth) {
		s.authSeqKnown = false
	}
	switch {
	case s.state != packet.StateUp:
		s.resetIntervals()
	case !s.polling && (cfg.DesiredMinTx != s.advTx || cfg.RequiredMinRx != s.advRx):
		s.startPoll()
	case s.polling && cfg.RequiredMinRx < old.RequiredMinRx && cfg.RequiredMinRx < s.advRx:
		// A faster receive interval waits for the Poll in flight, which
		// goes out at the peer's (possibly slow) rate: send it now, and
		// the Final starts the next one at once (Receive).
		s.pollNow = true
	}
	s.rescheduleTx()
	s.pollAtOnce(now)
	if cfg.Passive != old.Passive && s.nextTx.Before(now) {
		s.nextTx = now
	}
}

func sameAuth(a, b *Auth) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Type == b.Type && a.KeyID == b.KeyID && string(a.Secret) == string(b.Secret)
}
