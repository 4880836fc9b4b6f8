package sqlcore

import (
	"context"
	"fmt"
	"strings"
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

// RecordPathMetrics implements store.Store.
func (s *Store) RecordPathMetrics(ctx context.Context, network string, samples []store.PathSample) error {
	for _, m := range samples {
		if err := m.Validate(); err != nil {
			return err
		}
	}
	return s.write(ctx, "record path metrics", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		return insertSamples(ctx, t, netID, samples)
	})
}

func insertSamples(ctx context.Context, t *tx, netID int64, samples []store.PathSample) error {
	return insertRows(ctx, t, `INSERT INTO path_metrics_raw (network_id, path, ts, latency_us, jitter_us, loss_pct, state) VALUES `,
		7, len(samples), func(i int, args []any) []any {
			m := samples[i]
			return append(args, netID, m.Path, us(m.TS), m.Latency.Microseconds(), m.Jitter.Microseconds(),
				m.LossPct, int64(store.StateRank(m.State)))
		})
}

// maxRowsPerInsert bounds the rows of one multi-row INSERT (and so its
// parameters, far below either engine's limit).
const maxRowsPerInsert = 64

// insertRows inserts n rows of cols columns with multi-row INSERTs (one
// statement, one round trip to PostgreSQL, for up to maxRowsPerInsert
// rows): head is the statement up to VALUES, row appends row i's values.
func insertRows(ctx context.Context, t *tx, head string, cols, n int, row func(i int, args []any) []any) error {
	for start := 0; start < n; start += maxRowsPerInsert {
		end := min(n, start+maxRowsPerInsert)
		var q strings.Builder
		q.WriteString(head)
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for c := range cols {
				if c > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "$%d", len(args)+c+1)
			}
			q.WriteByte(')')
			args = row(i, args)
		}
		if _, err := t.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

var rollupTable = map[store.Resolution]string{store.Minute: "path_metrics_1m", store.Hour: "path_metrics_1h"}

// PathMetrics implements store.Store.
func (s *Store) PathMetrics(ctx context.Context, network, path string, res store.Resolution, from, to time.Time) ([]store.PathPoint, error) {
	var out []store.PathPoint
	if res == store.Raw {
		err := s.list(ctx, "path metrics", network, `SELECT ts, latency_us, jitter_us, loss_pct, state FROM path_metrics_raw
			WHERE network_id = $1 AND path = $2 AND ts >= $3 AND ts < $4 ORDER BY ts`, func(r Row) error {
			var ts, lat, jit, state int64
			var p store.PathPoint
			if err := r.Scan(&ts, &lat, &jit, &p.LossPct, &state); err != nil {
				return err
			}
			p.TS, p.Latency, p.MaxLatency, p.Jitter = fromUS(ts), time.Duration(lat)*time.Microsecond, time.Duration(lat)*time.Microsecond, time.Duration(jit)*time.Microsecond
			p.State, p.Samples = store.StateOfRank(state), 1
			if p.State == store.PathDown {
				p.DownSamples = 1
			}
			out = append(out, p)
			return nil
		}, path, us(from), us(to))
		return out, err
	}
	table, ok := rollupTable[res]
	if !ok {
		return nil, &store.Error{Kind: store.ErrInvalid, Entity: "path_metrics", Field: "resolution", Msg: string(res) + " is not raw, 1m or 1h"}
	}
	err := s.list(ctx, "path metrics", network, `SELECT bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state
		FROM `+table+` WHERE network_id = $1 AND path = $2 AND bucket >= $3 AND bucket < $4 ORDER BY bucket`, func(r Row) error {
		var bucket, n, down, latSum, latMax, jitSum, worst int64
		var lossSum float64
		if err := r.Scan(&bucket, &n, &down, &latSum, &latMax, &jitSum, &lossSum, &worst); err != nil {
			return err
		}
		p := store.PathPoint{TS: fromUS(bucket), Samples: n, DownSamples: down, MaxLatency: time.Duration(latMax) * time.Microsecond, State: store.StateOfRank(worst)}
		if n > 0 {
			p.Latency = time.Duration(latSum/n) * time.Microsecond
			p.Jitter = time.Duration(jitSum/n) * time.Microsecond
			p.LossPct = lossSum / float64(n)
		}
		out = append(out, p)
		return nil
	}, path, us(from), us(to))
	return out, err
}

// floorUS rounds a timestamp down to a multiple of step.
func floorUS(t, step int64) int64 {
	r := t % step
	if r < 0 {
		r += step
	}
	return t - r
}

// rollup folds rows of src with ts in [watermark, until) into dst buckets
// of step µs, and moves the watermark, in one transaction. The watermark
// row is updated first, so concurrent maintainers (replicas) queue on its
// lock and never fold a row twice.
func (s *Store) rollup(ctx context.Context, level, src, tsCol, dst string, step, until int64, fromRaw bool) (int64, error) {
	var folded int64
	err := s.write(ctx, "rollup "+level, func(t *tx) error {
		if _, err := t.Exec(ctx, "UPDATE rollup_state SET done_until = done_until WHERE level = $1", level); err != nil {
			return err
		}
		var wm int64
		if err := t.QueryRow(ctx, "SELECT done_until FROM rollup_state WHERE level = $1", level).Scan(&wm); err != nil {
			return err
		}
		if until <= wm {
			return nil
		}
		g := s.eng.Greatest()
		sel := `SELECT network_id, path, %b, COUNT(*), SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END), SUM(latency_us), MAX(latency_us), SUM(jitter_us), SUM(loss_pct), MAX(state)`
		if !fromRaw {
			sel = `SELECT network_id, path, %b, SUM(samples), SUM(down_samples), SUM(latency_sum_us), MAX(latency_max_us), SUM(jitter_sum_us), SUM(loss_sum), MAX(worst_state)`
		}
		bucket := "(" + tsCol + " - (" + tsCol + " % $3))"
		sel = replaceAll(sel, "%b", bucket)
		q := `INSERT INTO ` + dst + ` (network_id, path, bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state) ` +
			sel + ` FROM ` + src + ` WHERE ` + tsCol + ` >= $1 AND ` + tsCol + ` < $2 GROUP BY network_id, path, ` + bucket + `
			ON CONFLICT (network_id, path, bucket) DO UPDATE SET
				samples = ` + dst + `.samples + excluded.samples,
				down_samples = ` + dst + `.down_samples + excluded.down_samples,
				latency_sum_us = ` + dst + `.latency_sum_us + excluded.latency_sum_us,
				latency_max_us = ` + g + `(` + dst + `.latency_max_us, excluded.latency_max_us),
				jitter_sum_us = ` + dst + `.jitter_sum_us + excluded.jitter_sum_us,
				loss_sum = ` + dst + `.loss_sum + excluded.loss_sum,
				worst_state = ` + g + `(` + dst + `.worst_state, excluded.worst_state)`
		n, err := t.Exec(ctx, q, wm, until, step)
		if err != nil {
			return err
		}
		folded = n
		_, err = t.Exec(ctx, "UPDATE rollup_state SET done_until = $2 WHERE level = $1", level, until)
		return err
	})
	return folded, err
}

const (
	minuteUS = int64(time.Minute / time.Microsecond)
	hourUS   = int64(time.Hour / time.Microsecond)
)

// Maintain implements store.Store.
func (s *Store) Maintain(ctx context.Context, r store.Retention) (store.MaintainStats, error) {
	var st store.MaintainStats
	now := us(s.now())
	var err error
	if st.RolledMinute, err = s.rollup(ctx, "1m", "path_metrics_raw", "ts", "path_metrics_1m", minuteUS, floorUS(now, minuteUS), true); err != nil {
		return st, err
	}
	if st.RolledHour, err = s.rollup(ctx, "1h", "path_metrics_1m", "bucket", "path_metrics_1h", hourUS, floorUS(now, hourUS), false); err != nil {
		return st, err
	}
	err = s.write(ctx, "retention", func(t *tx) error {
		var wm1m, wm1h int64
		if err := t.QueryRow(ctx, "SELECT done_until FROM rollup_state WHERE level = '1m'").Scan(&wm1m); err != nil {
			return err
		}
		if err := t.QueryRow(ctx, "SELECT done_until FROM rollup_state WHERE level = '1h'").Scan(&wm1h); err != nil {
			return err
		}
		// Never delete what has not been rolled up yet.
		dels := []struct {
			keep      time.Duration
			table, ts string
			limit     int64
		}{
			{r.Raw, "path_metrics_raw", "ts", wm1m},
			{r.Minute, "path_metrics_1m", "bucket", wm1h},
			{r.Hour, "path_metrics_1h", "bucket", now},
			{r.Events, "events", "ts", now},
			{r.Flows, "flow_summaries", "ts", now},
			{r.Counters, "path_counters", "ts", now},
			{r.Audit, "audit_log", "ts", now},
		}
		for _, d := range dels {
			if d.keep <= 0 {
				continue
			}
			n, err := t.Exec(ctx, "DELETE FROM "+d.table+" WHERE "+d.ts+" < $1", min(now-d.keep.Microseconds(), d.limit))
			if err != nil {
				return err
			}
			st.Deleted += n
		}
		n, err := pruneAuth(ctx, t, now)
		st.Deleted += n
		return err
	})
	return st, err
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

func insertCounters(ctx context.Context, t *tx, netID int64, cs []store.PathCounters) error {
	return insertRows(ctx, t, `INSERT INTO path_counters (network_id, ts, site, path, since, tx_bytes, rx_bytes, tx_packets, rx_packets,
		compress_offered, compressed, compress_in_bytes, compress_out_bytes, decompress_errors) VALUES `,
		14, len(cs), func(i int, args []any) []any {
			c := cs[i]
			return append(args, netID, us(c.TS), c.Site, c.Path, us(c.Since),
				c.TxBytes, c.RxBytes, c.TxPackets, c.RxPackets, c.CompressOffered, c.Compressed, c.CompressInBytes, c.CompressOutBytes, c.DecompressErrors)
		})
}

// PathCounters implements store.Store.
func (s *Store) PathCounters(ctx context.Context, network string, q store.CounterQuery) ([]store.PathCounters, error) {
	var out []store.PathCounters
	err := s.list(ctx, "path counters", network, `SELECT ts, since, site, path, tx_bytes, rx_bytes, tx_packets, rx_packets,
		compress_offered, compressed, compress_in_bytes, compress_out_bytes, decompress_errors FROM path_counters
		WHERE network_id = $1 AND ($2 = '' OR site = $2) AND ($3 = '' OR path = $3) AND ts >= $4 ORDER BY ts, id LIMIT $5`, func(r Row) error {
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
