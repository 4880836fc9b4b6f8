package sqlcore

import (
	"context"
	"encoding/json"
	"fmt"
)

// A site document is one JSON document per site in a table of its own
// (bgp_sites, edge_settings: site_id, network_id, document), absent for a
// site without one. table is one of those constant names, never input.

// siteDoc reads site's document of table into out; out is left as it is
// (the zero value) when the site has none, and a site that does not exist
// is store.ErrNotFound.
func (s *Store) siteDoc(ctx context.Context, op, table, network, site string, out any) error {
	if err := s.read(op); err != nil {
		return err
	}
	var doc string
	err := s.eng.QueryRow(ctx, `SELECT d.document FROM `+table+` d JOIN sites s ON s.id = d.site_id
		JOIN networks n ON n.id = s.network_id WHERE n.name = $1 AND s.name = $2`, network, site).Scan(&doc)
	switch {
	case err != nil && s.eng.Classify(err) == NoRows:
		_, err := s.Site(ctx, network, site)
		return err
	case err != nil:
		return s.wrap(op, err)
	}
	return s.wrap(op, json.Unmarshal([]byte(doc), out))
}

// putSiteDoc sets site's document of table to doc, or removes it when
// remove, and moves the network's revision.
func (s *Store) putSiteDoc(ctx context.Context, op, table, network, site string, doc any, remove bool) error {
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return s.write(ctx, op, func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, t, netID, network, site)
		if err != nil {
			return err
		}
		if remove {
			_, err = t.Exec(ctx, "DELETE FROM "+table+" WHERE site_id = $1", siteID)
		} else {
			_, err = t.Exec(ctx, `INSERT INTO `+table+` (site_id, network_id, document) VALUES ($1, $2, $3)
				ON CONFLICT (site_id) DO UPDATE SET document = excluded.document`, siteID, netID, string(body))
		}
		if err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
}

// siteDocsOf reads the documents of table of every site of network that
// has one, by site name.
func siteDocsOf[T any](ctx context.Context, s *Store, op, table, network string) (map[string]T, error) {
	if err := s.read(op); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, `SELECT s.name, d.document FROM `+table+` d JOIN sites s ON s.id = d.site_id
		JOIN networks n ON n.id = s.network_id WHERE n.name = $1`, network)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	out := map[string]T{}
	for rows.Next() {
		var name, doc string
		var v T
		if err := rows.Scan(&name, &doc); err != nil {
			return nil, s.wrap(op, err)
		}
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, s.wrap(op, fmt.Errorf("site %q: %w", name, err))
		}
		out[name] = v
	}
	return out, s.wrap(op, rows.Err())
}
