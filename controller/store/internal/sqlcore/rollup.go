package sqlcore

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

var rollupTable = map[store.Resolution]string{store.Minute: "path_metrics_1m", store.Hour: "path_metrics_1h"}

const (
	minuteUS = int64(time.Minute / time.Microsecond)
	hourUS   = int64(time.Hour / time.Microsecond)
)

// PathMetrics implements store.Store. Raw points are at the edge's
// measurement time; rollup buckets at the controller's receive time.
func (s *Store) PathMetrics(ctx context.Context, network, path string, res store.Resolution, from, to time.Time) ([]store.PathPoint, error) {
	if res == store.Raw {
		return s.rawPoints(ctx, network, path, from, to)
	}
	table, ok := rollupTable[res]
	if !ok {
		return nil, &store.Error{Kind: store.ErrInvalid, Entity: "path_metrics", Field: "resolution", Msg: string(res) + " is not raw, 1m or 1h"}
	}
	var out []store.PathPoint
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

func (s *Store) rawPoints(ctx context.Context, network, path string, from, to time.Time) ([]store.PathPoint, error) {
	var out []store.PathPoint
	err := s.list(ctx, "path metrics", network, `SELECT ts, latency_us, jitter_us, loss_pct, state FROM path_metrics_raw
		WHERE network_id = $1 AND path = $2 AND ts >= $3 AND ts < $4 ORDER BY ts, id`, func(r Row) error {
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

// foldSource names the raw table in rollup_cursor.
const foldSource = "path_metrics_raw"

// foldUpTo folds the raw samples with ids in (folded_id, hw] into the
// minute and hour buckets of their receive time and moves folded_id to
// hw, in t. The cursor row is updated first, so concurrent maintainers
// (replicas) queue on its lock and never fold a row twice.
func (s *Store) foldUpTo(ctx context.Context, t *tx, hw int64, st *store.MaintainStats) error {
	if _, err := t.Exec(ctx, "UPDATE rollup_cursor SET folded_id = folded_id WHERE source = $1", foldSource); err != nil {
		return err
	}
	var wm int64
	if err := t.QueryRow(ctx, "SELECT folded_id FROM rollup_cursor WHERE source = $1", foldSource).Scan(&wm); err != nil {
		return err
	}
	if hw <= wm {
		return nil
	}
	for _, lvl := range []struct {
		dst  string
		step int64
		n    *int64
	}{{"path_metrics_1m", minuteUS, &st.RolledMinute}, {"path_metrics_1h", hourUS, &st.RolledHour}} {
		n, err := t.Exec(ctx, s.foldSQL(lvl.dst, lvl.step), wm, hw)
		if err != nil {
			return err
		}
		*lvl.n += n
	}
	_, err := t.Exec(ctx, "UPDATE rollup_cursor SET folded_id = $2 WHERE source = $1", foldSource, hw)
	return err
}

// foldSQL adds the raw rows with ids in ($1, $2] to dst's buckets of
// step µs. Buckets keep sums, maxima, counts: folding adds up exactly.
func (s *Store) foldSQL(dst string, step int64) string {
	g := s.eng.Greatest()
	bucket := "(rx - (rx % " + strconv.FormatInt(step, 10) + "))"
	return `INSERT INTO ` + dst + ` (network_id, path, bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state)
		SELECT network_id, path, ` + bucket + `, COUNT(*), SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END), SUM(latency_us), MAX(latency_us), SUM(jitter_us), SUM(loss_pct), MAX(state)
		FROM path_metrics_raw WHERE id > $1 AND id <= $2 AND network_id IN (SELECT id FROM networks)
		GROUP BY network_id, path, ` + bucket + `
		ON CONFLICT (network_id, path, bucket) DO UPDATE SET
			samples = ` + dst + `.samples + excluded.samples,
			down_samples = ` + dst + `.down_samples + excluded.down_samples,
			latency_sum_us = ` + dst + `.latency_sum_us + excluded.latency_sum_us,
			latency_max_us = ` + g + `(` + dst + `.latency_max_us, excluded.latency_max_us),
			jitter_sum_us = ` + dst + `.jitter_sum_us + excluded.jitter_sum_us,
			loss_sum = ` + dst + `.loss_sum + excluded.loss_sum,
			worst_state = ` + g + `(` + dst + `.worst_state, excluded.worst_state)`
}

// barrierID waits for the transactions writing raw rows to finish and
// returns the highest sample id given so far: every row up to it is
// committed (or rolled back) from then on.
func (s *Store) barrierID(ctx context.Context) (int64, error) {
	var hw int64
	err := s.write(ctx, "fold barrier", func(t *tx) error {
		if err := s.eng.Raw().FoldBarrierInTx(ctx, t); err != nil {
			return err
		}
		var err error
		hw, err = s.eng.Raw().LastSampleID(ctx, t)
		return err
	})
	return hw, err
}

// Maintain implements store.Store: it prepares the raw tables, folds,
// then applies the retention.
func (s *Store) Maintain(ctx context.Context, r store.Retention) (store.MaintainStats, error) {
	var st store.MaintainStats
	now := us(s.now())
	if err := s.PrepareRaw(ctx); err != nil {
		return st, err
	}
	hw, err := s.barrierID(ctx)
	if err != nil {
		return st, err
	}
	if err := s.write(ctx, "rollup", func(t *tx) error { return s.foldUpTo(ctx, t, hw, &st) }); err != nil {
		return st, err
	}
	if err := s.pruneRaw(ctx, r, now, &st); err != nil {
		return st, err
	}
	err = s.write(ctx, "retention", func(t *tx) error {
		dels := []struct {
			keep      time.Duration
			table, ts string
		}{
			{r.Minute, "path_metrics_1m", "bucket"},
			{r.Hour, "path_metrics_1h", "bucket"},
			{r.Events, "events", "ts"},
			{r.Flows, "flow_summaries", "ts"},
			{r.Audit, "audit_log", "ts"},
		}
		for _, d := range dels {
			if d.keep <= 0 {
				continue
			}
			n, err := t.Exec(ctx, "DELETE FROM "+d.table+" WHERE "+d.ts+" < $1", now-d.keep.Microseconds())
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

// pruneRaw applies the raw tables' retention by receive time. Samples
// go only once folded: under the fold barrier, what arrived since the
// fold is folded first, in the same transaction.
func (s *Store) pruneRaw(ctx context.Context, r store.Retention, now int64, st *store.MaintainStats) error {
	raw := s.eng.Raw()
	if r.Raw > 0 {
		err := s.write(ctx, "raw sample retention", func(t *tx) error {
			if err := raw.FoldBarrierInTx(ctx, t); err != nil {
				return err
			}
			hw, err := raw.LastSampleID(ctx, t)
			if err != nil {
				return err
			}
			if err := s.foldUpTo(ctx, t, hw, st); err != nil {
				return err
			}
			n, parts, err := raw.Prune(ctx, t, "path_metrics_raw", now-r.Raw.Microseconds(), hw)
			st.Deleted, st.DroppedPartitions = st.Deleted+n, st.DroppedPartitions+parts
			return err
		})
		if err != nil {
			return err
		}
	}
	if r.Counters <= 0 {
		return nil
	}
	return s.write(ctx, "path counter retention", func(t *tx) error {
		n, parts, err := raw.Prune(ctx, t, "path_counters", now-r.Counters.Microseconds(), math.MaxInt64)
		st.Deleted, st.DroppedPartitions = st.Deleted+n, st.DroppedPartitions+parts
		return err
	})
}
