package postgres

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/patronus-sdwan/patronus/controller/store/internal/sqlcore"
)

// ingestLockKey is the advisory lock that ingest transactions hold
// shared and the fold takes exclusively ("ingest" in ASCII);
// partitionLockKey serialises the replicas creating partitions.
const (
	ingestLockKey    = 0x696e_6765_7374
	partitionLockKey = 0x7061_7274_6974
)

// Partitions of the raw tables: one an hour of receive time, made from
// partitionsBehind hours before now to partitionsAhead hours after.
const (
	partitionStep    = time.Hour
	partitionsBehind = 1
	partitionsAhead  = 3
	partitionSuffix  = "_h"
	partitionLayout  = "2006010215" // UTC
)

var rawTableNames = []string{"path_metrics_raw", "path_counters"}

func (e *engine) Raw() sqlcore.RawTables { return rawTables{} }

// rawTables: the raw tables are partitioned by hour of receive time
// (migration 14), written with COPY, and dropped a partition at a time.
type rawTables struct{}

func (rawTables) IngestLockInTx(ctx context.Context, q sqlcore.Querier) error {
	_, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock_shared($1)", int64(ingestLockKey))
	return err
}

func (rawTables) FoldBarrierInTx(ctx context.Context, q sqlcore.Querier) error {
	_, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(ingestLockKey))
	return err
}

// LastID reads the table's sequence (TABLE_id): last_value was given
// out once is_called is true.
func (rawTables) LastID(ctx context.Context, q sqlcore.Querier, table string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM "+pgx.Identifier{table + "_id"}.Sanitize()).Scan(&id)
	return id, err
}

// Prepare creates the hourly partitions around now that do not exist
// yet. A range of which the default partition already holds rows (a
// clock far off) is left to it: PostgreSQL would refuse the partition.
func (rawTables) Prepare(ctx context.Context, q sqlcore.Querier, now int64) error {
	if _, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(partitionLockKey)); err != nil {
		return err
	}
	step := partitionStep.Microseconds()
	first := now - now%step - partitionsBehind*step
	for _, table := range rawTableNames {
		for lo := first; lo <= first+(partitionsBehind+partitionsAhead)*step; lo += step {
			if err := createPartition(ctx, q, table, lo, lo+step); err != nil {
				return fmt.Errorf("partition of %s: %w", table, err)
			}
		}
	}
	return nil
}

func partitionName(table string, lo int64) string {
	return table + partitionSuffix + time.UnixMicro(lo).UTC().Format(partitionLayout)
}

func createPartition(ctx context.Context, q sqlcore.Querier, table string, lo, hi int64) error {
	name := partitionName(table, lo)
	var exists, inDefault bool
	if err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil || exists {
		return err
	}
	err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+"_default WHERE rx >= $1 AND rx < $2)", lo, hi).Scan(&inDefault)
	if err != nil || inDefault {
		return err
	}
	_, err = q.Exec(ctx, fmt.Sprintf("CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%d) TO (%d)",
		pgx.Identifier{name}.Sanitize(), table, lo, hi))
	return err
}

// FoldChunk: none. Ingest does not wait for a fold (it takes no lock a
// fold holds but for the barrier's moment), and each step would update
// the same buckets again, leaving dead row versions.
func (rawTables) FoldChunk() int64 { return math.MaxInt64 }

// DropPartitions drops the partitions of table that end by cutoff. The
// caller holds the fold barrier and has folded, so no row arrives
// meanwhile and none of theirs is unfolded.
func (rawTables) DropPartitions(ctx context.Context, q sqlcore.Querier, table string, cutoff int64) (int64, error) {
	parts, err := partitions(ctx, q, table)
	if err != nil {
		return 0, err
	}
	var dropped int64
	for name, lo := range parts {
		if lo+partitionStep.Microseconds() > cutoff {
			continue
		}
		if _, err := q.Exec(ctx, "DROP TABLE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return dropped, err
		}
		dropped++
	}
	return dropped, nil
}

// DeleteRows deletes from the default partition, where rows outside the
// hourly ones land.
func (rawTables) DeleteRows(ctx context.Context, q sqlcore.Querier, table string, cutoff, maxID, limit int64) (int64, error) {
	d := pgx.Identifier{table + "_default"}.Sanitize()
	return q.Exec(ctx, "DELETE FROM "+d+" WHERE ctid IN (SELECT ctid FROM "+d+" WHERE rx < $1 AND id <= $2 LIMIT $3)", cutoff, maxID, limit)
}

// partitions lists table's hourly partitions by name, with their start.
func partitions(ctx context.Context, q sqlcore.Querier, table string) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass($1)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		hour, ok := strings.CutPrefix(name, table+partitionSuffix)
		if !ok {
			continue // the default partition
		}
		t, err := time.Parse(partitionLayout, hour)
		if err != nil {
			continue
		}
		out[name] = t.UnixMicro()
	}
	return out, rows.Err()
}
