package sqlcore

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

const pinCols = "p.id, s.name, p.protocol, p.src, p.dst, p.src_port, p.dst_port, p.path, p.expires_at, p.created_by, p.created_at"

func scanPin(r Row, network string) (store.Pin, error) {
	p := store.Pin{Network: network}
	var proto, sport, dport int64
	var src, dst string
	var expires *int64
	var created int64
	err := r.Scan(&p.ID, &p.Site, &proto, &src, &dst, &sport, &dport, &p.Path, &expires, &p.CreatedBy, &created)
	if err != nil {
		return p, err
	}
	p.Match.Protocol, p.Match.SrcPort, p.Match.DstPort = uint8(proto), uint16(sport), uint16(dport)
	if p.Match.Src, err = storedPrefix(src); err == nil {
		p.Match.Dst, err = storedPrefix(dst)
	}
	p.ExpiresAt, p.CreatedAt = fromNullUS(expires), fromUS(created)
	return p, err
}

// prefixText is a match prefix as stored: "" for any.
func prefixText(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

func storedPrefix(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("stored pin prefix %q: %w", s, err)
	}
	return p, nil
}

// PutPin implements store.Store.
func (s *Store) PutPin(ctx context.Context, network string, spec store.PinSpec) (store.Pin, error) {
	now := s.now()
	path, err := spec.Validate(now)
	if err != nil {
		return store.Pin{}, err
	}
	spec.Path = path.String()
	p := store.Pin{Network: network, PinSpec: spec, CreatedAt: fromUS(us(now))}
	err = s.write(ctx, "put pin", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, t, netID, network, spec.Site)
		if err != nil {
			return err
		}
		for _, end := range [][2]string{{path.Site, path.Link}, {path.Peer, path.PeerLink}} {
			if err := s.linkExists(ctx, t, netID, network, spec.Path, end[0], end[1]); err != nil {
				return err
			}
		}
		m := spec.Match
		err = t.QueryRow(ctx, `INSERT INTO pins (network_id, site_id, protocol, src, dst, src_port, dst_port, path, expires_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (site_id, protocol, src, dst, src_port, dst_port) DO UPDATE SET path = excluded.path,
				expires_at = excluded.expires_at, created_by = excluded.created_by, created_at = excluded.created_at
			RETURNING id`, netID, siteID, int64(m.Protocol), prefixText(m.Src), prefixText(m.Dst), int64(m.SrcPort), int64(m.DstPort),
			spec.Path, nullUS(spec.ExpiresAt), spec.CreatedBy, us(now)).Scan(&p.ID)
		if err != nil {
			return s.classify(err, "pin", "", "pin of site %q", spec.Site)
		}
		return t.bump(ctx, netID)
	})
	if err != nil {
		return store.Pin{}, err
	}
	return p, nil
}

// linkExists refuses a pin path whose end is not a site and link of the
// network.
func (s *Store) linkExists(ctx context.Context, q Querier, netID int64, network, path, site, link string) error {
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM links l JOIN sites s ON s.id = l.site_id
		WHERE s.network_id = $1 AND s.name = $2 AND l.name = $3`, netID, site, link).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return &store.Error{Kind: store.ErrInvalid, Entity: "pin", Field: "path",
			Msg: fmt.Sprintf("%q: site %q of network %q has no link %q", path, site, network, link)}
	}
	return nil
}

// Pins implements store.Store.
func (s *Store) Pins(ctx context.Context, network, site string) ([]store.Pin, error) {
	var out []store.Pin
	scan := func(r Row) error {
		p, err := scanPin(r, network)
		out = append(out, p)
		return err
	}
	q := "SELECT " + pinCols + " FROM pins p JOIN sites s ON s.id = p.site_id WHERE p.network_id = $1"
	if site == "" {
		return out, s.list(ctx, "pins", network, q+" ORDER BY p.id", scan)
	}
	if err := s.read("pins"); err != nil {
		return nil, err
	}
	err := s.eng.ReadTx(ctx, func(tq Querier) error {
		netID, err := s.netID(ctx, tq, network)
		if err != nil {
			return err
		}
		if _, err := s.siteID(ctx, tq, netID, network, site); err != nil {
			return err
		}
		return each(ctx, tq, q+" AND s.name = $2 ORDER BY p.id", scan, netID, site)
	})
	return out, s.wrap("pins", err)
}

// DeletePin implements store.Store.
func (s *Store) DeletePin(ctx context.Context, network string, id int64) error {
	return s.write(ctx, "delete pin", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		n, err := t.Exec(ctx, "DELETE FROM pins WHERE network_id = $1 AND id = $2", netID, id)
		if err := deleted(n, err, "pin", "pin %d does not exist in network %q", id, network); err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
}

// ExpirePins implements store.Store. It takes the write lock only when a
// pin is due.
func (s *Store) ExpirePins(ctx context.Context, now time.Time) (time.Time, error) {
	if err := s.read("expire pins"); err != nil {
		return time.Time{}, err
	}
	next, err := s.nextExpiry(ctx)
	if err != nil || next.IsZero() || next.After(now) {
		return next, s.wrap("expire pins", err)
	}
	err = s.write(ctx, "expire pins", func(t *tx) error {
		rows, err := t.Query(ctx, "DELETE FROM pins WHERE expires_at <= $1 RETURNING network_id", us(now))
		if err != nil {
			return err
		}
		var nets []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			nets = append(nets, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Networks in one order: two replicas expiring at once lock
		// their revision rows alike.
		slices.Sort(nets)
		for _, id := range slices.Compact(nets) {
			if err := t.bump(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	next, err = s.nextExpiry(ctx)
	return next, s.wrap("expire pins", err)
}

// nextExpiry is the earliest expiry of any pin; zero: none.
func (s *Store) nextExpiry(ctx context.Context) (time.Time, error) {
	var v *int64
	if err := s.eng.QueryRow(ctx, "SELECT MIN(expires_at) FROM pins").Scan(&v); err != nil {
		return time.Time{}, err
	}
	return fromNullUS(v), nil
}
