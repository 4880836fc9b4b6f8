package manage

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Links lists a site's WAN links by name.
func (s *Service) Links(ctx context.Context, network, site string) ([]store.Link, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	if err := required("network", network); err != nil {
		return nil, err
	}
	if err := required("site", site); err != nil {
		return nil, err
	}
	ls, err := s.cfg.Store.Links(ctx, network, site)
	if err != nil {
		return nil, s.wrap("links", err)
	}
	slices.SortFunc(ls, func(x, y store.Link) int { return strings.Compare(x.Name, y.Name) })
	return ls, nil
}

// PutLink creates or replaces a site's link of spec.Name. Names and
// colours follow the edge's label rule; the rest the store's.
func (s *Service) PutLink(ctx context.Context, network, site string, spec store.LinkSpec) (store.Link, error) {
	o, err := s.begin(ctx, auth.Operate, "link.put", siteTarget(network, site)+"/link/"+spec.Name, map[string]any{
		"colour": spec.Colour, "cost": spec.Cost, "bandwidth_kbps": spec.BandwidthKbps, "endpoint": spec.Endpoint,
		"interface": spec.Interface, "local_address": spec.LocalAddress, "listen_port": spec.ListenPort,
	})
	if err != nil {
		return store.Link{}, err
	}
	l, err := s.putLink(ctx, network, site, spec)
	return l, o.done(ctx, err)
}

func (s *Service) putLink(ctx context.Context, network, site string, spec store.LinkSpec) (store.Link, error) {
	if err := required("network", network); err != nil {
		return store.Link{}, err
	}
	if err := required("site", site); err != nil {
		return store.Link{}, err
	}
	if err := ValidateLabel("name", spec.Name); err != nil {
		return store.Link{}, err
	}
	if err := ValidateLabel("colour", spec.Colour); err != nil {
		return store.Link{}, err
	}
	if err := spec.Validate(); err != nil {
		return store.Link{}, fieldError(err)
	}
	return s.cfg.Store.PutLink(ctx, network, site, spec)
}

// fieldError turns a store validation error into INVALID_ARGUMENT naming
// its field.
func fieldError(err error) error {
	var se *store.Error
	if errors.As(err, &se) && errors.Is(err, store.ErrInvalid) {
		return invalid(se.Field, "%s", se.Msg)
	}
	return err
}

// DeleteLink deletes a site's link.
func (s *Service) DeleteLink(ctx context.Context, network, site, link string) error {
	o, err := s.begin(ctx, auth.Operate, "link.delete", siteTarget(network, site)+"/link/"+link, nil)
	if err != nil {
		return err
	}
	err = firstErr(required("network", network), required("site", site), required("name", link))
	if err == nil {
		err = s.cfg.Store.DeleteLink(ctx, network, site, link)
	}
	return o.done(ctx, err)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Prefixes lists a network's LAN prefixes (site "": of every site), by
// site and prefix.
func (s *Service) Prefixes(ctx context.Context, network, site string) ([]store.Prefix, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	if err := required("network", network); err != nil {
		return nil, err
	}
	if site != "" {
		if err := required("site", site); err != nil {
			return nil, err
		}
	}
	all, err := s.cfg.Store.Prefixes(ctx, network)
	if err != nil {
		return nil, s.wrap("prefixes", err)
	}
	out := slices.DeleteFunc(all, func(p store.Prefix) bool { return site != "" && p.Site != site })
	slices.SortFunc(out, func(x, y store.Prefix) int {
		if c := strings.Compare(x.Site, y.Site); c != 0 {
			return c
		}
		return x.Prefix.Addr().Compare(y.Prefix.Addr())*2 + cmpInt(x.Prefix.Bits(), y.Prefix.Bits())
	})
	return out, nil
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AddPrefix gives a LAN prefix (CIDR, no host bits) to a site; a prefix
// another site owns is a CONFLICT.
func (s *Service) AddPrefix(ctx context.Context, network, site, prefix string) (store.Prefix, error) {
	o, err := s.begin(ctx, auth.Operate, "prefix.add", siteTarget(network, site)+"/prefix/"+prefix, nil)
	if err != nil {
		return store.Prefix{}, err
	}
	var p netip.Prefix
	err = firstErr(required("network", network), required("site", site))
	if err == nil {
		p, err = ParsePrefix("prefix", prefix)
	}
	var got store.Prefix
	if err == nil {
		got, err = s.cfg.Store.AddPrefix(ctx, network, site, p)
	}
	return got, o.done(ctx, err)
}

// DeletePrefix takes a LAN prefix from whichever site has it.
func (s *Service) DeletePrefix(ctx context.Context, network, prefix string) error {
	o, err := s.begin(ctx, auth.Operate, "prefix.delete", networkTarget(network)+"/prefix/"+prefix, nil)
	if err != nil {
		return err
	}
	var p netip.Prefix
	err = required("network", network)
	if err == nil {
		p, err = ParsePrefix("prefix", prefix)
	}
	if err == nil {
		err = s.cfg.Store.DeletePrefix(ctx, network, p)
	}
	return o.done(ctx, err)
}
