package sqlcore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// The raw telemetry tables: what every batch adds. Their rows carry the
// controller's receive time (rx), which the rollups are keyed by and
// the retention goes by.
var (
	sampleCols  = []string{"rx", "network_id", "path", "ts", "latency_us", "jitter_us", "loss_pct", "state"}
	counterCols = []string{"rx", "network_id", "ts", "site", "path", "since", "tx_bytes", "rx_bytes", "tx_packets", "rx_packets",
		"compress_offered", "compressed", "compress_in_bytes", "compress_out_bytes", "decompress_errors"}
)

// rawRows gathers the raw rows of a transaction's batches, written at
// its end with one bulk write per table, and the sites' last-seen times.
type rawRows struct {
	rx       int64
	samples  [][]any
	counters [][]any
	seen     map[int64]int64 // site id → last seen (µs)
}

func newRawRows(rx int64) *rawRows { return &rawRows{rx: rx, seen: map[int64]int64{}} }

func (r *rawRows) addSamples(netID int64, samples []store.PathSample) {
	for _, m := range samples {
		r.samples = append(r.samples, []any{r.rx, netID, m.Path, us(m.TS), m.Latency.Microseconds(), m.Jitter.Microseconds(),
			m.LossPct, int64(store.StateRank(m.State))})
	}
}

func (r *rawRows) addCounters(netID int64, cs []store.PathCounters) {
	for _, c := range cs {
		r.counters = append(r.counters, []any{r.rx, netID, us(c.TS), c.Site, c.Path, us(c.Since),
			c.TxBytes, c.RxBytes, c.TxPackets, c.RxPackets, c.CompressOffered, c.Compressed, c.CompressInBytes, c.CompressOutBytes, c.DecompressErrors})
	}
}

// flush writes what was gathered.
func (r *rawRows) flush(ctx context.Context, t *tx) error {
	if err := bulkInsert(ctx, t, "path_metrics_raw", sampleCols, r.samples); err != nil {
		return fmt.Errorf("path samples: %w", err)
	}
	if err := bulkInsert(ctx, t, "path_counters", counterCols, r.counters); err != nil {
		return fmt.Errorf("path counters: %w", err)
	}
	return r.flushSeen(ctx, t)
}

// flushSeen sets the sites' last-seen times in site id order: over a
// network (PostgreSQL), one UPDATE per maxRowsPerInsert sites.
func (r *rawRows) flushSeen(ctx context.Context, t *tx) error {
	ids := make([]int64, 0, len(r.seen))
	for id := range r.seen {
		ids = append(ids, id)
	}
	slices.Sort(ids) // rows locked in one order: no deadlock between writers
	if p, ok := t.Querier.(Preparer); ok {
		// SQLite: its UPDATE … FROM would also join the VALUES without
		// an index.
		return perRow(ctx, p, "UPDATE sites SET last_seen = $2 WHERE id = $1", len(ids), func(i int) []any { return []any{ids[i], r.seen[ids[i]]} })
	}
	for start := 0; start < len(ids); start += maxRowsPerInsert {
		end := min(len(ids), start+maxRowsPerInsert)
		var q strings.Builder
		q.WriteString("UPDATE sites SET last_seen = v.column2 FROM (VALUES ")
		args := make([]any, 0, 2*(end-start))
		for i, id := range ids[start:end] {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "(CAST($%d AS BIGINT), CAST($%d AS BIGINT))", 2*i+1, 2*i+2)
			args = append(args, id, r.seen[id])
		}
		q.WriteString(") AS v WHERE sites.id = v.column1")
		if _, err := t.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("last seen: %w", err)
		}
	}
	return nil
}

// bulkInsert writes rows into table: by COPY where the engine has it,
// a prepared INSERT per row where that is cheaper (Preparer), else with
// multi-row INSERTs.
func bulkInsert(ctx context.Context, t *tx, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if c, ok := t.Querier.(Copier); ok {
		_, err := c.CopyFrom(ctx, table, cols, rows)
		return err
	}
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	if p, ok := t.Querier.(Preparer); ok {
		marks := make([]string, len(cols))
		for i := range marks {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		return perRow(ctx, p, head+"("+strings.Join(marks, ", ")+")", len(rows), func(i int) []any { return rows[i] })
	}
	return insertRows(ctx, t, head, len(cols), len(rows), func(i int, args []any) []any { return append(args, rows[i]...) })
}

// perRow runs a prepared statement n times, with args(i).
func perRow(ctx context.Context, p Preparer, sql string, n int, args func(i int) []any) error {
	if n == 0 {
		return nil
	}
	st, err := p.Prepare(ctx, sql)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range n {
		if err := st.Exec(ctx, args(i)...); err != nil {
			return err
		}
	}
	return nil
}

// maxRowsPerInsert bounds the rows of one multi-row INSERT (and so its
// parameters, far below either engine's limit).
const maxRowsPerInsert = 64

// insertRows inserts n rows of cols columns with multi-row INSERTs (one
// statement, one round trip, for up to maxRowsPerInsert rows): head is
// the statement up to VALUES, row appends row i's values.
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
		if err := s.eng.Raw().IngestLockInTx(ctx, t); err != nil {
			return err
		}
		raw := newRawRows(us(s.now()))
		raw.addSamples(netID, samples)
		return raw.flush(ctx, t)
	})
}

// PrepareRaw makes the raw tables ready for rows received now (see
// RawTables.Prepare); the engines call it when they open.
func (s *Store) PrepareRaw(ctx context.Context) error {
	return s.write(ctx, "prepare raw tables", func(t *tx) error { return s.eng.Raw().Prepare(ctx, t, us(s.now())) })
}
