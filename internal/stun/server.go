package stun

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	pion "github.com/pion/stun/v3"
	"github.com/prometheus/client_golang/prometheus"
)

// CHANGE-REQUEST flags (RFC 5780 §7.2).
const (
	ChangeIP   = 0x04
	ChangePort = 0x02
)

// DefaultPort is STUN's registered UDP port.
const DefaultPort = 3478

// maxDatagram bounds what a responder reads; a Binding request is tiny.
const maxDatagram = 1500

// Config says where a Server listens.
type Config struct {
	// Listen is the primary address and port; a specific address, since
	// responses name their origin.
	Listen netip.AddrPort
	// Alternate is the second address and port of RFC 5780 (OTHER-ADDRESS):
	// its port must differ from Listen's; its address may be Listen's
	// (then CHANGE-REQUEST can change the port only) or another one of
	// this host (then both).
	Alternate netip.AddrPort
	// Limits bound the requests answered (limit.go); zero: the defaults.
	Limits Limits
	// Registerer takes the responder's metrics; nil: not registered.
	Registerer prometheus.Registerer
}

// Validate names the field that is wrong.
func (c Config) Validate() error {
	switch {
	case !c.Listen.Addr().IsValid() || c.Listen.Addr().IsUnspecified() || c.Listen.Port() == 0:
		return fmt.Errorf("stun.listen: %v is not a specific ADDRESS:PORT", c.Listen)
	case !c.Alternate.Addr().IsValid() || c.Alternate.Addr().IsUnspecified() || c.Alternate.Port() == 0:
		return fmt.Errorf("stun.alternate: %v is not a specific ADDRESS:PORT", c.Alternate)
	case c.Alternate.Port() == c.Listen.Port():
		return fmt.Errorf("stun.alternate: port %d is stun.listen's; RFC 5780 needs another", c.Alternate.Port())
	case c.Alternate.Addr().Is4() != c.Listen.Addr().Is4():
		return fmt.Errorf("stun.alternate: %v is not of stun.listen's address family", c.Alternate)
	}
	return c.Limits.validate()
}

// Server answers Binding requests on every combination of the primary
// and alternate address and port (two sockets, or four with a second
// address), each answering from the socket CHANGE-REQUEST asks for.
type Server struct {
	cfg   Config
	log   *slog.Logger
	socks map[netip.AddrPort]*net.UDPConn // fixed after Listen
	lim   *limiter
	m     *metrics
	wg    sync.WaitGroup
}

// Listen opens the responder's sockets.
func Listen(cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, socks: map[netip.AddrPort]*net.UDPConn{}, lim: newLimiter(cfg.Limits), m: m}
	for _, a := range s.addrs() {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(a))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("stun: listen %v: %w", a, err)
		}
		s.socks[a] = c
	}
	return s, nil
}

// addrs are the responder's sockets' addresses.
func (s *Server) addrs() []netip.AddrPort {
	l, a := s.cfg.Listen, s.cfg.Alternate
	out := []netip.AddrPort{l, netip.AddrPortFrom(l.Addr(), a.Port())}
	if a.Addr() != l.Addr() {
		out = append(out, a, netip.AddrPortFrom(a.Addr(), l.Port()))
	}
	return out
}

// Addrs are the addresses the responder answers on.
func (s *Server) Addrs() []netip.AddrPort { return s.addrs() }

// Serve answers until Close; it returns when every socket is closed.
func (s *Server) Serve() {
	for a, c := range s.socks {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(a, c)
		}()
	}
	s.wg.Wait()
}

// Close closes the sockets.
func (s *Server) Close() error {
	var errs []error
	for _, c := range s.socks {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func (s *Server) serve(local netip.AddrPort, c *net.UDPConn) {
	buf := make([]byte, maxDatagram)
	req, resp := new(pion.Message), new(pion.Message)
	for {
		n, src, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if !Looks(buf[:n]) {
			continue
		}
		src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		if ok, reason := s.lim.allow(src.Addr(), time.Now()); !ok {
			s.m.dropped.WithLabelValues(reason).Inc()
			continue
		}
		from, err := s.answer(local, src, buf[:n], req, resp)
		if err != nil {
			continue // not a Binding request: nothing to say
		}
		s.m.answered.Inc()
		if _, err := s.socks[from].WriteToUDPAddrPort(resp.Raw, src); err != nil {
			s.log.Debug("stun send", "to", src, "err", err)
		}
	}
}

// answer builds the response to one datagram in resp and returns the
// socket to send it from.
func (s *Server) answer(local, src netip.AddrPort, b []byte, req, resp *pion.Message) (netip.AddrPort, error) {
	req.Reset()
	req.Raw = append(req.Raw[:0], b...)
	if err := req.Decode(); err != nil {
		return local, err
	}
	if req.Type != pion.BindingRequest {
		return local, errors.New("not a binding request")
	}
	from, code := s.origin(local, req)
	resp.Reset()
	var err error
	if code != 0 {
		err = resp.Build(pion.NewTransactionIDSetter(req.TransactionID), pion.BindingError,
			pion.ErrorCodeAttribute{Code: code}, pion.Fingerprint)
		return local, err
	}
	other := s.cfg.Alternate
	err = resp.Build(pion.NewTransactionIDSetter(req.TransactionID), pion.BindingSuccess,
		&pion.XORMappedAddress{IP: src.Addr().AsSlice(), Port: int(src.Port())},
		&pion.ResponseOrigin{IP: from.Addr().AsSlice(), Port: int(from.Port())},
		&pion.OtherAddress{IP: other.Addr().AsSlice(), Port: int(other.Port())},
		pion.Fingerprint)
	return from, err
}

// origin is the socket a response to req leaves from: the one it came to,
// or the one CHANGE-REQUEST names. A change of address without a second
// address is refused with 420 (RFC 5780 §6.1).
func (s *Server) origin(local netip.AddrPort, req *pion.Message) (netip.AddrPort, pion.ErrorCode) {
	v, err := req.Get(pion.AttrChangeRequest)
	if err != nil || len(v) != 4 {
		return local, 0
	}
	addr, port := local.Addr(), local.Port()
	if v[3]&ChangeIP != 0 {
		if s.cfg.Alternate.Addr() == s.cfg.Listen.Addr() {
			return local, pion.CodeUnknownAttribute
		}
		addr = s.swapAddr(addr)
	}
	if v[3]&ChangePort != 0 {
		port = s.swapPort(port)
	}
	return netip.AddrPortFrom(addr, port), 0
}

func (s *Server) swapAddr(a netip.Addr) netip.Addr {
	if a == s.cfg.Listen.Addr() {
		return s.cfg.Alternate.Addr()
	}
	return s.cfg.Listen.Addr()
}

func (s *Server) swapPort(p uint16) uint16 {
	if p == s.cfg.Listen.Port() {
		return s.cfg.Alternate.Port()
	}
	return s.cfg.Listen.Port()
}
