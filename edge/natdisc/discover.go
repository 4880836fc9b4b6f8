package natdisc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	pion "github.com/pion/stun/v3"

	"github.com/patronus-sdwan/patronus/internal/stun"
)

// Conn is a WAN link's socket as discovery uses it: edge/wgbind.Link, or
// UDPConn in tests.
type Conn interface {
	// WriteTo sends one datagram from the socket.
	WriteTo(b []byte, dst netip.AddrPort) error
	// ReadSTUN returns the next STUN datagram the socket receives, until
	// deadline (an error wrapping os.ErrDeadlineExceeded then).
	ReadSTUN(deadline time.Time) ([]byte, netip.AddrPort, error)
}

// Defaults of Config.
const (
	// DefaultRTO is the wait for a response before a request is sent
	// again: the lab and most WANs answer in far less.
	DefaultRTO = 300 * time.Millisecond
	// DefaultTries is how many times a request is sent before its test
	// counts as unanswered.
	DefaultTries = 3
)

// Config tunes discovery; the zero value takes the defaults.
type Config struct {
	RTO   time.Duration
	Tries int
	// IsLocal reports whether an address is the socket's own (the link
	// is then not behind NAT); nil: never.
	IsLocal func(netip.Addr) bool
}

// Result is what a link learnt.
type Result struct {
	// Mapped is the link's endpoint as the responder saw it.
	Mapped netip.AddrPort
	Kind   NATKind
}

// ErrNoResponse: the responder did not answer the first test: its
// address is wrong, it is down, or UDP to it is blocked.
var ErrNoResponse = errors.New("stun: no response")

// Mapped runs RFC 5780's test I only: the link's current mapping. It is
// what a refresh needs, and it keeps the mapping towards the responder
// alive.
func Mapped(ctx context.Context, c Conn, server netip.AddrPort, cfg Config) (netip.AddrPort, error) {
	r, err := cfg.request(ctx, c, server, 0)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if r == nil {
		return netip.AddrPort{}, fmt.Errorf("%w from %v", ErrNoResponse, server)
	}
	return r.mapped, nil
}

// Discover learns the link's mapped endpoint and classifies its NAT. The
// filtering tests run before the mapping tests: those send to the
// responder's other ports, which would open an address-and-port-dependent
// filter to the very responses the filtering tests wait for. For the same
// reason a classification is only sound once the NAT has forgotten
// earlier tests (the mappings' timeout), so an edge classifies a link
// once and refreshes its mapping with Mapped.
func Discover(ctx context.Context, c Conn, server netip.AddrPort, cfg Config) (Result, error) {
	first, err := cfg.request(ctx, c, server, 0)
	if err != nil {
		return Result{}, err
	}
	if first == nil {
		return Result{}, fmt.Errorf("%w from %v", ErrNoResponse, server)
	}
	res := Result{Mapped: first.mapped}
	if cfg.IsLocal != nil && cfg.IsLocal(first.mapped.Addr()) {
		res.Kind = NATKind{Mapping: NoNAT, Filtering: NoNAT}
		return res, nil
	}
	other := first.other
	if !other.IsValid() {
		return res, nil // a plain STUN server: the mapping, no behaviour
	}
	if res.Kind.Filtering, err = cfg.filtering(ctx, c, server, other); err != nil {
		return res, err
	}
	res.Kind.Mapping, err = cfg.mapping(ctx, c, server, other, first.mapped)
	return res, err
}

// filtering is RFC 5780 §4.4: a response from another address and port,
// then from another port only. A responder with one address can only
// change the port: a response then says the filter is at most
// address-dependent, and it is reported as such.
func (cfg Config) filtering(ctx context.Context, c Conn, server, other netip.AddrPort) (Behaviour, error) {
	if other.Addr() != server.Addr() {
		r, err := cfg.request(ctx, c, server, stun.ChangeIP|stun.ChangePort)
		if err != nil || r != nil {
			return EndpointIndependent, err
		}
	}
	r, err := cfg.request(ctx, c, server, stun.ChangePort)
	if err != nil {
		return Unknown, err
	}
	if r != nil {
		return AddressDependent, nil
	}
	return AddressAndPortDependent, nil
}

// mapping is RFC 5780 §4.3: the mapping towards another address, then
// towards another port of it. With one responder address, another port
// alone tells endpoint-independent from address-and-port-dependent.
func (cfg Config) mapping(ctx context.Context, c Conn, server, other, m1 netip.AddrPort) (Behaviour, error) {
	second := netip.AddrPortFrom(other.Addr(), server.Port())
	if other.Addr() == server.Addr() {
		second = other
	}
	m2, err := cfg.mappedAt(ctx, c, second)
	if err != nil || m2 == m1 {
		return EndpointIndependent, err
	}
	if other.Addr() == server.Addr() {
		return AddressAndPortDependent, nil
	}
	m3, err := cfg.mappedAt(ctx, c, other)
	if err != nil {
		return Unknown, err
	}
	if m3 == m2 {
		return AddressDependent, nil
	}
	return AddressAndPortDependent, nil
}

func (cfg Config) mappedAt(ctx context.Context, c Conn, dst netip.AddrPort) (netip.AddrPort, error) {
	r, err := cfg.request(ctx, c, dst, 0)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if r == nil {
		return netip.AddrPort{}, fmt.Errorf("%w from %v (the responder's OTHER-ADDRESS)", ErrNoResponse, dst)
	}
	return r.mapped, nil
}

// response is what a Binding success response says.
type response struct {
	mapped, other netip.AddrPort
}

// request sends a Binding request (with CHANGE-REQUEST flags when
// change is not 0) up to Tries times and returns the response, nil when
// none came.
func (cfg Config) request(ctx context.Context, c Conn, dst netip.AddrPort, change byte) (*response, error) {
	rto, tries := cfg.RTO, cfg.Tries
	if rto <= 0 {
		rto = DefaultRTO
	}
	if tries <= 0 {
		tries = DefaultTries
	}
	setters := []pion.Setter{pion.TransactionID, pion.BindingRequest}
	if change != 0 {
		setters = append(setters, changeRequest(change))
	}
	setters = append(setters, pion.Fingerprint)
	req, err := pion.Build(setters...)
	if err != nil {
		return nil, fmt.Errorf("stun: %w", err)
	}
	for range tries {
		if err := c.WriteTo(req.Raw, dst); err != nil {
			return nil, fmt.Errorf("stun to %v: %w", dst, err)
		}
		r, err := await(ctx, c, req.TransactionID, time.Now().Add(rto))
		if r != nil || err != nil {
			return r, err
		}
	}
	return nil, nil
}

// changeRequest is the CHANGE-REQUEST attribute (RFC 5780 §7.2).
type changeRequest byte

func (f changeRequest) AddTo(m *pion.Message) error {
	m.Add(pion.AttrChangeRequest, []byte{0, 0, 0, byte(f)})
	return nil
}

// await reads until the response to transaction id or the deadline;
// other STUN datagrams (late answers to earlier tries) are skipped.
func await(ctx context.Context, c Conn, id [pion.TransactionIDSize]byte, deadline time.Time) (*response, error) {
	m := new(pion.Message)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, _, err := c.ReadSTUN(deadline)
		if err != nil {
			if time.Now().After(deadline) {
				return nil, nil
			}
			return nil, fmt.Errorf("stun: %w", err)
		}
		m.Reset()
		m.Raw = append(m.Raw[:0], b...)
		if m.Decode() != nil || m.TransactionID != id {
			continue
		}
		return parse(m)
	}
}

// parse reads a response to one of our requests: an error response is
// an error; a success must carry XOR-MAPPED-ADDRESS.
func parse(m *pion.Message) (*response, error) {
	if m.Type == pion.BindingError {
		var code pion.ErrorCodeAttribute
		_ = code.GetFrom(m)
		return nil, fmt.Errorf("stun: error response %d %s", code.Code, code.Reason)
	}
	if m.Type != pion.BindingSuccess {
		return nil, fmt.Errorf("stun: unexpected %v", m.Type)
	}
	var xa pion.XORMappedAddress
	if err := xa.GetFrom(m); err != nil {
		return nil, fmt.Errorf("stun: response without XOR-MAPPED-ADDRESS: %w", err)
	}
	r := &response{mapped: addrPort(xa.IP, xa.Port)}
	var oa pion.OtherAddress
	if oa.GetFrom(m) == nil {
		r.other = addrPort(oa.IP, oa.Port)
	}
	return r, nil
}

func addrPort(ip []byte, port int) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(a.Unmap(), uint16(port))
}
