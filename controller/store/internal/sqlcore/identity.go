package sqlcore

import (
	"context"
	"fmt"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Site identity (migration 15): the certificates issued to sites' edges
// and the reset of a site. A site that records its certificates
// (certs_recorded = 1) is accepted only with one of them not revoked.

// validCert checks a certificate to record.
func validCert(c *store.SiteCert) error {
	if c.Serial == "" || len(c.Serial) > 64 {
		return &store.Error{Kind: store.ErrInvalid, Entity: "site_cert", Field: "serial", Msg: "required, at most 64 characters"}
	}
	if c.NotAfter.IsZero() {
		return &store.Error{Kind: store.ErrInvalid, Entity: "site_cert", Field: "not_after", Msg: "required"}
	}
	return nil
}

// insertSiteCert records c (nil: nothing) for the site.
func (s *Store) insertSiteCert(ctx context.Context, t *tx, siteID int64, c *store.SiteCert) error {
	if c == nil {
		return nil
	}
	if err := validCert(c); err != nil {
		return err
	}
	issued := c.IssuedAt
	if issued.IsZero() {
		issued = s.now()
	}
	_, err := t.Exec(ctx, "INSERT INTO site_certs (serial, site_id, issued_at, not_after) VALUES ($1, $2, $3, $4)",
		c.Serial, siteID, us(issued), us(c.NotAfter))
	if err != nil {
		return s.classify(err, "site_cert", "serial", "certificate serial %s is recorded already", c.Serial)
	}
	return nil
}

// revokeSiteCerts revokes every certificate of the site not revoked yet.
func (s *Store) revokeSiteCerts(ctx context.Context, t *tx, siteID int64, reason string) error {
	_, err := t.Exec(ctx, "UPDATE site_certs SET revoked_at = $2, reason = $3 WHERE site_id = $1 AND revoked_at IS NULL",
		siteID, us(s.now()), reason)
	return err
}

// reenrolSite is EnrolSite with a reset token: the site keeps its ID, role,
// links, prefixes and pins, and takes the new public key and certificate.
func (s *Store) reenrolSite(ctx context.Context, t *tx, netID int64, network string, siteID int64, spec store.SiteSpec) (store.Site, error) {
	st, err := scanSite(t.QueryRow(ctx, `UPDATE sites SET public_key = $3, certs_recorded = 1
		WHERE id = $1 AND network_id = $2 AND name = $4 AND state = 'enrolled' RETURNING `+siteReturnedCols,
		siteID, netID, spec.PublicKey, spec.Name), network)
	if s.eng.Classify(err) == NoRows {
		return st, store.Constraint("site", "name", nil, "site %q was revoked since its reset token was made", spec.Name)
	}
	if err != nil {
		return st, s.siteConflict(err, network, spec)
	}
	if err := s.revokeSiteCerts(ctx, t, siteID, "site re-enrolled"); err != nil {
		return st, err
	}
	if err := s.insertSiteCert(ctx, t, siteID, spec.Cert); err != nil {
		return st, err
	}
	return st, t.bump(ctx, netID)
}

// ResetSite implements store.Store.
func (s *Store) ResetSite(ctx context.Context, network, name string, ttl time.Duration) (string, store.JoinToken, error) {
	if err := store.ValidateTTL(ttl); err != nil {
		return "", store.JoinToken{}, err
	}
	now := s.now()
	tok := store.JoinToken{Network: network, Site: name, CreatedAt: fromUS(us(now)), ExpiresAt: fromUS(us(now.Add(ttl))), Reset: true}
	secret, err := s.token(name, tok.ExpiresAt)
	if err != nil {
		return "", store.JoinToken{}, s.wrap("reset site", err)
	}
	hash := HashToken(secret)
	tok.ID = hash[:tokenIDLen]
	err = s.write(ctx, "reset site", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.enrolledSiteID(ctx, t, netID, network, name)
		if err != nil {
			return err
		}
		if err := s.revokeSiteCerts(ctx, t, siteID, "site reset"); err != nil {
			return err
		}
		if _, err := t.Exec(ctx, "UPDATE sites SET certs_recorded = 1 WHERE id = $1", siteID); err != nil {
			return err
		}
		if _, err := t.Exec(ctx, `UPDATE join_tokens SET revoked_at = $2
			WHERE reset_site_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, siteID, us(now)); err != nil {
			return err
		}
		if _, err := t.Exec(ctx, `INSERT INTO join_tokens (network_id, site_name, token_hash, created_at, expires_at, reset_site_id)
			VALUES ($1, $2, $3, $4, $5, $6)`, netID, name, hash, us(tok.CreatedAt), us(tok.ExpiresAt), siteID); err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
	if err != nil {
		return "", store.JoinToken{}, err
	}
	return secret, tok, nil
}

// enrolledSiteID returns the ID of an enrolled site; a revoked one is
// ErrConstraint.
func (s *Store) enrolledSiteID(ctx context.Context, q Querier, netID int64, network, name string) (int64, error) {
	var id int64
	var state string
	err := q.QueryRow(ctx, "SELECT id, state FROM sites WHERE network_id = $1 AND name = $2", netID, name).Scan(&id, &state)
	switch {
	case s.eng.Classify(err) == NoRows:
		return 0, store.NotFound("site", "site %q does not exist in network %q", name, network)
	case err != nil:
		return 0, err
	case state != string(store.Enrolled):
		return 0, store.Constraint("site", "name", nil, "site %q is %s: delete it and enrol it anew", name, state)
	}
	return id, nil
}

// SiteCerts implements store.Store.
func (s *Store) SiteCerts(ctx context.Context, network string) ([]store.SiteCert, error) {
	var out []store.SiteCert
	err := s.list(ctx, "site certificates", network, `SELECT c.serial, s.name, s.id, c.issued_at, c.not_after, c.revoked_at, c.reason
		FROM site_certs c JOIN sites s ON s.id = c.site_id WHERE s.network_id = $1 ORDER BY s.id, c.issued_at, c.serial`, func(r Row) error {
		var c store.SiteCert
		var issued, notAfter int64
		var revoked *int64
		if err := r.Scan(&c.Serial, &c.Site, &c.SiteID, &issued, &notAfter, &revoked, &c.Reason); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		c.IssuedAt, c.NotAfter, c.RevokedAt = fromUS(issued), fromUS(notAfter), fromNullUS(revoked)
		out = append(out, c)
		return nil
	})
	return out, err
}

// AddSiteCert implements store.Store.
func (s *Store) AddSiteCert(ctx context.Context, network, site string, c store.SiteCert) error {
	if err := validCert(&c); err != nil {
		return err
	}
	return s.write(ctx, "add site certificate", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		siteID, err := s.enrolledSiteID(ctx, t, netID, network, site)
		if err != nil {
			return err
		}
		var n int64
		if err := t.QueryRow(ctx, `SELECT COUNT(*) FROM site_certs WHERE site_id = $1 AND revoked_at IS NULL AND not_after > $2`,
			siteID, us(s.now())).Scan(&n); err != nil {
			return err
		}
		if n >= store.MaxSiteCertsInForce {
			return store.Constraint("site_cert", "site", nil, "site %q has %d certificates in force already", site, n)
		}
		if err := s.checkRenewedFrom(ctx, t, siteID, site, c.RenewedFrom); err != nil {
			return err
		}
		return s.insertSiteCert(ctx, t, siteID, &c)
	})
}

// RevokeCert implements store.Store.
func (s *Store) RevokeCert(ctx context.Context, serial, reason string) (store.RevokedCert, error) {
	if serial == "" || len(serial) > 64 {
		return store.RevokedCert{}, &store.Error{Kind: store.ErrInvalid, Entity: "certificate", Field: "serial", Msg: "required, at most 64 characters"}
	}
	out := store.RevokedCert{Serial: serial}
	err := s.write(ctx, "revoke certificate", func(t *tx) error {
		now := us(s.now())
		var netID int64
		var revoked *int64
		err := t.QueryRow(ctx, `SELECT n.id, n.name, s.name, c.revoked_at, c.reason FROM site_certs c
			JOIN sites s ON s.id = c.site_id JOIN networks n ON n.id = s.network_id WHERE c.serial = $1`, serial).
			Scan(&netID, &out.Network, &out.Site, &revoked, &out.Reason)
		switch {
		case err == nil && revoked != nil:
			out.RevokedAt = fromUS(*revoked)
			return nil
		case err == nil:
			if _, err := t.Exec(ctx, "UPDATE site_certs SET revoked_at = $2, reason = $3 WHERE serial = $1", serial, now, reason); err != nil {
				return err
			}
			out.RevokedAt, out.Reason = fromUS(now), reason
			return t.bump(ctx, netID)
		case s.eng.Classify(err) != NoRows:
			return err
		}
		return s.revokeOperatorSerial(ctx, t, &out, now, reason)
	})
	return out, err
}

// revokeOperatorSerial is RevokeCert for an operator's certificate.
func (s *Store) revokeOperatorSerial(ctx context.Context, t *tx, out *store.RevokedCert, now int64, reason string) error {
	var revoked *int64
	err := t.QueryRow(ctx, "SELECT name, revoked_at, reason FROM operator_certs WHERE serial = $1", out.Serial).
		Scan(&out.Operator, &revoked, &out.Reason)
	switch {
	case s.eng.Classify(err) == NoRows:
		return store.NotFound("certificate", "no certificate with serial %s is recorded", out.Serial)
	case err != nil:
		return err
	case revoked != nil:
		out.RevokedAt = fromUS(*revoked)
		return nil
	}
	if _, err := t.Exec(ctx, "UPDATE operator_certs SET revoked_at = $2, reason = $3 WHERE serial = $1", out.Serial, now, reason); err != nil {
		return err
	}
	out.RevokedAt, out.Reason = fromUS(now), reason
	return nil
}

// checkRenewedFrom: the certificate a renewal was asked with ("": not
// checked) is the site's and not revoked; a site that does not record
// its certificates may renew one that was never recorded.
func (s *Store) checkRenewedFrom(ctx context.Context, t *tx, siteID int64, site, serial string) error {
	if serial == "" {
		return nil
	}
	var owner, recorded int64
	var revoked *int64
	err := t.QueryRow(ctx, "SELECT site_id, revoked_at FROM site_certs WHERE serial = $1", serial).Scan(&owner, &revoked)
	switch {
	case s.eng.Classify(err) == NoRows:
		if err := t.QueryRow(ctx, "SELECT certs_recorded FROM sites WHERE id = $1", siteID).Scan(&recorded); err != nil {
			return err
		}
		if recorded != 0 {
			return store.Constraint("site_cert", "renewed_from", nil, "certificate %s is not one of site %q's", serial, site)
		}
		return nil
	case err != nil:
		return err
	case owner != siteID:
		return store.Constraint("site_cert", "renewed_from", nil, "certificate %s is not one of site %q's", serial, site)
	case revoked != nil:
		return store.Constraint("site_cert", "renewed_from", nil, "certificate %s of site %q is revoked", serial, site)
	}
	return nil
}
