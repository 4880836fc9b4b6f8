package sqlcore

import (
	"context"
	"math/big"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// validSerial: a positive decimal number (x509 serials are up to 20 bytes).
func validSerial(s string) error {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() <= 0 || len(s) > 49 || n.String() != s {
		return &store.Error{Kind: store.ErrInvalid, Entity: "operator_cert", Field: "serial", Msg: "not a positive decimal number"}
	}
	return nil
}

// AddOperatorCert implements store.Store.
func (s *Store) AddOperatorCert(ctx context.Context, c store.OperatorCert, exclusive bool) error {
	if err := store.ValidateName("operator_cert", "name", c.Name); err != nil {
		return err
	}
	if err := validSerial(c.Serial); err != nil {
		return err
	}
	return s.write(ctx, "add operator certificate", func(t *tx) error {
		if exclusive {
			if err := s.noneInForce(ctx, t, c.Name); err != nil {
				return err
			}
		}
		_, err := t.Exec(ctx, `INSERT INTO operator_certs (serial, name, issued_by, issued_at, not_after)
			VALUES ($1, $2, $3, $4, $5)`, c.Serial, c.Name, c.IssuedBy, us(c.IssuedAt), us(c.NotAfter))
		return s.classify(err, "operator_cert", "serial", "serial %s is recorded already", c.Serial)
	})
}

// noneInForce is ErrConflict when name has a certificate in force.
func (s *Store) noneInForce(ctx context.Context, q Querier, name string) error {
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM operator_certs
		WHERE name = $1 AND revoked_at IS NULL AND not_after > $2`, name, us(s.now())).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return store.Conflict("operator_cert", "name", nil, "operator %q has a certificate in force: revoke it first", name)
	}
	return nil
}

const operatorCols = `serial, name, issued_by, issued_at, not_after, revoked_at, reason`

func scanOperatorCert(r Row) (store.OperatorCert, error) {
	var c store.OperatorCert
	var issued, notAfter int64
	var revoked *int64
	if err := r.Scan(&c.Serial, &c.Name, &c.IssuedBy, &issued, &notAfter, &revoked, &c.Reason); err != nil {
		return c, err
	}
	c.IssuedAt, c.NotAfter, c.RevokedAt = fromUS(issued), fromUS(notAfter), fromNullUS(revoked)
	return c, nil
}

// OperatorCerts implements store.Store.
func (s *Store) OperatorCerts(ctx context.Context) ([]store.OperatorCert, error) {
	if err := s.read("operator certificates"); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, `SELECT `+operatorCols+` FROM operator_certs ORDER BY name, issued_at, serial`)
	if err != nil {
		return nil, s.wrap("operator certificates", err)
	}
	defer rows.Close()
	var out []store.OperatorCert
	for rows.Next() {
		c, err := scanOperatorCert(rows)
		if err != nil {
			return nil, s.wrap("operator certificates", err)
		}
		out = append(out, c)
	}
	return out, s.wrap("operator certificates", rows.Err())
}

// RevokeOperatorCerts implements store.Store.
func (s *Store) RevokeOperatorCerts(ctx context.Context, name, reason string) ([]store.OperatorCert, error) {
	if err := store.ValidateName("operator_cert", "name", name); err != nil {
		return nil, err
	}
	var out []store.OperatorCert
	err := s.write(ctx, "revoke operator certificates", func(t *tx) error {
		out = out[:0]
		now := us(s.now())
		rows, err := t.Query(ctx, `UPDATE operator_certs SET revoked_at = $2, reason = $3
			WHERE name = $1 AND revoked_at IS NULL AND not_after > $2 RETURNING `+operatorCols, name, now, reason)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanOperatorCert(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return store.NotFound("operator_cert", "operator %q has no certificate in force", name)
		}
		return nil
	})
	return out, err
}

// OperatorCertRevoked implements store.Store.
func (s *Store) OperatorCertRevoked(ctx context.Context, serial string) (bool, error) {
	if err := s.read("operator certificate"); err != nil {
		return false, err
	}
	var revoked *int64
	err := s.eng.QueryRow(ctx, "SELECT revoked_at FROM operator_certs WHERE serial = $1", serial).Scan(&revoked)
	switch {
	case s.eng.Classify(err) == NoRows:
		return false, nil
	case err != nil:
		return false, s.wrap("operator certificate", err)
	}
	return revoked != nil, nil
}
