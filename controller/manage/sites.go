package manage

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Networks lists the networks by name.
func (s *Service) Networks(ctx context.Context) ([]store.Network, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	nets, err := s.cfg.Store.Networks(ctx)
	if err != nil {
		return nil, s.wrap("networks", err)
	}
	slices.SortFunc(nets, func(x, y store.Network) int { return strings.Compare(x.Name, y.Name) })
	return nets, nil
}

// Network returns one network.
func (s *Service) Network(ctx context.Context, name string) (store.Network, error) {
	if err := s.read(ctx); err != nil {
		return store.Network{}, err
	}
	if err := required("network", name); err != nil {
		return store.Network{}, err
	}
	n, err := s.cfg.Store.Network(ctx, name)
	return n, s.wrap("network", err)
}

// Site is a stored site and whether it is online.
type Site struct {
	store.Site
	// Online: enrolled and last seen within the online window.
	Online bool
}

// SiteFilter selects sites; zero fields select all.
type SiteFilter struct {
	Role       store.Role      // hub or spoke
	State      store.SiteState // enrolled or revoked
	Online     *bool
	NamePrefix string // names starting with it
}

func (f SiteFilter) validate() error {
	if f.Role != "" && f.Role != store.Hub && f.Role != store.Spoke {
		return invalid("role", "%q is neither hub nor spoke", f.Role)
	}
	if f.State != "" && f.State != store.Enrolled && f.State != store.Revoked {
		return invalid("state", "%q is neither enrolled nor revoked", f.State)
	}
	if len(f.NamePrefix) > 63 {
		return invalid("name_prefix", "longer than 63 characters")
	}
	return nil
}

func (f SiteFilter) match(st Site) bool {
	return (f.Role == "" || st.Role == f.Role) && (f.State == "" || st.State == f.State) &&
		(f.Online == nil || *f.Online == st.Online) && strings.HasPrefix(st.Name, f.NamePrefix)
}

// Sites lists a network's sites that f selects, by name.
func (s *Service) Sites(ctx context.Context, network string, f SiteFilter) ([]Site, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	if err := required("network", network); err != nil {
		return nil, err
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	all, err := s.cfg.Store.Sites(ctx, network)
	if err != nil {
		return nil, s.wrap("sites", err)
	}
	now := s.cfg.Now()
	out := make([]Site, 0, len(all))
	for _, st := range all {
		if v := s.site(st, now); f.match(v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(x, y Site) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// Site returns one site.
func (s *Service) Site(ctx context.Context, network, name string) (Site, error) {
	if err := s.read(ctx); err != nil {
		return Site{}, err
	}
	if err := required("network", network); err != nil {
		return Site{}, err
	}
	if err := required("name", name); err != nil {
		return Site{}, err
	}
	st, err := s.cfg.Store.Site(ctx, network, name)
	if err != nil {
		return Site{}, s.wrap("site", err)
	}
	return s.site(st, s.cfg.Now()), nil
}

func (s *Service) site(st store.Site, now time.Time) Site {
	online := st.State == store.Enrolled && !st.LastSeen.IsZero() && now.Sub(st.LastSeen) <= s.cfg.OnlineWindow
	return Site{Site: st, Online: online}
}

// RevokeSite revokes a site: the revision moves, every replica refuses the
// site's handshakes and cuts its streams, and its peers get a
// configuration without it. The reason goes to the event log.
func (s *Service) RevokeSite(ctx context.Context, network, name, reason string) (Site, error) {
	o, err := s.begin(ctx, auth.Operate, "site.revoke", siteTarget(network, name), map[string]any{"reason": reason})
	if err != nil {
		return Site{}, err
	}
	st, err := s.revokeSite(ctx, o, network, name, reason)
	return st, o.done(ctx, err)
}

// maxReason bounds a revocation's reason.
const maxReason = 500

func (s *Service) revokeSite(ctx context.Context, o *op, network, name, reason string) (Site, error) {
	if err := required("network", network); err != nil {
		return Site{}, err
	}
	if err := required("name", name); err != nil {
		return Site{}, err
	}
	if len(reason) > maxReason {
		return Site{}, invalid("reason", "longer than %d bytes", maxReason)
	}
	st, err := s.cfg.Store.RevokeSite(ctx, network, name)
	if err != nil {
		return Site{}, err
	}
	why := "revoked by " + o.p.Subject
	if reason != "" {
		why += ": " + reason
	}
	s.event(ctx, network, name, "revoked", why)
	return s.site(st, s.cfg.Now()), nil
}

// DeleteSite deletes a site with its links and prefixes.
func (s *Service) DeleteSite(ctx context.Context, network, name string) error {
	o, err := s.begin(ctx, auth.Operate, "site.delete", siteTarget(network, name), nil)
	if err != nil {
		return err
	}
	err = required("network", network)
	if err == nil {
		err = required("name", name)
	}
	if err == nil {
		err = s.cfg.Store.DeleteSite(ctx, network, name)
	}
	return o.done(ctx, err)
}

// ResetSite gives an enrolled site a new one-time join token valid for ttl
// (0: DefaultTokenTTL): the edge that enrols with it takes the site's
// place under the same ID, keeping its links, prefixes, pins and the
// network's policies, and brings a new WireGuard key that replaces the
// site's. The site's certificates are revoked now, so its edge's streams
// end (store.Store.ResetSite). The secret is returned here only.
func (s *Service) ResetSite(ctx context.Context, network, name string, ttl time.Duration) (secret string, tok store.JoinToken, err error) {
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	detail := map[string]any{"ttl": ttl.String()}
	o, err := s.begin(ctx, auth.Operate, "site.reset", siteTarget(network, name), detail)
	if err != nil {
		return "", store.JoinToken{}, err
	}
	err = firstErr(required("network", network), required("name", name))
	if err == nil {
		err = fieldError(store.ValidateTTL(ttl))
	}
	if err == nil {
		secret, tok, err = s.cfg.Store.ResetSite(ctx, network, name, ttl)
	}
	if err == nil {
		detail["token_id"] = tok.ID // the public ID, never the secret
		s.event(ctx, network, name, "reset", "reset by "+o.p.Subject+": certificates revoked, join token "+tok.ID+" issued")
	}
	return secret, tok, o.done(ctx, err)
}
