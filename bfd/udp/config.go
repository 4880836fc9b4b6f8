//go:build linux

package udp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"
)

const (
	// DefaultSingleHopPort is the destination port of single-hop BFD
	// Control packets (RFC 5881 §4).
	DefaultSingleHopPort = 3784
	// DefaultMultihopPort is the destination port of multihop BFD Control
	// packets (RFC 5883 §5).
	DefaultMultihopPort = 4784
	// DefaultSourcePortMin and DefaultSourcePortMax bound the source ports
	// of BFD Control packets: "The source port MUST be in the range 49152
	// through 65535" (RFC 5881 §4, inherited by RFC 5883 §5).
	DefaultSourcePortMin = 49152
	DefaultSourcePortMax = 65535
	// DefaultRxCoalesce is the default of Config.RxCoalesce.
	DefaultRxCoalesce = time.Millisecond
)

// Config selects the sockets a Transport listens on and the source ports
// its Senders use.
type Config struct {
	// ListenV4 and ListenV6 are the addresses the listening sockets of each
	// family are bound to. The zero Addr means the family's wildcard.
	ListenV4, ListenV6 netip.Addr
	// EnableV4 and EnableV6 select the families that get listening sockets.
	EnableV4, EnableV6 bool
	// SingleHop and Multihop select the ports listened on.
	SingleHop, Multihop bool
	// SingleHopPort and MultihopPort are the ports listened on and sent to.
	// Zero means DefaultSingleHopPort and DefaultMultihopPort.
	SingleHopPort, MultihopPort uint16
	// SourcePortMin and SourcePortMax bound the Senders' source ports and
	// must lie in 49152..65535 (RFC 5881 §4). Zero means the bound of that
	// range.
	SourcePortMin, SourcePortMax uint16
	// RxCoalesce is how long a reader that has drained its socket waits
	// before reading again, so that datagrams arriving meanwhile are taken
	// in one batch instead of one wakeup each: on a virtual machine a
	// thread wakeup costs more than the packet. It adds at most this much
	// to the receive latency. Zero means DefaultRxCoalesce; negative, none.
	RxCoalesce time.Duration
	// Logger receives socket lifecycle events and throttled read errors,
	// never one record per packet. Nil discards.
	Logger *slog.Logger
}

// listenSpec is one listening socket to open.
type listenSpec struct {
	addr     netip.AddrPort
	multihop bool
}

// normalize fills in defaults and checks the configuration.
func (c Config) normalize() (Config, error) {
	c.SingleHopPort = orDefault(c.SingleHopPort, DefaultSingleHopPort)
	c.MultihopPort = orDefault(c.MultihopPort, DefaultMultihopPort)
	c.SourcePortMin = orDefault(c.SourcePortMin, DefaultSourcePortMin)
	c.SourcePortMax = orDefault(c.SourcePortMax, DefaultSourcePortMax)
	switch {
	case c.RxCoalesce == 0:
		c.RxCoalesce = DefaultRxCoalesce
	case c.RxCoalesce < 0:
		c.RxCoalesce = 0
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if !c.ListenV4.IsValid() {
		c.ListenV4 = netip.IPv4Unspecified()
	}
	if !c.ListenV6.IsValid() {
		c.ListenV6 = netip.IPv6Unspecified()
	}
	return c, c.check()
}

func (c Config) check() error {
	if c.SourcePortMin < DefaultSourcePortMin || c.SourcePortMin > c.SourcePortMax {
		return fmt.Errorf("bfd/udp: source ports %d..%d outside %d..%d (RFC 5881 §4)",
			c.SourcePortMin, c.SourcePortMax, DefaultSourcePortMin, DefaultSourcePortMax)
	}
	if !c.ListenV4.Is4() {
		return fmt.Errorf("bfd/udp: ListenV4 %v is not an IPv4 address", c.ListenV4)
	}
	if !c.ListenV6.Is6() || c.ListenV6.Is4In6() {
		return fmt.Errorf("bfd/udp: ListenV6 %v is not an IPv6 address", c.ListenV6)
	}
	if len(c.sockets()) == 0 {
		return errors.New("bfd/udp: no address family or port enabled")
	}
	return nil
}

// sockets lists the listening sockets c asks for.
func (c Config) sockets() []listenSpec {
	var specs []listenSpec
	for _, fam := range []struct {
		on   bool
		addr netip.Addr
	}{{c.EnableV4, c.ListenV4}, {c.EnableV6, c.ListenV6}} {
		if fam.on && c.SingleHop {
			specs = append(specs, listenSpec{netip.AddrPortFrom(fam.addr, c.SingleHopPort), false})
		}
		if fam.on && c.Multihop {
			specs = append(specs, listenSpec{netip.AddrPortFrom(fam.addr, c.MultihopPort), true})
		}
	}
	return specs
}

// destPort is the port Control packets of a session are sent to.
func (c Config) destPort(multihop bool) uint16 {
	if multihop {
		return c.MultihopPort
	}
	return c.SingleHopPort
}

func orDefault(v, def uint16) uint16 {
	if v == 0 {
		return def
	}
	return v
}
