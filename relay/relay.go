// Package relay forwards the WireGuard datagrams of a path between two
// edges that cannot reach each other directly (both behind symmetric
// NAT, or UDP between them blocked). It is a UDP service run by the
// controller node (controller config section relay) or on its own.
//
// It forwards only between the two ends of a session, and only what
// starts like a WireGuard message, so it is no open relay. An end binds
// its address to its side of a session with a registration MACed with
// the token the controller issued to that edge (relay/wire); data from
// any other address is dropped and counted. The relay holds no WireGuard
// key: it sees the ciphertext WireGuard sends between the edges, never
// what is inside. It is bounded: sessions in all and per site, bytes per
// second per session side, and a session with nothing from either end
// for Idle is forgotten.
//
// A registration replayed from another address by someone who captured
// it moves that side there until the edge's next registration (every
// few seconds, with a later time) moves it back: only one who could
// already drop the path's packets can do this, and WireGuard refuses
// what they could inject.
//
// Locking: the state (sessions, perSite) belongs to the goroutine in
// Serve; nothing else touches it. Counters are Prometheus metrics.
package relay

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/time/rate"

	"github.com/patronus-sdwan/patronus/relay/wire"
)

// Defaults of Config.
const (
	DefaultMaxSessions = 100000
	DefaultMaxPerSite  = 4096
	DefaultRate        = 50 << 20 // bytes per second per session side
	DefaultIdle        = 60 * time.Second
	DefaultClockSkew   = 2 * time.Minute
	sweepEvery         = 5 * time.Second
	maxDatagram        = 1<<16 - 1
	burstOfRate        = 4       // the burst is rate / burstOfRate bytes...
	minBurst           = 1 << 16 // ...and at least one largest datagram
)

// Config is a relay's configuration. Key is required; zero fields take
// the defaults.
type Config struct {
	// Key is the relay key, shared with the controller that issues the
	// tokens: at least wire.KeyLen bytes.
	Key []byte
	// MaxSessions bounds the sessions of the relay; MaxPerSite the
	// sessions one site takes part in.
	MaxSessions, MaxPerSite int
	// Rate is the bytes per second each side of a session may send.
	Rate int
	// Idle forgets a session nothing came for.
	Idle time.Duration
	// ClockSkew is how far a registration's time may be from the
	// relay's clock.
	ClockSkew time.Duration
	// Registerer takes the metrics; nil: none are registered.
	Registerer prometheus.Registerer
	Log        *slog.Logger
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Server is a relay. Serve runs it on a socket.
type Server struct {
	cfg      Config
	m        *metrics
	sessions map[uint64]*session
	perSite  map[string]int
	lastSwp  time.Time
}

// session is one relayed path: its two sides.
type session struct {
	sides    [2]side
	lastSeen time.Time
}

// side is one end of a session, bound by its latest registration.
type side struct {
	site    string         // "" until a registration binds it
	addr    netip.AddrPort // where its registration came from
	regTime time.Time      // the registration's own time: a later one only
	lim     *rate.Limiter
}

// New checks cfg and returns a relay.
func New(cfg Config) (*Server, error) {
	if len(cfg.Key) < wire.KeyLen {
		return nil, fmt.Errorf("relay: key: %d bytes, want at least %d", len(cfg.Key), wire.KeyLen)
	}
	for name, v := range map[string]int{"max_sessions": cfg.MaxSessions, "max_per_site": cfg.MaxPerSite, "rate": cfg.Rate} {
		if v < 0 {
			return nil, fmt.Errorf("relay: %s: %d is negative", name, v)
		}
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.MaxSessions, DefaultMaxSessions)
	def(&cfg.MaxPerSite, DefaultMaxPerSite)
	def(&cfg.Rate, DefaultRate)
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, m: m, sessions: map[uint64]*session{}, perSite: map[string]int{}}, nil
}

// Serve relays on c until c is closed; it then returns nil. It is called
// once per Server. It reads and writes up to batchSize datagrams per
// system call (recvmmsg, sendmmsg).
func (s *Server) Serve(c *net.UDPConn) error {
	_ = c.SetReadBuffer(socketBuffer) // best effort: up to the sysctl limits
	_ = c.SetWriteBuffer(socketBuffer)
	bc := batchConnOf(c)
	in := make([]ipv4.Message, batchSize)
	for i := range in {
		in[i].Buffers = [][]byte{make([]byte, maxDatagram)}
	}
	out := make([]ipv4.Message, 0, batchSize)
	for {
		_ = c.SetReadDeadline(time.Now().Add(sweepEvery))
		n, err := bc.ReadBatch(in, 0)
		now := s.cfg.Now()
		s.sweep(now)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("relay: read: %w", err)
		}
		out = out[:0]
		for i := range in[:n] {
			ua, ok := in[i].Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			src := ua.AddrPort()
			src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
			b := in[i].Buffers[0][:in[i].N]
			if to, ok := s.handle(b, src, now); ok {
				out = append(out, ipv4.Message{Buffers: [][]byte{b}, Addr: net.UDPAddrFromAddrPort(to)})
			}
		}
		s.send(bc, out)
	}
}

const (
	// batchSize is the most datagrams one system call reads or writes.
	batchSize = 32
	// socketBuffer is the kernel buffer of the relay's socket in each
	// direction, as the edges' link sockets have (edge/wgbind).
	socketBuffer = 7 << 20
)

// batchConn reads and writes batches of datagrams (x/net's ipv4 and
// ipv6 PacketConn, whose Message types are one type).
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

func batchConnOf(c *net.UDPConn) batchConn {
	if la, ok := c.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() == nil {
		return ipv6.NewPacketConn(c)
	}
	return ipv4.NewPacketConn(c)
}

// send writes the forwarded datagrams and counts them; one the kernel
// refuses is counted as a send error and skipped.
func (s *Server) send(bc batchConn, out []ipv4.Message) {
	for len(out) > 0 {
		n, err := bc.WriteBatch(out, 0)
		for _, m := range out[:n] {
			s.m.packets.Inc()
			s.m.bytes.Add(float64(len(m.Buffers[0])))
		}
		out = out[n:]
		if err != nil && len(out) > 0 {
			s.m.drop(reasonSendError)
			out = out[1:]
		}
		if err == nil && n == 0 {
			return // cannot happen on Linux; a loop must not depend on it
		}
	}
}

// handle takes one datagram from src; ok says to forward it to to.
func (s *Server) handle(b []byte, src netip.AddrPort, now time.Time) (to netip.AddrPort, ok bool) {
	if len(b) == 0 {
		s.m.drop(reasonMalformed)
		return to, false
	}
	switch b[0] {
	case wire.TypeRegister:
		s.register(b, src, now)
	case wire.TypeData:
		return s.forward(b, src, now)
	default:
		s.m.drop(reasonMalformed)
	}
	return to, false
}

// register binds a side of a session to src, making the session if it
// is new and the bounds allow.
func (s *Server) register(b []byte, src netip.AddrPort, now time.Time) {
	r, err := wire.VerifyRegister(b, s.cfg.Key)
	switch {
	case errors.Is(err, wire.ErrBadMAC):
		s.m.refuse(resultBadMAC)
		return
	case err != nil:
		s.m.refuse(resultMalformed)
		return
	case r.Time.Sub(now).Abs() > s.cfg.ClockSkew:
		s.m.refuse(resultStale)
		return
	}
	ss := s.sessions[r.Session]
	if ss == nil {
		if len(s.sessions) >= s.cfg.MaxSessions || s.perSite[r.Site] >= s.cfg.MaxPerSite {
			s.m.refuse(resultLimit)
			return
		}
		ss = &session{}
		s.sessions[r.Session] = ss
		s.m.sessions.Set(float64(len(s.sessions)))
	}
	sd := &ss.sides[r.Side]
	if sd.site == "" {
		if s.perSite[r.Site] >= s.cfg.MaxPerSite {
			s.m.refuse(resultLimit)
			s.dropIfEmpty(r.Session, ss)
			return
		}
		sd.site, sd.lim = r.Site, rate.NewLimiter(rate.Limit(s.cfg.Rate), max(s.cfg.Rate/burstOfRate, minBurst))
		s.perSite[r.Site]++
	}
	if !r.Time.After(sd.regTime) {
		s.m.refuse(resultReplay)
		return
	}
	if sd.addr != src && sd.addr.IsValid() {
		s.cfg.Log.Info("relay: side moved", "session", fmt.Sprintf("%016x", r.Session), "side", r.Side, "from", sd.addr, "to", src)
	}
	sd.addr, sd.regTime, ss.lastSeen = src, r.Time, now
	s.m.registrations.WithLabelValues(resultOK).Inc()
}

// dropIfEmpty forgets a session no side is bound to.
func (s *Server) dropIfEmpty(id uint64, ss *session) {
	if ss.sides[0].site == "" && ss.sides[1].site == "" {
		delete(s.sessions, id)
		s.m.sessions.Set(float64(len(s.sessions)))
	}
}

// forward checks a Data message from one side of its session and
// returns the other side's address, to send it to unchanged.
func (s *Server) forward(b []byte, src netip.AddrPort, now time.Time) (netip.AddrPort, bool) {
	var none netip.AddrPort
	id, ok := wire.DataSession(b)
	if !ok {
		s.m.drop(reasonMalformed)
		return none, false
	}
	ss := s.sessions[id]
	if ss == nil {
		s.m.drop(reasonNoSession)
		return none, false
	}
	from := 0
	switch src {
	case ss.sides[0].addr:
	case ss.sides[1].addr:
		from = 1
	default:
		s.m.drop(reasonUnknownSource)
		return none, false
	}
	to := ss.sides[1-from].addr
	switch {
	case !wire.IsWireGuard(b[wire.DataHeaderLen:]):
		s.m.drop(reasonNotWireGuard)
		return none, false
	case !to.IsValid():
		s.m.drop(reasonPeerUnbound)
		return none, false
	case !ss.sides[from].lim.AllowN(now, len(b)):
		s.m.drop(reasonRate)
		return none, false
	}
	ss.lastSeen = now
	return to, true
}

// sweep forgets the sessions idle for longer than Idle, at most once per
// sweepEvery.
func (s *Server) sweep(now time.Time) {
	if now.Sub(s.lastSwp) < sweepEvery {
		return
	}
	s.lastSwp = now
	for id, ss := range s.sessions {
		if now.Sub(ss.lastSeen) <= s.cfg.Idle {
			continue
		}
		for _, sd := range ss.sides {
			if sd.site != "" {
				if s.perSite[sd.site]--; s.perSite[sd.site] <= 0 {
					delete(s.perSite, sd.site)
				}
			}
		}
		delete(s.sessions, id)
		s.m.expired.Inc()
	}
	s.m.sessions.Set(float64(len(s.sessions)))
}
