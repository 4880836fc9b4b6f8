package sqlcore

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// SiteEdgeSettings implements store.Store.
func (s *Store) SiteEdgeSettings(ctx context.Context, network, site string) (store.EdgeSettings, error) {
	var out store.EdgeSettings
	if err := s.read("site edge settings"); err != nil {
		return out, err
	}
	var doc string
	err := s.eng.QueryRow(ctx, `SELECT e.document FROM edge_settings e JOIN sites s ON s.id = e.site_id
		JOIN networks n ON n.id = s.network_id WHERE n.name = $1 AND s.name = $2`, network, site).Scan(&doc)
	switch {
	case err != nil && s.eng.Classify(err) == NoRows:
		if _, err := s.Site(ctx, network, site); err != nil {
			return out, err
		}
		return out, nil
	case err != nil:
		return out, s.wrap("site edge settings", err)
	}
	return out, s.wrap("site edge settings", json.Unmarshal([]byte(doc), &out))
}

// PutSiteEdgeSettings implements store.Store.
func (s *Store) PutSiteEdgeSettings(ctx context.Context, network, site string, e store.EdgeSettings) error {
	if err := e.Validate(); err != nil {
		return err
	}
	doc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.write(ctx, "put site edge settings", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, t, netID, network, site)
		if err != nil {
			return err
		}
		if reflect.ValueOf(e).IsZero() {
			_, err = t.Exec(ctx, "DELETE FROM edge_settings WHERE site_id = $1", siteID)
		} else {
			_, err = t.Exec(ctx, `INSERT INTO edge_settings (site_id, network_id, document) VALUES ($1, $2, $3)
				ON CONFLICT (site_id) DO UPDATE SET document = excluded.document`, siteID, netID, string(doc))
		}
		if err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
}

// EdgeSettingsOf implements store.Store.
func (s *Store) EdgeSettingsOf(ctx context.Context, network string) (map[string]store.EdgeSettings, error) {
	if err := s.read("edge settings"); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, `SELECT s.name, e.document FROM edge_settings e JOIN sites s ON s.id = e.site_id
		JOIN networks n ON n.id = s.network_id WHERE n.name = $1`, network)
	if err != nil {
		return nil, s.wrap("edge settings", err)
	}
	defer rows.Close()
	out := map[string]store.EdgeSettings{}
	for rows.Next() {
		var name, doc string
		var e store.EdgeSettings
		if err := rows.Scan(&name, &doc); err != nil {
			return nil, s.wrap("edge settings", err)
		}
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return nil, s.wrap("edge settings", fmt.Errorf("site %q: %w", name, err))
		}
		out[name] = e
	}
	return out, s.wrap("edge settings", rows.Err())
}
