package sqlcore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// natRow is a link_nat row without its time: what a change is judged by.
type natRow struct{ link, endpoint, mapping, filtering string }

// SetLinkNAT implements store.Store.
func (s *Store) SetLinkNAT(ctx context.Context, network, site string, links []store.LinkNAT) (bool, error) {
	want := make([]natRow, 0, len(links))
	for _, l := range links {
		if err := l.Validate(); err != nil {
			return false, err
		}
		want = append(want, natRow{l.Link, l.ObservedEndpoint, l.Mapping, l.Filtering})
	}
	slices.SortFunc(want, func(a, b natRow) int { return strings.Compare(a.link, b.link) })
	want = slices.CompactFunc(want, func(a, b natRow) bool { return a.link == b.link })
	changed := false
	err := s.write(ctx, "set link nat", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, t, netID, network, site)
		if err != nil {
			return err
		}
		have, err := natOf(ctx, t, siteID)
		if err != nil || slices.Equal(have, want) {
			return err
		}
		changed = true
		return replaceNAT(ctx, t, netID, siteID, have, want)
	})
	return changed, err
}

// replaceNAT writes want over have: rows that did not change keep their
// time.
func replaceNAT(ctx context.Context, t *tx, netID, siteID int64, have, want []natRow) error {
	now := time.Now().UnixNano()
	for _, h := range have {
		if !slices.Contains(want, h) {
			if _, err := t.Exec(ctx, "DELETE FROM link_nat WHERE site_id = $1 AND link = $2", siteID, h.link); err != nil {
				return err
			}
		}
	}
	for _, w := range want {
		if slices.Contains(have, w) {
			continue
		}
		if _, err := t.Exec(ctx, `INSERT INTO link_nat (network_id, site_id, link, observed_endpoint, mapping, filtering, changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, netID, siteID, w.link, w.endpoint, w.mapping, w.filtering, now); err != nil {
			return err
		}
	}
	return t.bump(ctx, netID)
}

func natOf(ctx context.Context, q Querier, siteID int64) ([]natRow, error) {
	rows, err := q.Query(ctx, "SELECT link, observed_endpoint, mapping, filtering FROM link_nat WHERE site_id = $1 ORDER BY link", siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []natRow
	for rows.Next() {
		var r natRow
		if err := rows.Scan(&r.link, &r.endpoint, &r.mapping, &r.filtering); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LinkNATs implements store.Store.
func (s *Store) LinkNATs(ctx context.Context, network string) ([]store.LinkNAT, error) {
	if err := s.read("link nat"); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, `SELECT s.name, l.link, l.observed_endpoint, l.mapping, l.filtering, l.changed_at
		FROM link_nat l JOIN sites s ON s.id = l.site_id JOIN networks n ON n.id = l.network_id
		WHERE n.name = $1 ORDER BY s.name, l.link`, network)
	if err != nil {
		return nil, s.wrap("link nat", err)
	}
	defer rows.Close()
	var out []store.LinkNAT
	for rows.Next() {
		var n store.LinkNAT
		var at int64
		if err := rows.Scan(&n.Site, &n.Link, &n.ObservedEndpoint, &n.Mapping, &n.Filtering, &at); err != nil {
			return nil, s.wrap("link nat", err)
		}
		n.ChangedAt = time.Unix(0, at).UTC()
		out = append(out, n)
	}
	return out, s.wrap("link nat", rows.Err())
}
