package sqlcore

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

const networkCols = "id, name, topology, revision, created_at, revision_trace"

func scanNetwork(r Row) (store.Network, error) {
	var n store.Network
	var topo string
	var created int64
	err := r.Scan(&n.ID, &n.Name, &topo, &n.Revision, &created, &n.TraceParent)
	n.Topology, n.CreatedAt = store.Topology(topo), fromUS(created)
	return n, err
}

// CreateNetwork implements store.Store.
func (s *Store) CreateNetwork(ctx context.Context, name string, topo store.Topology) (store.Network, error) {
	if err := store.ValidateName("network", "name", name); err != nil {
		return store.Network{}, err
	}
	if err := store.ValidateTopology(topo); err != nil {
		return store.Network{}, err
	}
	var n store.Network
	err := s.write(ctx, "create network", func(t *tx) error {
		var err error
		n, err = scanNetwork(t.QueryRow(ctx, "INSERT INTO networks (name, topology, revision, created_at) VALUES ($1, $2, 0, $3) RETURNING "+networkCols,
			name, string(topo), us(s.now())))
		if err != nil {
			return s.classify(err, "network", "name", "network %q already exists", name)
		}
		if err := t.bump(ctx, n.ID); err != nil {
			return err
		}
		n.Revision++
		return nil
	})
	return n, err
}

// Network implements store.Store.
func (s *Store) Network(ctx context.Context, name string) (store.Network, error) {
	if err := s.read("network"); err != nil {
		return store.Network{}, err
	}
	n, err := scanNetwork(s.eng.QueryRow(ctx, "SELECT "+networkCols+" FROM networks WHERE name = $1", name))
	if err != nil {
		return n, s.wrap("network", s.classify(err, "network", "", "network %q does not exist", name))
	}
	return n, nil
}

// Networks implements store.Store.
func (s *Store) Networks(ctx context.Context) ([]store.Network, error) {
	if err := s.read("networks"); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, "SELECT "+networkCols+" FROM networks ORDER BY name")
	if err != nil {
		return nil, s.wrap("networks", err)
	}
	defer rows.Close()
	var out []store.Network
	for rows.Next() {
		n, err := scanNetwork(rows)
		if err != nil {
			return nil, s.wrap("networks", err)
		}
		out = append(out, n)
	}
	return out, s.wrap("networks", rows.Err())
}

// SetTopology implements store.Store.
func (s *Store) SetTopology(ctx context.Context, network string, topo store.Topology) (store.Network, error) {
	if err := store.ValidateTopology(topo); err != nil {
		return store.Network{}, err
	}
	var n store.Network
	err := s.write(ctx, "set topology", func(t *tx) error {
		id, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		if _, err := t.Exec(ctx, "UPDATE networks SET topology = $2 WHERE id = $1", id, string(topo)); err != nil {
			return err
		}
		if err := t.bump(ctx, id); err != nil {
			return err
		}
		n, err = scanNetwork(t.QueryRow(ctx, "SELECT "+networkCols+" FROM networks WHERE id = $1", id))
		return err
	})
	return n, err
}

// DeleteNetwork implements store.Store.
func (s *Store) DeleteNetwork(ctx context.Context, name string) error {
	return s.write(ctx, "delete network", func(t *tx) error {
		netID, err := s.netID(ctx, t, name)
		if err != nil {
			return err
		}
		// The raw tables have no foreign key (a check per row).
		for _, table := range []string{"path_metrics_raw", "path_counters"} {
			if _, err := t.Exec(ctx, "DELETE FROM "+table+" WHERE network_id = $1", netID); err != nil {
				return err
			}
		}
		n, err := t.Exec(ctx, "DELETE FROM networks WHERE id = $1", netID)
		return deleted(n, err, "network", "network %q does not exist", name)
	})
}

const (
	siteCols         = "s.id, s.name, s.role, s.public_key, s.state, s.last_seen, s.created_at, s.certs_recorded, s.key_rotation, s.next_public_key, s.key_rotated_at"
	siteReturnedCols = "id, name, role, public_key, state, last_seen, created_at, certs_recorded, key_rotation, next_public_key, key_rotated_at" // RETURNING takes no table alias in SQLite
)

func scanSite(r Row, network string) (store.Site, error) {
	st := store.Site{Network: network}
	var role, state string
	var seen, rotated *int64
	var created, recorded, rotation int64
	err := r.Scan(&st.ID, &st.Name, &role, &st.PublicKey, &state, &seen, &created, &recorded, &rotation, &st.NextPublicKey, &rotated)
	st.Role, st.State, st.LastSeen, st.CreatedAt = store.Role(role), store.SiteState(state), fromNullUS(seen), fromUS(created)
	st.CertsRecorded, st.KeyRotation, st.KeyRotatedAt = recorded != 0, rotation != 0, fromNullUS(rotated)
	return st, err
}

func (s *Store) insertSite(ctx context.Context, t *tx, netID int64, network string, spec store.SiteSpec) (store.Site, error) {
	recorded := 0
	if spec.Cert != nil {
		recorded = 1
	}
	st, err := scanSite(t.QueryRow(ctx, `INSERT INTO sites (network_id, name, role, public_key, state, created_at, certs_recorded)
		VALUES ($1, $2, $3, $4, 'enrolled', $5, $6) RETURNING `+siteReturnedCols,
		netID, spec.Name, string(spec.Role), spec.PublicKey, us(s.now()), recorded), network)
	if err != nil {
		return st, s.siteConflict(err, network, spec)
	}
	if err := s.insertSiteCert(ctx, t, st.ID, spec.Cert); err != nil {
		return st, err
	}
	return st, t.bump(ctx, netID)
}

// siteConflict names which unique key a failed site write hit.
func (s *Store) siteConflict(err error, network string, spec store.SiteSpec) error {
	if s.eng.Classify(err) != Unique {
		return s.classify(err, "site", "", "site %q", spec.Name)
	}
	// The transaction may be aborted (PostgreSQL): decide from the error text's
	// constraint rather than by querying.
	if strings.Contains(err.Error(), "public_key") {
		return store.Conflict("site", "public_key", err, "public key of site %q is already used by another site of network %q", spec.Name, network)
	}
	return store.Conflict("site", "name", err, "site %q already exists in network %q", spec.Name, network)
}

// CreateSite implements store.Store.
func (s *Store) CreateSite(ctx context.Context, network string, spec store.SiteSpec) (store.Site, error) {
	if err := spec.Validate(); err != nil {
		return store.Site{}, err
	}
	var st store.Site
	err := s.write(ctx, "create site", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		st, err = s.insertSite(ctx, t, netID, network, spec)
		return err
	})
	return st, err
}

// EnrolSite implements store.Store.
func (s *Store) EnrolSite(ctx context.Context, token string, spec store.SiteSpec) (store.Site, error) {
	if token == "" {
		return store.Site{}, &store.Error{Kind: store.ErrInvalid, Entity: "join_token", Field: "token", Msg: "empty"}
	}
	var st store.Site
	// A token that cannot enrol is refused on a read, which neither waits
	// for nor holds the write lock: forged tokens (the format and the CA
	// pin are public) cost an index lookup, not a write transaction. The
	// write below checks again, atomically.
	hash := HashToken(token)
	if err := s.tokenRefusal(ctx, s.eng, hash, us(s.now())); err != nil {
		return st, s.wrap("enrol site", err)
	}
	err := s.write(ctx, "enrol site", func(t *tx) error {
		now := us(s.now())
		var tokID, netID int64
		var resetID *int64
		var siteName, network string
		err := t.QueryRow(ctx, `UPDATE join_tokens SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
			RETURNING id, network_id, site_name, (SELECT name FROM networks WHERE id = network_id), reset_site_id`, hash, now).
			Scan(&tokID, &netID, &siteName, &network, &resetID)
		if s.eng.Classify(err) == NoRows {
			if err := s.tokenRefusal(ctx, t, hash, now); err != nil {
				return err
			}
			return store.TokenError(store.ErrTokenUnknown, "no such token")
		}
		if err != nil {
			return err
		}
		if spec.Name == "" {
			spec.Name = siteName
		}
		if spec.Name != siteName {
			return &store.Error{Kind: store.ErrInvalid, Entity: "site", Field: "name",
				Msg: fmt.Sprintf("join token is bound to site %q, not %q", siteName, spec.Name)}
		}
		if err := spec.Validate(); err != nil {
			return err
		}
		if resetID != nil {
			st, err = s.reenrolSite(ctx, t, netID, network, *resetID, spec)
		} else {
			st, err = s.insertSite(ctx, t, netID, network, spec)
		}
		if err != nil {
			return err
		}
		_, err = t.Exec(ctx, "UPDATE join_tokens SET site_id = $2 WHERE id = $1", tokID, st.ID)
		return err
	})
	return st, err
}

// tokenRefusal says why a token cannot enrol now: unknown, used, revoked
// or expired; nil when it can.
func (s *Store) tokenRefusal(ctx context.Context, q Querier, hash string, now int64) error {
	var used, revoked *int64
	var expires int64
	err := q.QueryRow(ctx, "SELECT used_at, revoked_at, expires_at FROM join_tokens WHERE token_hash = $1", hash).Scan(&used, &revoked, &expires)
	switch {
	case s.eng.Classify(err) == NoRows:
		return store.TokenError(store.ErrTokenUnknown, "no such token")
	case err != nil:
		return err
	case used != nil:
		return store.TokenError(store.ErrTokenUsed, "used at %s", fromUS(*used).Format(time.RFC3339))
	case revoked != nil:
		return store.TokenError(store.ErrTokenRevoked, "revoked at %s", fromUS(*revoked).Format(time.RFC3339))
	case expires <= now:
		return store.TokenError(store.ErrTokenExpired, "expired at %s", fromUS(expires).Format(time.RFC3339))
	}
	return nil
}

// Site implements store.Store.
func (s *Store) Site(ctx context.Context, network, name string) (store.Site, error) {
	if err := s.read("site"); err != nil {
		return store.Site{}, err
	}
	st, err := scanSite(s.eng.QueryRow(ctx, "SELECT "+siteCols+` FROM sites s JOIN networks n ON n.id = s.network_id
		WHERE n.name = $1 AND s.name = $2`, network, name), network)
	if err != nil {
		return st, s.wrap("site", s.classify(err, "site", "", "site %q does not exist in network %q", name, network))
	}
	return st, nil
}

// Sites implements store.Store.
func (s *Store) Sites(ctx context.Context, network string) ([]store.Site, error) {
	if err := s.read("sites"); err != nil {
		return nil, err
	}
	var out []store.Site
	err := s.eng.ReadTx(ctx, func(q Querier) error {
		var err error
		out, err = s.sites(ctx, q, network)
		return err
	})
	return out, s.wrap("sites", err)
}

func (s *Store) sites(ctx context.Context, q Querier, network string) ([]store.Site, error) {
	netID, err := s.netID(ctx, q, network)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT "+siteCols+" FROM sites s WHERE s.network_id = $1 ORDER BY s.name", netID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Site
	for rows.Next() {
		st, err := scanSite(rows, network)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// UpdateSite implements store.Store.
func (s *Store) UpdateSite(ctx context.Context, network string, spec store.SiteSpec) (store.Site, error) {
	if err := spec.Validate(); err != nil {
		return store.Site{}, err
	}
	var st store.Site
	err := s.write(ctx, "update site", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		st, err = scanSite(t.QueryRow(ctx, `UPDATE sites SET role = $3, public_key = $4
			WHERE network_id = $1 AND name = $2 RETURNING `+siteReturnedCols, netID, spec.Name, string(spec.Role), spec.PublicKey), network)
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("site", "site %q does not exist in network %q", spec.Name, network)
		}
		if err != nil {
			return s.siteConflict(err, network, spec)
		}
		return t.bump(ctx, netID)
	})
	return st, err
}

// RevokeSite implements store.Store.
func (s *Store) RevokeSite(ctx context.Context, network, name string) (store.Site, error) {
	var st store.Site
	err := s.write(ctx, "revoke site", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		st, err = scanSite(t.QueryRow(ctx, `UPDATE sites SET state = 'revoked'
			WHERE network_id = $1 AND name = $2 RETURNING `+siteReturnedCols, netID, name), network)
		if err != nil {
			return s.classify(err, "site", "", "site %q does not exist in network %q", name, network)
		}
		return t.bump(ctx, netID)
	})
	return st, err
}

// TouchSite implements store.Store.
func (s *Store) TouchSite(ctx context.Context, network, name string, at time.Time) error {
	return s.write(ctx, "touch site", func(t *tx) error {
		n, err := t.Exec(ctx, `UPDATE sites SET last_seen = $3
			WHERE network_id = (SELECT id FROM networks WHERE name = $1) AND name = $2`, network, name, us(at))
		return deleted(n, err, "site", "site %q does not exist in network %q", name, network)
	})
}

// DeleteSite implements store.Store.
func (s *Store) DeleteSite(ctx context.Context, network, name string) error {
	return s.write(ctx, "delete site", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		n, err := t.Exec(ctx, "DELETE FROM sites WHERE network_id = $1 AND name = $2", netID, name)
		if err := deleted(n, err, "site", "site %q does not exist in network %q", name, network); err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
}

const linkCols = "l.id, s.name, l.name, l.colour, l.cost, l.bandwidth_kbps, l.endpoint, l.interface, l.local_address, l.listen_port"

func scanLink(r Row) (store.Link, error) {
	var l store.Link
	err := r.Scan(&l.ID, &l.Site, &l.Name, &l.Colour, &l.Cost, &l.BandwidthKbps, &l.Endpoint, &l.Interface, &l.LocalAddress, &l.ListenPort)
	return l, err
}

// PutLink implements store.Store.
func (s *Store) PutLink(ctx context.Context, network, site string, spec store.LinkSpec) (store.Link, error) {
	if err := spec.Validate(); err != nil {
		return store.Link{}, err
	}
	l := store.Link{Site: site, LinkSpec: spec}
	err := s.write(ctx, "put link", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, t, netID, network, site)
		if err != nil {
			return err
		}
		if err := t.lockNetwork(ctx, netID); err != nil {
			return err
		}
		err = t.QueryRow(ctx, `INSERT INTO links (site_id, name, colour, cost, bandwidth_kbps, endpoint, interface, local_address, listen_port)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (site_id, name) DO UPDATE SET colour = excluded.colour, cost = excluded.cost,
				bandwidth_kbps = excluded.bandwidth_kbps, endpoint = excluded.endpoint, interface = excluded.interface,
				local_address = excluded.local_address, listen_port = excluded.listen_port
			RETURNING id`, siteID, spec.Name, spec.Colour, spec.Cost, spec.BandwidthKbps, spec.Endpoint,
			spec.Interface, spec.LocalAddress, spec.ListenPort).Scan(&l.ID)
		if err == nil {
			err = s.checkEndpointOutsidePrefixes(ctx, t, netID, spec)
		}
		if err != nil {
			return s.classify(err, "link", "", "link %q of site %q", spec.Name, site)
		}
		return t.bump(ctx, netID)
	})
	return l, err
}

// Links implements store.Store.
func (s *Store) Links(ctx context.Context, network, site string) ([]store.Link, error) {
	if err := s.read("links"); err != nil {
		return nil, err
	}
	var out []store.Link
	err := s.eng.ReadTx(ctx, func(q Querier) error {
		netID, err := s.netID(ctx, q, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, q, netID, network, site)
		if err != nil {
			return err
		}
		out, err = s.links(ctx, q, "s.id = $1", siteID)
		return err
	})
	return out, s.wrap("links", err)
}

func (s *Store) links(ctx context.Context, q Querier, where string, arg int64) ([]store.Link, error) {
	rows, err := q.Query(ctx, "SELECT "+linkCols+" FROM links l JOIN sites s ON s.id = l.site_id WHERE "+where+" ORDER BY s.name, l.name", arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// DeleteLink implements store.Store.
func (s *Store) DeleteLink(ctx context.Context, network, site, link string) error {
	return s.write(ctx, "delete link", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, t, netID, network, site)
		if err != nil {
			return err
		}
		n, err := t.Exec(ctx, "DELETE FROM links WHERE site_id = $1 AND name = $2", siteID, link)
		if err := deleted(n, err, "link", "link %q of site %q does not exist", link, site); err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
}

// AddPrefix implements store.Store.
func (s *Store) AddPrefix(ctx context.Context, network, site string, p netip.Prefix) (store.Prefix, error) {
	if err := store.ValidatePrefix(p); err != nil {
		return store.Prefix{}, err
	}
	pr := store.Prefix{Site: site, Prefix: p}
	err := s.write(ctx, "add prefix", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.siteID(ctx, t, netID, network, site)
		if err != nil {
			return err
		}
		if err := t.lockNetwork(ctx, netID); err != nil {
			return err
		}
		if err := s.checkPrefixFree(ctx, t, netID, p); err != nil {
			return err
		}
		err = t.QueryRow(ctx, "INSERT INTO prefixes (network_id, site_id, prefix) VALUES ($1, $2, $3) RETURNING id",
			netID, siteID, p.String()).Scan(&pr.ID)
		if err != nil {
			return s.classify(err, "prefix", "prefix", "%s already belongs to a site", p)
		}
		return t.bump(ctx, netID)
	})
	return pr, err
}

// checkPrefixFree refuses p when it overlaps a prefix of any site of the
// network (a destination must have one site, and a source one sender) or
// covers a link's endpoint (routed into the overlay, the endpoint would be
// cut off from the underlay that carries the overlay).
func (s *Store) checkPrefixFree(ctx context.Context, t *tx, netID int64, p netip.Prefix) error {
	rows, err := t.Query(ctx, `SELECT s.name, p.prefix FROM prefixes p JOIN sites s ON s.id = p.site_id
		WHERE p.network_id = $1`, netID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var owner, text string
		if err := rows.Scan(&owner, &text); err != nil {
			rows.Close()
			return err
		}
		q, err := netip.ParsePrefix(text)
		if err != nil || !q.Overlaps(p) {
			continue
		}
		rows.Close()
		if q == p {
			return store.Conflict("prefix", "prefix", nil, "%s already belongs to site %q", p, owner)
		}
		return store.Conflict("prefix", "prefix", nil, "%s overlaps %s of site %q: an address must belong to one site", p, q, owner)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	return s.forEachEndpoint(ctx, t, netID, func(site, link string, ep netip.Addr) error {
		if p.Contains(ep) {
			return store.Conflict("prefix", "prefix", nil,
				"%s covers %s, the endpoint of link %q of site %q: routed into the overlay, that link could not carry it", p, ep, link, site)
		}
		return nil
	})
}

// checkEndpointOutsidePrefixes refuses a link whose endpoint lies in a
// site's prefix (see checkPrefixFree).
func (s *Store) checkEndpointOutsidePrefixes(ctx context.Context, t *tx, netID int64, spec store.LinkSpec) error {
	ap, err := netip.ParseAddrPort(spec.Endpoint)
	if spec.Endpoint == "" || err != nil {
		return nil
	}
	var owner, text string
	rows, err := t.Query(ctx, `SELECT s.name, p.prefix FROM prefixes p JOIN sites s ON s.id = p.site_id
		WHERE p.network_id = $1`, netID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&owner, &text); err != nil {
			return err
		}
		if q, err := netip.ParsePrefix(text); err == nil && q.Contains(ap.Addr().Unmap()) {
			return store.Conflict("link", "endpoint", nil,
				"%s lies in %s, a prefix of site %q: routed into the overlay, this link could not carry it", ap.Addr(), q, owner)
		}
	}
	return rows.Err()
}

// forEachEndpoint calls fn with the endpoint address of every link of the
// network that has one.
func (s *Store) forEachEndpoint(ctx context.Context, t *tx, netID int64, fn func(site, link string, ep netip.Addr) error) error {
	rows, err := t.Query(ctx, `SELECT s.name, l.name, l.endpoint FROM links l JOIN sites s ON s.id = l.site_id
		WHERE s.network_id = $1 AND l.endpoint <> ''`, netID)
	if err != nil {
		return err
	}
	type ep struct {
		site, link string
		addr       netip.Addr
	}
	var eps []ep
	for rows.Next() {
		var e ep
		var text string
		if err := rows.Scan(&e.site, &e.link, &text); err != nil {
			rows.Close()
			return err
		}
		if ap, err := netip.ParseAddrPort(text); err == nil {
			e.addr = ap.Addr().Unmap()
			eps = append(eps, e)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return err
	}
	for _, e := range eps {
		if err := fn(e.site, e.link, e.addr); err != nil {
			return err
		}
	}
	return nil
}

// Prefixes implements store.Store.
func (s *Store) Prefixes(ctx context.Context, network string) ([]store.Prefix, error) {
	if err := s.read("prefixes"); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, `SELECT p.id, s.name, p.prefix FROM prefixes p
		JOIN sites s ON s.id = p.site_id JOIN networks n ON n.id = p.network_id
		WHERE n.name = $1 ORDER BY s.name, p.prefix`, network)
	if err != nil {
		return nil, s.wrap("prefixes", err)
	}
	defer rows.Close()
	var out []store.Prefix
	for rows.Next() {
		var pr store.Prefix
		var text string
		if err := rows.Scan(&pr.ID, &pr.Site, &text); err != nil {
			return nil, s.wrap("prefixes", err)
		}
		if pr.Prefix, err = netip.ParsePrefix(text); err != nil {
			return nil, s.wrap("prefixes", fmt.Errorf("stored prefix %q: %w", text, err))
		}
		out = append(out, pr)
	}
	return out, s.wrap("prefixes", rows.Err())
}

// DeletePrefix implements store.Store.
func (s *Store) DeletePrefix(ctx context.Context, network string, p netip.Prefix) error {
	return s.write(ctx, "delete prefix", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		n, err := t.Exec(ctx, "DELETE FROM prefixes WHERE network_id = $1 AND prefix = $2", netID, p.String())
		if err := deleted(n, err, "prefix", "%s does not exist in network %q", p, network); err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
}

// Paths implements store.Store.
func (s *Store) Paths(ctx context.Context, network string) ([]store.Path, error) {
	if err := s.read("paths"); err != nil {
		return nil, err
	}
	var paths []store.Path
	err := s.eng.ReadTx(ctx, func(q Querier) error {
		netID, err := s.netID(ctx, q, network)
		if err != nil {
			return err
		}
		var topo string
		if err := q.QueryRow(ctx, "SELECT topology FROM networks WHERE id = $1", netID).Scan(&topo); err != nil {
			return err
		}
		sites, err := s.sites(ctx, q, network)
		if err != nil {
			return err
		}
		links, err := s.links(ctx, q, "s.network_id = $1", netID)
		if err != nil {
			return err
		}
		bySite := map[string][]store.Link{}
		for _, l := range links {
			bySite[l.Site] = append(bySite[l.Site], l)
		}
		paths = store.DerivePaths(store.Topology(topo), sites, bySite)
		return nil
	})
	return paths, s.wrap("paths", err)
}
