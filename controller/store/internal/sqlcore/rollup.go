package sqlcore

import (
	"context"
	"strconv"
	"strings"
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

// The raw tables in rollup_cursor.
const (
	foldSource        = "path_metrics_raw"
	counterFoldSource = "path_counters"
)

// highWater is the highest id given out in each raw table, read behind
// the fold barrier.
type highWater struct{ samples, counters int64 }

// deleteChunk is the most rows one retention transaction deletes: a
// minute of 1,000 edges' rows (240,000 of each raw table) is deleted in
// steps that let ingest transactions in between.
const deleteChunk = 16384

// foldUpTo folds the raw rows with ids in (folded_id, hw], at most
// RawTables.FoldChunk of each table, into the minute and hour buckets of their
// receive time and moves folded_id, in t. The cursor row is updated first, so concurrent maintainers
// (replicas) queue on its lock and never fold a row twice.
func (s *Store) foldUpTo(ctx context.Context, t *tx, hw highWater, st *store.MaintainStats) error {
	if err := s.foldSamples(ctx, t, hw.samples, st); err != nil {
		return err
	}
	return s.foldCounters(ctx, t, hw.counters, st)
}

// chunkEnd is where a fold from wm stops on its way to hw.
func (s *Store) chunkEnd(wm, hw int64) int64 {
	if c := s.eng.Raw().FoldChunk(); hw-wm > c {
		return wm + c
	}
	return hw
}

// cursor locks a raw table's rollup_cursor row and reads its folded_id.
func cursor(ctx context.Context, t *tx, source string) (int64, error) {
	if _, err := t.Exec(ctx, "UPDATE rollup_cursor SET folded_id = folded_id WHERE source = $1", source); err != nil {
		return 0, err
	}
	var wm int64
	err := t.QueryRow(ctx, "SELECT folded_id FROM rollup_cursor WHERE source = $1", source).Scan(&wm)
	return wm, err
}

func (s *Store) foldSamples(ctx context.Context, t *tx, hw int64, st *store.MaintainStats) error {
	wm, err := cursor(ctx, t, foldSource)
	if err != nil || hw <= wm {
		return err
	}
	hw = s.chunkEnd(wm, hw)
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
	_, err = t.Exec(ctx, "UPDATE rollup_cursor SET folded_id = $2 WHERE source = $1", foldSource, hw)
	return err
}

// counterCols of the rollups, after network_id, site, path, bucket.
const counterRollupCols = `ts, since, tx_bytes, rx_bytes, tx_packets, rx_packets, compress_offered, compressed, compress_in_bytes, compress_out_bytes, decompress_errors`

// foldCounters keeps, in each minute and hour bucket of receive time,
// the newest report (by the edge's ts, then arrival) of each site's
// path among the raw counters with ids in (folded_id, hw] and what the
// bucket had.
func (s *Store) foldCounters(ctx context.Context, t *tx, hw int64, st *store.MaintainStats) error {
	wm, err := cursor(ctx, t, counterFoldSource)
	if err != nil || hw <= wm {
		return err
	}
	hw = s.chunkEnd(wm, hw)
	for _, lvl := range []struct {
		dst  string
		step int64
	}{{"path_counters_1m", minuteUS}, {"path_counters_1h", hourUS}} {
		n, err := t.Exec(ctx, counterFoldSQL(lvl.dst, lvl.step), wm, hw)
		if err != nil {
			return err
		}
		st.RolledCounters += n
	}
	_, err = t.Exec(ctx, "UPDATE rollup_cursor SET folded_id = $2 WHERE source = $1", counterFoldSource, hw)
	return err
}

func counterFoldSQL(dst string, step int64) string {
	bucket := "(rx - (rx % " + strconv.FormatInt(step, 10) + "))"
	var set strings.Builder
	for i, c := range strings.Split(counterRollupCols, ", ") {
		if i > 0 {
			set.WriteString(", ")
		}
		set.WriteString(c + " = excluded." + c)
	}
	return `INSERT INTO ` + dst + ` (network_id, site, path, bucket, ` + counterRollupCols + `)
		SELECT network_id, site, path, b, ` + counterRollupCols + ` FROM (
			SELECT network_id, site, path, ` + bucket + ` AS b, ` + counterRollupCols + `,
				ROW_NUMBER() OVER (PARTITION BY network_id, site, path, ` + bucket + ` ORDER BY ts DESC, id DESC) AS rn
			FROM path_counters WHERE id > $1 AND id <= $2 AND network_id IN (SELECT id FROM networks)) AS x
		WHERE rn = 1
		ON CONFLICT (network_id, site, path, bucket) DO UPDATE SET ` + set.String() + `
		WHERE excluded.ts >= ` + dst + `.ts`
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
func (s *Store) barrierID(ctx context.Context) (highWater, error) {
	var hw highWater
	err := s.write(ctx, "fold barrier", func(t *tx) error {
		if err := s.eng.Raw().FoldBarrierInTx(ctx, t); err != nil {
			return err
		}
		var err error
		hw, err = s.lastIDs(ctx, t)
		return err
	})
	return hw, err
}

func (s *Store) lastIDs(ctx context.Context, t *tx) (highWater, error) {
	var hw highWater
	var err error
	if hw.samples, err = s.eng.Raw().LastID(ctx, t, foldSource); err != nil {
		return hw, err
	}
	hw.counters, err = s.eng.Raw().LastID(ctx, t, counterFoldSource)
	return hw, err
}

// foldAll folds up to hw, a transaction per chunk.
func (s *Store) foldAll(ctx context.Context, hw highWater, st *store.MaintainStats) error {
	for {
		var done highWater
		err := s.write(ctx, "rollup", func(t *tx) error {
			if err := s.foldUpTo(ctx, t, hw, st); err != nil {
				return err
			}
			var err error
			if done.samples, err = cursor(ctx, t, foldSource); err != nil {
				return err
			}
			done.counters, err = cursor(ctx, t, counterFoldSource)
			return err
		})
		if err != nil || (done.samples >= hw.samples && done.counters >= hw.counters) {
			return err
		}
	}
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
	if err := s.foldAll(ctx, hw, &st); err != nil {
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
			{r.Minute, "path_counters_1m", "bucket"},
			{r.Hour, "path_counters_1h", "bucket"},
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
		n, err := pruneCursors(ctx, t, now, r.Cursors)
		st.Deleted += n
		if err != nil {
			return err
		}
		n, err = pruneAuth(ctx, t, now)
		st.Deleted += n
		return err
	})
	return st, err
}

// pruneCursors deletes the telemetry cursors of edge boots that sent
// nothing for keep and are not their site's newest (store.Retention.Cursors):
// every restart of an edge adds one, and they would grow forever.
func pruneCursors(ctx context.Context, t *tx, now int64, keep time.Duration) (int64, error) {
	if keep <= 0 {
		return 0, nil
	}
	return t.Exec(ctx, `DELETE FROM telemetry_cursors WHERE updated_at < $1
		AND updated_at < (SELECT MAX(c.updated_at) FROM telemetry_cursors c WHERE c.site_id = telemetry_cursors.site_id)`,
		now-keep.Microseconds())
}

// pruneRaw applies the raw tables' retention by receive time. Rows go
// only once folded: under the fold barrier, what arrived since the fold
// is folded and whole partitions are dropped; then rows are deleted a
// chunk a transaction, up to the ids folded.
func (s *Store) pruneRaw(ctx context.Context, r store.Retention, now int64, st *store.MaintainStats) error {
	if r.Raw <= 0 && r.Counters <= 0 {
		return nil
	}
	raw := s.eng.Raw()
	prunes := []struct {
		keep  time.Duration
		table string
		maxID *int64
	}{{r.Raw, "path_metrics_raw", nil}, {r.Counters, "path_counters", nil}}
	var hw highWater
	prunes[0].maxID, prunes[1].maxID = &hw.samples, &hw.counters
	err := s.write(ctx, "raw retention", func(t *tx) error {
		if err := raw.FoldBarrierInTx(ctx, t); err != nil {
			return err
		}
		var err error
		if hw, err = s.lastIDs(ctx, t); err != nil {
			return err
		}
		if err := s.foldRest(ctx, t, hw, st); err != nil {
			return err
		}
		for _, p := range prunes {
			if p.keep <= 0 {
				continue
			}
			n, err := raw.DropPartitions(ctx, t, p.table, now-p.keep.Microseconds())
			st.DroppedPartitions += n
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range prunes {
		for n := int64(deleteChunk); p.keep > 0 && n == deleteChunk; {
			err := s.write(ctx, "raw retention", func(t *tx) error {
				var err error
				n, err = raw.DeleteRows(ctx, t, p.table, now-p.keep.Microseconds(), *p.maxID, deleteChunk)
				return err
			})
			if err != nil {
				return err
			}
			st.Deleted += n
		}
	}
	return nil
}

// foldRest folds everything up to hw in t, a chunk at a time (what
// arrived since Maintain's fold: little).
func (s *Store) foldRest(ctx context.Context, t *tx, hw highWater, st *store.MaintainStats) error {
	for {
		if err := s.foldUpTo(ctx, t, hw, st); err != nil {
			return err
		}
		ws, err := cursor(ctx, t, foldSource)
		if err != nil {
			return err
		}
		wc, err := cursor(ctx, t, counterFoldSource)
		if err != nil || (ws >= hw.samples && wc >= hw.counters) {
			return err
		}
	}
}
