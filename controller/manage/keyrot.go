package manage

import (
	"context"

	"github.com/patronus-sdwan/patronus/controller/auth"
)

// RotateSiteKey asks a site's edge for a new WireGuard key
// (store.RequestKeyRotation; docs/CONTROLLER.md, "WireGuard key
// rotation"). The edge starts when it next reads its configuration: at
// once when it is connected, else when it connects. Audited as
// site.rotate_key; a rotation in progress is a conflict.
func (s *Service) RotateSiteKey(ctx context.Context, network, name string) (Site, error) {
	o, err := s.begin(ctx, auth.Operate, "site.rotate_key", siteTarget(network, name), nil)
	if err != nil {
		return Site{}, err
	}
	if err := firstErr(required("network", network), required("name", name)); err != nil {
		return Site{}, o.done(ctx, err)
	}
	raw, err := s.cfg.Store.RequestKeyRotation(ctx, network, name)
	if err != nil {
		return Site{}, o.done(ctx, err)
	}
	s.event(ctx, network, name, "key_rotation_requested", "WireGuard key rotation asked for by "+o.p.Subject)
	return s.site(raw, s.cfg.Now()), o.done(ctx, nil)
}
