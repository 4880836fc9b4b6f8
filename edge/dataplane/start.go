package dataplane

import (
	"fmt"
	"log/slog"
	"net/netip"

	"golang.zx2c4.com/wireguard/conn"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/overlay"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/wgbind"
)

// Start builds the data plane of cfg on the kernel: the overlay
// interface (edge/overlay) with the site's control address, a UDP socket
// per WAN link (edge/wgbind), and the data plane on them (New). On error
// everything made so far is removed again.
func Start(cfg *config.Valid, log *slog.Logger) (*Dataplane, error) {
	ifc, err := overlay.Open(cfg.Overlay.Interface, cfg.Overlay.MTU, shim.ControlAddr(cfg.ID))
	if err != nil {
		return nil, err
	}
	links, err := openLinks(cfg, log)
	if err != nil {
		_ = ifc.Close()
		return nil, err
	}
	open := func(l config.ValidLink) (Link, error) { return openLink(l, log) }
	return New(cfg, Deps{TUN: ifc.Device(), Links: links, Routes: ifc, OpenLink: open}, log)
}

// openLinks opens the socket of every WAN link; on error the ones opened
// are closed again.
func openLinks(cfg *config.Valid, log *slog.Logger) ([]Link, error) {
	var links []Link
	for _, l := range cfg.Links {
		wl, err := openLink(l, log)
		if err != nil {
			for _, o := range links {
				_ = o.Close()
			}
			return nil, err
		}
		links = append(links, wl)
	}
	return links, nil
}

// openLink opens the socket of link l.
func openLink(l config.ValidLink, log *slog.Logger) (Link, error) {
	local := l.LocalAddress
	if !local.IsValid() {
		local = netip.IPv4Unspecified()
	}
	wl, err := wgbind.Listen(netip.AddrPortFrom(local, l.ListenPort), l.Interface, log)
	if err != nil {
		return nil, fmt.Errorf("link %s: %w", l.Name, err)
	}
	return wgLink{wl}, nil
}

// The kernel overlay takes MTU changes at runtime (Reconfigure).
var _ MTUSetter = (*overlay.Interface)(nil)

// wgLink is a wgbind.Link as the data plane's Link.
type wgLink struct{ *wgbind.Link }

func (l wgLink) Bind(remote netip.AddrPort) (conn.Bind, error) {
	p, err := l.Path(remote)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (l wgLink) BindRelayed(remote netip.AddrPort, r wgbind.Relay) (conn.Bind, error) {
	p, err := l.RelayedPath(remote, r)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (l wgLink) Release(b conn.Bind) {
	if p, ok := b.(*wgbind.Path); ok {
		l.Link.Release(p)
	}
}

func (l wgLink) Counters() map[string]uint64 { return l.StatsSnapshot() }
