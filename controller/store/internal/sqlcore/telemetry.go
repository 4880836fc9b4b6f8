package sqlcore

import (
	"context"
	"fmt"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// CreateJoinToken implements store.Store.
func (s *Store) CreateJoinToken(ctx context.Context, network, site string, ttl time.Duration) (string, store.JoinToken, error) {
	if err := store.ValidateName("join_token", "site", site); err != nil {
		return "", store.JoinToken{}, err
	}
	if err := store.ValidateTTL(ttl); err != nil {
		return "", store.JoinToken{}, err
	}
	now := s.now()
	tok := store.JoinToken{Network: network, Site: site, CreatedAt: fromUS(us(now)), ExpiresAt: fromUS(us(now.Add(ttl)))}
	secret, err := s.token(site, tok.ExpiresAt)
	if err != nil {
		return "", store.JoinToken{}, s.wrap("create join token", err)
	}
	hash := HashToken(secret)
	tok.ID = hash[:tokenIDLen]
	err = s.write(ctx, "create join token", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		_, err = t.Exec(ctx, `INSERT INTO join_tokens (network_id, site_name, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, netID, site, hash, us(tok.CreatedAt), us(tok.ExpiresAt))
		return err
	})
	if err != nil {
		return "", store.JoinToken{}, err
	}
	return secret, tok, nil
}

// tokenIDLen is the length of a token's public ID: the first 16 hex
// digits of its hash, as controller/pki names tokens.
const tokenIDLen = 16

// JoinTokens implements store.Store.
func (s *Store) JoinTokens(ctx context.Context, network string) ([]store.JoinToken, error) {
	var out []store.JoinToken
	err := s.list(ctx, "join tokens", network, `SELECT token_hash, site_name, created_at, expires_at, used_at, revoked_at, reset_site_id
		FROM join_tokens WHERE network_id = $1 ORDER BY id`, func(r Row) error {
		t := store.JoinToken{Network: network}
		var created, expires int64
		var used, revoked, reset *int64
		var hash string
		if err := r.Scan(&hash, &t.Site, &created, &expires, &used, &revoked, &reset); err != nil {
			return err
		}
		t.Reset = reset != nil
		t.ID = hash[:min(tokenIDLen, len(hash))]
		t.CreatedAt, t.ExpiresAt, t.UsedAt, t.RevokedAt = fromUS(created), fromUS(expires), fromNullUS(used), fromNullUS(revoked)
		out = append(out, t)
		return nil
	})
	return out, err
}

// validTokenID: 16 lowercase hex digits.
func validTokenID(id string) bool {
	if len(id) != tokenIDLen {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// RevokeJoinToken implements store.Store. Revoking a used token is refused
// with ErrTokenUsed: the site it enrolled is revoked with RevokeSite.
func (s *Store) RevokeJoinToken(ctx context.Context, network string, id string) error {
	if !validTokenID(id) {
		return &store.Error{Kind: store.ErrInvalid, Entity: "join_token", Field: "id", Msg: fmt.Sprintf("%q is not 16 hex digits", id)}
	}
	return s.write(ctx, "revoke join token", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		var used, revoked *int64
		var rowID int64
		err = t.QueryRow(ctx, "SELECT id, used_at, revoked_at FROM join_tokens WHERE substr(token_hash, 1, 16) = $1 AND network_id = $2", id, netID).Scan(&rowID, &used, &revoked)
		switch {
		case s.eng.Classify(err) == NoRows:
			return store.NotFound("join_token", "token %s does not exist in network %q", id, network)
		case err != nil:
			return err
		case used != nil:
			return store.TokenError(store.ErrTokenUsed, "token %s was used at %s; revoke the site instead", id, fromUS(*used).Format(time.RFC3339))
		case revoked != nil:
			return nil
		}
		_, err = t.Exec(ctx, "UPDATE join_tokens SET revoked_at = $2 WHERE id = $1 AND used_at IS NULL", rowID, us(s.now()))
		return err
	})
}

// AddEvents implements store.Store.
func (s *Store) AddEvents(ctx context.Context, network string, events []store.Event) error {
	for _, e := range events {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	return s.write(ctx, "add events", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		return insertEvents(ctx, t, netID, events)
	})
}

func insertEvents(ctx context.Context, t *tx, netID int64, events []store.Event) error {
	for _, e := range events {
		_, err := t.Exec(ctx, `INSERT INTO events (network_id, ts, site, path, kind, reason, flows_moved)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, netID, us(e.TS), e.Site, e.Path, e.Kind, e.Reason, e.FlowsMoved)
		if err != nil {
			return err
		}
	}
	return nil
}

func limit(n int) int64 {
	if n <= 0 {
		return 1000
	}
	return int64(n)
}

// Events implements store.Store.
func (s *Store) Events(ctx context.Context, network string, q store.EventQuery) ([]store.Event, error) {
	var out []store.Event
	err := s.list(ctx, "events", network, `SELECT id, ts, site, path, kind, reason, flows_moved FROM events
		WHERE network_id = $1 AND ($2 = '' OR site = $2) AND ts >= $3 ORDER BY ts DESC, id DESC LIMIT $4`, func(r Row) error {
		var e store.Event
		var ts int64
		if err := r.Scan(&e.ID, &ts, &e.Site, &e.Path, &e.Kind, &e.Reason, &e.FlowsMoved); err != nil {
			return err
		}
		e.TS = fromUS(ts)
		out = append(out, e)
		return nil
	}, q.Site, sinceUS(q.Since), limit(q.Limit))
	return out, err
}

// RecordFlows implements store.Store.
func (s *Store) RecordFlows(ctx context.Context, network string, flows []store.FlowSummary) error {
	for _, f := range flows {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	return s.write(ctx, "record flows", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		return insertFlows(ctx, t, netID, flows)
	})
}

func insertFlows(ctx context.Context, t *tx, netID int64, flows []store.FlowSummary) error {
	for _, f := range flows {
		_, err := t.Exec(ctx, `INSERT INTO flow_summaries (network_id, ts, site, application, path, flows, bytes_tx, bytes_rx)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, netID, us(f.TS), f.Site, f.Application, f.Path, f.Flows, f.BytesTx, f.BytesRx)
		if err != nil {
			return err
		}
	}
	return nil
}

// Flows implements store.Store.
func (s *Store) Flows(ctx context.Context, network string, q store.FlowQuery) ([]store.FlowSummary, error) {
	var out []store.FlowSummary
	err := s.list(ctx, "flows", network, `SELECT ts, site, application, path, flows, bytes_tx, bytes_rx FROM flow_summaries
		WHERE network_id = $1 AND ($2 = '' OR site = $2) AND ts >= $3 ORDER BY ts, id LIMIT $4`, func(r Row) error {
		var f store.FlowSummary
		var ts int64
		if err := r.Scan(&ts, &f.Site, &f.Application, &f.Path, &f.Flows, &f.BytesTx, &f.BytesRx); err != nil {
			return err
		}
		f.TS = fromUS(ts)
		out = append(out, f)
		return nil
	}, q.Site, sinceUS(q.Since), limit(q.Limit))
	return out, err
}

// PathCounters implements store.Store.
func (s *Store) PathCounters(ctx context.Context, network string, q store.CounterQuery) ([]store.PathCounters, error) {
	from, at, order := "path_counters", "ts", "ts, id"
	switch q.Resolution {
	case store.Raw, "":
	case store.Minute, store.Hour:
		from, at, order = "path_counters_"+string(q.Resolution), "bucket", "bucket, site, path"
	default:
		return nil, &store.Error{Kind: store.ErrInvalid, Entity: "path_counters", Field: "resolution", Msg: string(q.Resolution) + " is not raw, 1m or 1h"}
	}
	var out []store.PathCounters
	err := s.list(ctx, "path counters", network, `SELECT ts, since, site, path, tx_bytes, rx_bytes, tx_packets, rx_packets,
		compress_offered, compressed, compress_in_bytes, compress_out_bytes, decompress_errors FROM `+from+`
		WHERE network_id = $1 AND ($2 = '' OR site = $2) AND ($3 = '' OR path = $3) AND `+at+` >= $4 ORDER BY `+order+` LIMIT $5`, func(r Row) error {
		var c store.PathCounters
		var ts, since int64
		if err := r.Scan(&ts, &since, &c.Site, &c.Path, &c.TxBytes, &c.RxBytes, &c.TxPackets, &c.RxPackets,
			&c.CompressOffered, &c.Compressed, &c.CompressInBytes, &c.CompressOutBytes, &c.DecompressErrors); err != nil {
			return err
		}
		c.TS, c.Since = fromUS(ts), fromUS(since)
		out = append(out, c)
		return nil
	}, q.Site, q.Path, sinceUS(q.Since), limit(q.Limit))
	return out, err
}

// Watch implements store.Store.
func (s *Store) Watch(ctx context.Context) <-chan store.Revision {
	out := make(chan store.Revision)
	sub := s.hub.subscribe()
	if nets, err := s.Networks(ctx); err == nil {
		for _, n := range nets {
			sub.offer(store.Revision{NetworkID: n.ID, Number: n.Revision})
		}
	}
	go sub.run(ctx, s.done, s.hub, out)
	return out
}
