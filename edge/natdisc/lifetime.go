package natdisc

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/internal/stun"
)

// Mapping lifetime (RFC 5780 §4.6, from the link's one socket). A NAT
// forgets a flow it has seen nothing of for its timeout; a path's
// keepalive must come more often. The test: a Binding request to the
// responder's other port (primary address) opens a flow F; after idle
// time T, a request to the primary port asks for the response from the
// other port (CHANGE-REQUEST, change port): it gets in only as a reply
// of F, so only if the NAT still holds F. It needs an address-and-port-
// dependent filter (the common kind, and the lab's): behind a more open
// filter the response gets in either way, and Lifetime reports nothing.
//
// A search is a binary search over idle times between 0 and
// LifetimeConfig.Max: each step costs its idle time, so a link is
// searched once (after classification) and a search of the default range
// lasts a minute or two. The other flows of the socket (the primary
// port's, WireGuard's) are not idle meanwhile; F is this test's alone.

// Defaults of LifetimeConfig.
const (
	// DefaultLifetimeMax is the longest idle time tried: a timeout past
	// it is long enough for the default keepalive (25 s), which is all
	// the search is for. RFC 4787 REQ-5 asks for 2 minutes at least.
	DefaultLifetimeMax = 30 * time.Second
	// DefaultLifetimePrecision: the search stops once the timeout is
	// known within it.
	DefaultLifetimePrecision = time.Second
)

// LifetimeConfig bounds a search; zero fields take the defaults.
type LifetimeConfig struct {
	Max, Precision time.Duration
}

func (lc LifetimeConfig) withDefaults() LifetimeConfig {
	if lc.Max <= 0 {
		lc.Max = DefaultLifetimeMax
	}
	if lc.Precision <= 0 {
		lc.Precision = DefaultLifetimePrecision
	}
	return lc
}

// Lifetime is what a search found: the NAT kept an idle flow for Alive
// and forgot it after Dead (Dead zero: it kept it for the longest time
// tried, Alive = Max).
type Lifetime struct {
	Alive, Dead time.Duration
}

// Measured reports whether the search found a timeout within its range.
func (l Lifetime) Measured() bool { return l.Dead > 0 }

// ErrLifetimeUntestable: the link's NAT lets the test's response in
// whatever the flow's state (its filter is not address-and-port-
// dependent), or the responder has no other port.
var ErrLifetimeUntestable = fmt.Errorf("stun: the mapping's lifetime cannot be tested through this NAT")

// MeasureLifetime searches the idle timeout of the link's NAT, which must
// filter address-and-port-dependently (Discover says so). mu, if not
// nil, is held around each request (not around the idle waits), so that
// other users of the socket's STUN (a Watcher's refreshes) do not take
// this one's responses.
func MeasureLifetime(ctx context.Context, c Conn, server netip.AddrPort, cfg Config, lc LifetimeConfig, mu sync.Locker) (Lifetime, error) {
	lc = lc.withDefaults()
	if mu == nil {
		mu = &sync.Mutex{}
	}
	ask := func(dst netip.AddrPort, change byte) (*response, error) {
		mu.Lock()
		defer mu.Unlock()
		return cfg.request(ctx, c, dst, change)
	}
	first, err := ask(server, 0)
	if err != nil {
		return Lifetime{}, err
	}
	if first == nil {
		return Lifetime{}, fmt.Errorf("%w from %v", ErrNoResponse, server)
	}
	if !first.other.IsValid() || first.other.Port() == server.Port() {
		return Lifetime{}, ErrLifetimeUntestable
	}
	flow := netip.AddrPortFrom(server.Addr(), first.other.Port())
	// alive opens the flow, waits idle, and reports whether the NAT still
	// lets a reply of it in.
	alive := func(idle time.Duration) (bool, error) {
		r, err := ask(flow, 0)
		if err != nil {
			return false, err
		}
		if r == nil {
			return false, fmt.Errorf("%w from %v (the responder's other port)", ErrNoResponse, flow)
		}
		select {
		case <-time.After(idle):
		case <-ctx.Done():
			return false, ctx.Err()
		}
		r, err = ask(server, stun.ChangePort)
		return r != nil, err
	}
	lo, hi := time.Duration(0), lc.Max
	ok, err := alive(hi)
	if err != nil || ok {
		return Lifetime{Alive: hi}, err
	}
	for hi-lo > lc.Precision {
		mid := (lo + hi) / 2
		ok, err := alive(mid)
		if err != nil {
			return Lifetime{}, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return Lifetime{Alive: lo, Dead: hi}, nil
}
