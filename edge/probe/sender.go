package probe

import (
	"errors"
	"sync"
	"time"
)

// A Sender probes one path: it numbers and sends a probe every Interval,
// matches the replies, declares probes unanswered after Timeout lost, and
// keeps the windows of Metrics.
//
// Jitter is estimated on one-way forward transit differences, as RFC 3550
// §6.4.1 does for RTP: for consecutive replies i and j,
// D = (R_j − R_i) − (S_j − S_i) with S the Sender Timestamp and R the
// reflector's Receive Timestamp, and J += (|D| − J)/16. The clocks'
// offset cancels in D, only their drift remains (100 ppm over a 100 ms
// interval is 10 µs). Forward rather than round-trip differences because
// each edge steers only what it sends: the reverse direction is the
// peer's to measure and steer, and a round-trip difference would add the
// reverse path's jitter and the reflector's scheduling to it. A D larger
// than the longer of the two round trips (plus 100 µs) cannot be transit
// (a one-way transit lies between 0 and the round trip): the reflector's
// clock stepped, and the sample is skipped and counted as ClockSteps.
//
// Concurrency: Tick must be called from one goroutine at a time (it owns
// the transmit buffer and calls send without holding any lock);
// Receive, Metrics and Counters may be called from any goroutine.
type Sender struct {
	cfg     Config
	session uint32
	send    func([]byte) error
	buf     [Len]byte // owned by Tick

	mu          sync.Mutex // guards the fields below; never held across send
	seq         uint32     // next sequence number
	nextSend    time.Time
	out         []slot // outstanding probes, indexed by seq % len
	win         window
	highest     uint32 // highest sequence number answered
	answered    bool   // a reply has been matched
	jitter      float64
	prevTransit int64
	prevRTT     time.Duration
	c           Counters
}

type slotState uint8

const (
	slotFree slotState = iota
	slotWaiting
	slotAnswered
	slotLost
)

type slot struct {
	seq    uint32
	ts     int64
	sentAt time.Time
	st     slotState
}

// Counters of a Sender.
type Counters struct {
	Sent       uint64 // probes handed to send without error
	SendErrors uint64 // probes send refused (not counted as loss)
	Replies    uint64 // replies matched to an outstanding probe
	Lost       uint64 // probes unanswered after Timeout
	Late       uint64 // replies after their probe was declared lost
	Duplicates uint64 // replies to a probe already answered
	Reordered  uint64 // replies to a probe older than one already answered
	Stale      uint64 // replies of another session, or to no probe in the table
	ClockSteps uint64 // jitter samples skipped: the reflector's clock moved
	// BadResidence counts replies whose reflector residence (its send minus
	// its receive timestamp) was longer than the whole round trip: a clock
	// step or a false timestamp. Their RTT is taken whole, so that a peer
	// cannot make a path look faster than it is.
	BadResidence uint64
	Errors       [NumErrors]uint64
}

// NewSender returns a Sender of the given session (choose it at random,
// so replies to an earlier incarnation are ignored) that sends each probe
// with send. The probe slice passed to send is only valid during the
// call.
func NewSender(cfg Config, session uint32, send func([]byte) error) (*Sender, error) {
	cfg, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	if send == nil {
		return nil, errors.New("send: required")
	}
	return &Sender{
		cfg:     cfg,
		session: session,
		send:    send,
		out:     make([]slot, cfg.MaxOutstanding),
		win:     newWindow(cfg.Window),
	}, nil
}

// Config returns the Sender's settings, defaults filled.
func (s *Sender) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// SetInterval changes the time between probes from now on, within the
// limits Validate applies to Config.Interval with the other settings as
// they are. A shorter interval takes effect at once: the next probe is
// due no later than now plus d. The windows keep their samples; they
// cover Window probes, so a longer interval widens them in time.
func (s *Sender) SetInterval(d time.Duration, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cfg
	c.Interval = d
	if _, err := c.Validate(); err != nil {
		return err
	}
	s.cfg.Interval = d
	if next := now.Add(d); s.nextSend.After(next) {
		s.nextSend = next
	}
	return nil
}

// Tick declares overdue probes lost, sends a probe if one is due, and
// returns when Tick should run next. It does not allocate.
func (s *Sender) Tick(now time.Time) time.Time {
	s.mu.Lock()
	s.expireLocked(now)
	due := !now.Before(s.nextSend)
	var seq uint32
	if due {
		seq = s.prepareLocked(now)
	}
	next := s.nextDeadlineLocked()
	s.mu.Unlock()
	if !due {
		return next
	}
	err := s.send(s.buf[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.c.SendErrors++
		if sl := &s.out[seq%uint32(len(s.out))]; sl.seq == seq && sl.st == slotWaiting {
			sl.st = slotFree
		}
		return next
	}
	s.c.Sent++
	return next
}

// prepareLocked writes the next probe into buf and records it.
func (s *Sender) prepareLocked(now time.Time) uint32 {
	seq := s.seq
	s.seq++
	sl := &s.out[seq%uint32(len(s.out))]
	if sl.st == slotWaiting { // Tick ran late: the old probe is overdue anyway
		s.loseLocked(sl)
	}
	*sl = slot{seq: seq, ts: now.UnixNano(), sentAt: now, st: slotWaiting}
	p := Packet{Kind: KindRequest, Session: s.session, Seq: seq, SenderTS: sl.ts}
	Encode(s.buf[:], &p) // cannot fail: buf is Len long and the kind is valid
	s.nextSend = s.nextSend.Add(s.cfg.Interval)
	if s.nextSend.Before(now) { // first probe, or Tick ran more than an interval late
		s.nextSend = now.Add(s.cfg.Interval)
	}
	return seq
}

func (s *Sender) expireLocked(now time.Time) {
	for i := range s.out {
		sl := &s.out[i]
		if sl.st == slotWaiting && now.Sub(sl.sentAt) >= s.cfg.Timeout {
			s.loseLocked(sl)
		}
	}
}

func (s *Sender) loseLocked(sl *slot) {
	sl.st = slotLost
	s.c.Lost++
	s.win.add(result{sentAt: sl.sentAt, lost: true})
}

func (s *Sender) nextDeadlineLocked() time.Time {
	next := s.nextSend
	for i := range s.out {
		sl := &s.out[i]
		if sl.st == slotWaiting {
			if t := sl.sentAt.Add(s.cfg.Timeout); t.Before(next) {
				next = t
			}
		}
	}
	return next
}

// Receive takes a reply that arrived at now. Errors are the decoding
// errors (counted in Counters.Errors); replies that do not match an
// outstanding probe are counted, not errors. It does not allocate.
func (s *Sender) Receive(body []byte, now time.Time) error {
	var p Packet
	err := Decode(body, &p)
	if err == nil && p.Kind != KindReply {
		err = ErrNotReply
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.c.Errors[err.(Error)]++
		return err
	}
	if p.Session != s.session {
		s.c.Stale++
		return nil
	}
	sl := &s.out[p.Seq%uint32(len(s.out))]
	if sl.seq != p.Seq || sl.ts != p.SenderTS || sl.st == slotFree {
		s.c.Stale++
		return nil
	}
	switch sl.st {
	case slotAnswered:
		s.c.Duplicates++
		return nil
	case slotLost:
		s.c.Late++
		return nil
	}
	s.answerLocked(sl, &p, now)
	return nil
}

func (s *Sender) answerLocked(sl *slot, p *Packet, now time.Time) {
	sl.st = slotAnswered
	s.c.Replies++
	elapsed := max(now.Sub(sl.sentAt), 0)
	rtt := elapsed
	if residence := time.Duration(p.SendTS - p.RecvTS); residence >= 0 && residence <= elapsed {
		rtt -= residence
	} else {
		s.c.BadResidence++
	}
	s.win.add(result{sentAt: sl.sentAt, rtt: rtt})
	if s.answered && int32(p.Seq-s.highest) < 0 {
		s.c.Reordered++
	} else {
		s.highest = p.Seq
	}
	transit := p.RecvTS - p.SenderTS
	if s.answered {
		d := transit - s.prevTransit
		if d < 0 {
			d = -d
		}
		if time.Duration(d) > max(rtt, s.prevRTT)+clockSlack {
			s.c.ClockSteps++
		} else {
			s.jitter += (float64(d) - s.jitter) / 16
		}
	}
	s.answered, s.prevTransit, s.prevRTT = true, transit, rtt
}

// clockSlack allows for timestamp granularity in the clock step test.
const clockSlack = 100 * time.Microsecond

// Metrics returns the windows' statistics at now. It does not allocate.
func (s *Sender) Metrics(now time.Time) Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m Metrics
	s.win.fill(&m, now, s.cfg.LossWindow, s.cfg.Percentile)
	m.Jitter = time.Duration(s.jitter)
	return m
}

// Counters returns the counters.
func (s *Sender) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c
}
