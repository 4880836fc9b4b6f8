package sqlcore

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// WireGuard key rotation (migration 23): RequestKeyRotation sets
// key_rotation, SetNextKey records the edge's new key in next_public_key,
// CommitKeyRotation makes it public_key. Each bumps the revision: the
// site's edge and its peers take the change from their configurations.

// RequestKeyRotation implements store.Store.
func (s *Store) RequestKeyRotation(ctx context.Context, network, name string) (store.Site, error) {
	var st store.Site
	err := s.write(ctx, "request key rotation", func(t *tx) error {
		netID, siteID, err := s.rotatingSite(ctx, t, network, name)
		if err != nil {
			return err
		}
		st, err = scanSite(t.QueryRow(ctx, `UPDATE sites SET key_rotation = 1, next_public_key = ''
			WHERE id = $1 AND key_rotation = 0 RETURNING `+siteReturnedCols, siteID), network)
		if s.eng.Classify(err) == NoRows {
			return store.Conflict("site", "key_rotation", nil, "site %q: a key rotation is in progress already", name)
		}
		if err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
	return st, err
}

// SetNextKey implements store.Store.
func (s *Store) SetNextKey(ctx context.Context, network, name, key string) (store.Site, error) {
	if err := store.ValidateKey("site", "next_public_key", key); err != nil {
		return store.Site{}, err
	}
	var st store.Site
	err := s.write(ctx, "set next key", func(t *tx) error {
		netID, siteID, err := s.rotatingSite(ctx, t, network, name)
		if err != nil {
			return err
		}
		var rotation int64
		var cur, next string
		if err := t.QueryRow(ctx, "SELECT key_rotation, public_key, next_public_key FROM sites WHERE id = $1", siteID).
			Scan(&rotation, &cur, &next); err != nil {
			return err
		}
		switch {
		case rotation == 0:
			return store.Constraint("site", "next_public_key", nil, "site %q: no key rotation was asked for", name)
		case key == cur:
			return store.Constraint("site", "next_public_key", nil, "site %q: the next key is the current one", name)
		}
		st, err = scanSite(t.QueryRow(ctx, "UPDATE sites SET next_public_key = $2 WHERE id = $1 RETURNING "+siteReturnedCols,
			siteID, key), network)
		if err != nil || next == key {
			return err // the same key again: no change
		}
		return t.bump(ctx, netID)
	})
	return st, err
}

// CommitKeyRotation implements store.Store.
func (s *Store) CommitKeyRotation(ctx context.Context, network, name, key string) (store.Site, error) {
	if err := store.ValidateKey("site", "public_key", key); err != nil {
		return store.Site{}, err
	}
	var st store.Site
	err := s.write(ctx, "commit key rotation", func(t *tx) error {
		netID, siteID, err := s.rotatingSite(ctx, t, network, name)
		if err != nil {
			return err
		}
		var cur, next string
		if err := t.QueryRow(ctx, "SELECT public_key, next_public_key FROM sites WHERE id = $1", siteID).Scan(&cur, &next); err != nil {
			return err
		}
		if key == cur && next == "" {
			st, err = scanSite(t.QueryRow(ctx, "SELECT "+siteCols+" FROM sites s WHERE s.id = $1", siteID), network)
			return err // committed before
		}
		if key != next {
			return store.Constraint("site", "public_key", nil, "site %q: the key is not the registered next key", name)
		}
		st, err = scanSite(t.QueryRow(ctx, `UPDATE sites SET public_key = next_public_key, next_public_key = '',
			key_rotation = 0, key_rotated_at = $2 WHERE id = $1 RETURNING `+siteReturnedCols, siteID, us(s.now())), network)
		if err != nil {
			return s.classify(err, "site", "public_key", "site %q: another site has this public key", name)
		}
		return t.bump(ctx, netID)
	})
	return st, err
}

// DueKeyRotations implements store.Store.
func (s *Store) DueKeyRotations(ctx context.Context, network string, every time.Duration) ([]string, error) {
	var out []string
	before := us(s.now().Add(-every))
	err := s.list(ctx, "due key rotations", network, `SELECT name FROM sites WHERE network_id = $1 AND state = 'enrolled'
		AND key_rotation = 0 AND COALESCE(key_rotated_at, created_at) <= $2 ORDER BY name`, func(r Row) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		out = append(out, name)
		return nil
	}, before)
	return out, err
}

// rotatingSite returns the IDs of an enrolled site and its network.
func (s *Store) rotatingSite(ctx context.Context, t *tx, network, name string) (netID, siteID int64, err error) {
	if netID, err = s.netID(ctx, t, network); err != nil {
		return 0, 0, err
	}
	siteID, err = s.enrolledSiteID(ctx, t, netID, network, name)
	return netID, siteID, err
}
