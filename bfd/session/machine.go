package session

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// Session is one BFD session: the state variables of RFC 5880 §6.8.1 and
// the timers derived from them, as absolute deadlines.
type Session struct {
	cfg Config
	rnd func() uint32 // jitter source

	state       packet.State // bfd.SessionState
	remoteState packet.State // bfd.RemoteSessionState
	localDiscr  uint32       // bfd.LocalDiscr
	remoteDiscr uint32       // bfd.RemoteDiscr
	localDiag   packet.Diag  // bfd.LocalDiag

	// Intervals. adv* are the values carried in our packets; eff* are the
	// ones our timers use. They differ only during a Poll Sequence (§6.8.3).
	advTx, advRx time.Duration
	effTx, effRx time.Duration
	polling      bool
	pollNow      bool // the Poll started asks for a lower receive interval: send it at once (pollAtOnce)

	remoteMinRx      time.Duration // bfd.RemoteMinRxInterval
	remoteDesiredTx  time.Duration // last received Desired Min TX Interval
	remoteDetectMult uint8
	remoteDemand     bool // bfd.RemoteDemandMode

	xmitAuthSeq  uint32 // bfd.XmitAuthSeq
	rcvAuthSeq   uint32 // bfd.RcvAuthSeq
	authSeqKnown bool   // bfd.AuthSeqKnown

	lastRx time.Time // last accepted packet; zero if none since reset
	nextTx time.Time // next periodic transmission
	lastTx time.Time
}

// New returns a session in state Down. localDiscr must be non-zero and unique
// on the system (§6.8.1); rnd supplies jitter and the initial auth sequence
// number.
func New(localDiscr uint32, cfg Config, now time.Time, rnd func() uint32) *Session {
	s := &Session{cfg: cfg, rnd: rnd, state: packet.StateDown, localDiscr: localDiscr,
		remoteMinRx: time.Microsecond, xmitAuthSeq: rnd()}
	s.resetIntervals()
	s.nextTx = now // first packet at once
	return s
}

// LocalDiscr returns bfd.LocalDiscr.
func (s *Session) LocalDiscr() uint32 { return s.localDiscr }

// State returns bfd.SessionState.
func (s *Session) State() packet.State { return s.state }

// Config returns the current configuration.
func (s *Session) Config() Config { return s.cfg }

// resetIntervals applies the configuration to advertised and effective
// intervals outside Up, where no Poll Sequence is needed (§6.8.3).
func (s *Session) resetIntervals() {
	s.advTx = s.cfg.DesiredMinTx
	if s.state != packet.StateUp && s.advTx < SlowTxInterval {
		s.advTx = SlowTxInterval
	}
	s.advRx = s.cfg.RequiredMinRx
	s.effTx, s.effRx = s.advTx, s.advRx
	s.polling = false
}

// TxInterval is the negotiated transmission interval before jitter (§6.8.2),
// or 0 while periodic transmission is not allowed.
func (s *Session) TxInterval() time.Duration {
	if s.remoteMinRx == 0 {
		return 0
	}
	return max(s.effTx, s.remoteMinRx)
}

// DetectionTime is the negotiated detection time in asynchronous mode
// (§6.8.4), or 0 before the first packet from the remote system. It is
// capped (Config.MaxDetectionTime): the remote's timers must not stretch
// it to hours.
func (s *Session) DetectionTime() time.Duration {
	if s.remoteDetectMult == 0 {
		return 0
	}
	dt := time.Duration(s.remoteDetectMult) * max(s.effRx, s.remoteDesiredTx)
	limit := s.cfg.MaxDetectionTime
	if limit == 0 {
		limit = DefaultMaxDetectionTime
	}
	return min(dt, max(limit, time.Duration(s.cfg.DetectMult)*s.effRx))
}

// mayTransmit reports whether periodic transmission is allowed (§6.8.7).
func (s *Session) mayTransmit() bool {
	if s.cfg.Passive && s.remoteDiscr == 0 {
		return false
	}
	if s.remoteDemand && s.state == packet.StateUp && s.remoteState == packet.StateUp && !s.polling {
		return false
	}
	return s.remoteMinRx != 0
}

// jittered returns a transmission interval reduced by 0–25 %, or by 10–25 %
// when bfd.DetectMult is 1 (§6.8.7).
func (s *Session) jittered(iv time.Duration) time.Duration {
	lo, span := uint32(75), uint32(26) // 75..100 %
	if s.cfg.DetectMult == 1 {
		span = 16 // 75..90 %
	}
	pct := lo + s.rnd()%span
	return iv * time.Duration(pct) / 100
}

// NextDeadline returns when Tick must next be called: the earlier of the
// next transmission and the detection deadline. Zero means never.
func (s *Session) NextDeadline() time.Time {
	var d time.Time
	if s.mayTransmit() {
		d = s.nextTx
	}
	if dl := s.detectDeadline(); !dl.IsZero() && (d.IsZero() || dl.Before(d)) {
		d = dl
	}
	return d
}

// detectDeadline is when the detection timer of §6.8.4 expires, or when
// bfd.AuthSeqKnown must be cleared (§6.8.1), whichever comes first.
func (s *Session) detectDeadline() time.Time {
	dt := s.DetectionTime()
	if s.lastRx.IsZero() || dt == 0 {
		return time.Time{}
	}
	if s.state == packet.StateInit || s.state == packet.StateUp || s.remoteDiscr != 0 {
		return s.lastRx.Add(dt)
	}
	if s.authSeqKnown {
		return s.lastRx.Add(2 * dt)
	}
	return time.Time{}
}

// Tick handles timer expiry at now. It reports whether a periodic packet is
// due (the owner then calls Encode) and any state change.
func (s *Session) Tick(now time.Time) (send bool, r Result) {
	r = s.checkDetection(now)
	if s.mayTransmit() && !now.Before(s.nextTx) {
		send = true
		s.lastTx = now
		s.nextTx = now.Add(s.jittered(s.TxInterval()))
	}
	return send, r
}

// checkDetection applies the expiry of the Detection Time (§6.8.4, §6.8.1).
func (s *Session) checkDetection(now time.Time) (r Result) {
	dt := s.DetectionTime()
	if s.lastRx.IsZero() || dt == 0 {
		return r
	}
	if s.authSeqKnown && now.Sub(s.lastRx) >= 2*dt {
		s.authSeqKnown = false
	}
	if now.Sub(s.lastRx) < dt || s.remoteDiscr == 0 && s.state != packet.StateInit && s.state != packet.StateUp {
		return r
	}
	s.remoteDiscr = 0
	if s.state == packet.StateInit || s.state == packet.StateUp {
		r = s.setState(packet.StateDown, packet.DiagControlDetectionTimeExpired, now)
	}
	return r
}

// setState moves to st with diagnostic diag and resets what §6.8.3 ties to
// the state.
func (s *Session) setState(st packet.State, diag packet.Diag, now time.Time) Result {
	from := s.state
	s.state, s.localDiag = st, diag
	if st == packet.StateUp {
		s.goingUp(now)
	} else if from == packet.StateUp {
		s.resetIntervals()
		s.rescheduleTx()
	}
	return Result{Changed: true, Transition: Transition{From: from, To: st, Diag: diag}}
}

// goingUp leaves the slow rate: the configured Desired Min TX Interval is
// advertised through a Poll Sequence (§6.8.3).
func (s *Session) goingUp(now time.Time) {
	if s.cfg.DesiredMinTx != s.advTx || s.cfg.RequiredMinRx != s.advRx {
		s.startPoll()
	}
}

// startPoll advertises the configured intervals with the Poll bit set. A
// decrease of the transmit interval and an increase of the receive interval
// apply at once; the others wait for the Final (§6.8.3).
func (s *Session) startPoll() {
	s.pollNow = s.state == packet.StateUp && s.cfg.RequiredMinRx < s.advRx
	s.advTx, s.advRx = s.cfg.DesiredMinTx, s.cfg.RequiredMinRx
	s.effTx = min(s.effTx, s.advTx)
	s.effRx = max(s.effRx, s.advRx)
	s.polling = true
	s.rescheduleTx()
}

// pollAtOnce sends a Poll that asks the peer for a lower receive interval
// now rather than at the (possibly slow) interval the peer asked for
// (adaptive BFD in the edge: an idle path asks for a packet a second and
// speeds up when a real-time flow starts). One packet out of turn per
// change; the peer answers it at once in any case (§6.8.7: a Final is
// sent regardless of timers). Callers that may have started a Poll call
// it with the time.
func (s *Session) pollAtOnce(now time.Time) {
	if s.pollNow && s.polling && s.nextTx.After(now) {
		s.nextTx = now
	}
	s.pollNow = false
}

// finishPoll ends a Poll Sequence on receipt of the Final bit and starts the
// next one if the configuration changed meanwhile.
func (s *Session) finishPoll() {
	s.effTx, s.effRx = s.advTx, s.advRx
	s.polling = false
	if s.cfg.DesiredMinTx != s.advTx || s.cfg.RequiredMinRx != s.advRx {
		s.startPoll()
	}
	s.rescheduleTx()
}

// rescheduleTx brings the next transmission forward when the interval got
// shorter, so a faster rate takes effect without waiting a slow interval.
func (s *Session) rescheduleTx() {
	iv := s.TxInterval()
	if iv == 0 || s.lastTx.IsZero() {
		return
	}
	if next := s.lastTx.Add(s.jittered(iv)); next.Before(s.nextTx) {
		s.nextTx = next
	}
}
