package sqlcore

import (
	"context"
	"reflect"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// SiteEdgeSettings implements store.Store.
func (s *Store) SiteEdgeSettings(ctx context.Context, network, site string) (store.EdgeSettings, error) {
	var out store.EdgeSettings
	err := s.siteDoc(ctx, "site edge settings", "edge_settings", network, site, &out)
	return out, err
}

// PutSiteEdgeSettings implements store.Store.
func (s *Store) PutSiteEdgeSettings(ctx context.Context, network, site string, e store.EdgeSettings) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return s.putSiteDoc(ctx, "put site edge settings", "edge_settings", network, site, e, reflect.ValueOf(e).IsZero())
}

// EdgeSettingsOf implements store.Store.
func (s *Store) EdgeSettingsOf(ctx context.Context, network string) (map[string]store.EdgeSettings, error) {
	return siteDocsOf[store.EdgeSettings](ctx, s, "edge settings", "edge_settings", network)
}
