package daemon

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/internal/stun"
)

// STUNConfig is the controller's STUN responder, which the edges ask for
// their links' public endpoints and NAT kinds (docs/NAT.md). Off unless
// listen is set.
type STUNConfig struct {
	// Listen is "ADDRESS" or "ADDRESS:PORT" (port 3478 by default): a
	// specific address the edges reach over every link.
	Listen string `yaml:"listen"`
	// Alternate is RFC 5780's second address and port: "ADDRESS:PORT",
	// or ":PORT" for another port of Listen's address. Default: Listen's
	// address, its port + 1. With a second address the edges can tell
	// address-dependent behaviour from endpoint-independent, with one
	// port only from address-and-port-dependent.
	Alternate string `yaml:"alternate"`
	// Advertise is the address the edges are told to send to; default
	// Listen (set it when the controller is behind a NAT of its own).
	Advertise string `yaml:"advertise"`
	// Refresh is how often an edge asks its links' mappings again (a Go
	// duration, 1s or more); default: the edge's (15 s).
	Refresh string `yaml:"refresh"`
}

// resolve checks the section and returns the responder's and the
// edges' settings; ok is false when the responder is off.
func (c STUNConfig) resolve() (stun.Config, server.NATConfig, bool, error) {
	var sc stun.Config
	var nc server.NATConfig
	if c.Listen == "" {
		if c.Alternate != "" || c.Advertise != "" || c.Refresh != "" {
			return sc, nc, false, fmt.Errorf("stun.listen: required when another stun key is set")
		}
		return sc, nc, false, nil
	}
	var err error
	if sc.Listen, err = addrPortDefault(c.Listen, stun.DefaultPort); err != nil {
		return sc, nc, false, fmt.Errorf("stun.listen: %w", err)
	}
	sc.Alternate = netip.AddrPortFrom(sc.Listen.Addr(), sc.Listen.Port()+1)
	if c.Alternate != "" {
		alt := c.Alternate
		if len(alt) > 0 && alt[0] == ':' {
			alt = net.JoinHostPort(sc.Listen.Addr().String(), alt[1:])
		}
		if sc.Alternate, err = netip.ParseAddrPort(alt); err != nil {
			return sc, nc, false, fmt.Errorf("stun.alternate: %q is not ADDRESS:PORT or :PORT", c.Alternate)
		}
	}
	if err := sc.Validate(); err != nil {
		return sc, nc, false, err
	}
	nc.STUNServer = sc.Listen
	if c.Advertise != "" {
		if nc.STUNServer, err = addrPortDefault(c.Advertise, sc.Listen.Port()); err != nil {
			return sc, nc, false, fmt.Errorf("stun.advertise: %w", err)
		}
	}
	if c.Refresh != "" {
		if nc.Refresh, err = time.ParseDuration(c.Refresh); err != nil || nc.Refresh < time.Second {
			return sc, nc, false, fmt.Errorf("stun.refresh: %q is not a duration of 1s or more", c.Refresh)
		}
	}
	return sc, nc, true, nil
}

// addrPortDefault parses "ADDRESS" (with port def) or "ADDRESS:PORT".
func addrPortDefault(s string, def uint16) (netip.AddrPort, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a, def), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Port() == 0 {
		return ap, fmt.Errorf("%q is not ADDRESS or ADDRESS:PORT", s)
	}
	return ap, nil
}

// openSTUN starts listening when the responder is on; Serve serves it.
func (d *Daemon) openSTUN() (server.NATConfig, error) {
	sc, nc, on, err := d.cfg.STUN.resolve()
	if err != nil || !on {
		return nc, err
	}
	sc.Registerer = d.metrics.Registerer()
	if d.stun, err = stun.Listen(sc, d.log.With("component", "stun")); err != nil {
		return nc, fmt.Errorf("stun.listen: %w", err)
	}
	return nc, nil
}
