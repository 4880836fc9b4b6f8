-- Version 14: path metrics are folded by the controller's receive time.
-- Raw samples carry rx (when the controller received them) and an id in
-- arrival order; Maintain folds every row with an id above the
-- rollup_cursor's folded_id into both the 1-minute and the 1-hour
-- buckets of its rx, and moves folded_id in the same transaction: late,
-- resent and clock-skewed batches are folded too, each row once. Raw
-- rows are deleted by rx (kept 1 hour by default) once folded.
--
-- The upgrade first folds what version 1's watermarks had not folded
-- (buckets by the edge's timestamp, as before), then replaces the raw
-- table: its rows live on in the rollups.
INSERT INTO path_metrics_1m (network_id, path, bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state)
SELECT network_id, path, ts - (ts % 60000000), COUNT(*), SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END), SUM(latency_us), MAX(latency_us), SUM(jitter_us), SUM(loss_pct), MAX(state)
  FROM path_metrics_raw WHERE ts >= (SELECT done_until FROM rollup_state WHERE level = '1m')
 GROUP BY network_id, path, ts - (ts % 60000000)
ON CONFLICT (network_id, path, bucket) DO UPDATE SET
	samples = samples + excluded.samples,
	down_samples = down_samples + excluded.down_samples,
	latency_sum_us = latency_sum_us + excluded.latency_sum_us,
	latency_max_us = max(latency_max_us, excluded.latency_max_us),
	jitter_sum_us = jitter_sum_us + excluded.jitter_sum_us,
	loss_sum = loss_sum + excluded.loss_sum,
	worst_state = max(worst_state, excluded.worst_state);

INSERT INTO path_metrics_1h (network_id, path, bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state)
SELECT network_id, path, bucket - (bucket % 3600000000), SUM(samples), SUM(down_samples), SUM(latency_sum_us), MAX(latency_max_us), SUM(jitter_sum_us), SUM(loss_sum), MAX(worst_state)
  FROM path_metrics_1m WHERE bucket >= (SELECT done_until FROM rollup_state WHERE level = '1h')
 GROUP BY network_id, path, bucket - (bucket % 3600000000)
ON CONFLICT (network_id, path, bucket) DO UPDATE SET
	samples = samples + excluded.samples,
	down_samples = down_samples + excluded.down_samples,
	latency_sum_us = latency_sum_us + excluded.latency_sum_us,
	latency_max_us = max(latency_max_us, excluded.latency_max_us),
	jitter_sum_us = jitter_sum_us + excluded.jitter_sum_us,
	loss_sum = loss_sum + excluded.loss_sum,
	worst_state = max(worst_state, excluded.worst_state);

DROP TABLE rollup_state;
DROP TABLE path_metrics_raw;

-- AUTOINCREMENT: an id is never used again, even after the newest rows
-- are deleted, so folded_id never covers a row not yet folded. No
-- foreign key: a deleted network's raw rows are deleted with it by the
-- store and are not folded (the fold joins networks).
CREATE TABLE path_metrics_raw (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	rx INTEGER NOT NULL,
	network_id INTEGER NOT NULL,
	path TEXT NOT NULL,
	ts INTEGER NOT NULL,
	latency_us INTEGER NOT NULL,
	jitter_us INTEGER NOT NULL,
	loss_pct REAL NOT NULL,
	state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2)
);
CREATE INDEX path_metrics_raw_path ON path_metrics_raw (network_id, path, ts);
CREATE INDEX path_metrics_raw_rx ON path_metrics_raw (rx);

-- How far the rollups have folded each raw table (ids, inclusive).
CREATE TABLE rollup_cursor (
	source TEXT PRIMARY KEY,
	folded_id INTEGER NOT NULL
);
INSERT INTO rollup_cursor (source, folded_id) VALUES ('path_metrics_raw', 0);

-- Path counters: the receive time too; raw rows are deleted by it (kept
-- 1 hour by default) once folded into the rollups below.
ALTER TABLE path_counters ADD COLUMN rx INTEGER NOT NULL DEFAULT 0;
UPDATE path_counters SET rx = ts;
CREATE INDEX path_counters_rx ON path_counters (rx);

-- Path counters are cumulative: a bucket keeps the newest report (by the
-- edge's ts) of each (site, path) received in it, folded from the raw
-- rows above the cursor's folded_id like the samples. The rows of
-- before the upgrade are not folded (up to 30 days of them): they go
-- with the raw retention, as on PostgreSQL, where they are dropped.
INSERT INTO rollup_cursor (source, folded_id)
	VALUES ('path_counters', COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'path_counters'), 0));
CREATE TABLE path_counters_1m (
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	site TEXT NOT NULL,
	path TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	ts INTEGER NOT NULL,
	since INTEGER NOT NULL,
	tx_bytes INTEGER NOT NULL,
	rx_bytes INTEGER NOT NULL,
	tx_packets INTEGER NOT NULL,
	rx_packets INTEGER NOT NULL,
	compress_offered INTEGER NOT NULL,
	compressed INTEGER NOT NULL,
	compress_in_bytes INTEGER NOT NULL,
	compress_out_bytes INTEGER NOT NULL,
	decompress_errors INTEGER NOT NULL,
	PRIMARY KEY (network_id, site, path, bucket)
);
CREATE INDEX path_counters_1m_bucket ON path_counters_1m (bucket);
CREATE TABLE path_counters_1h (
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	site TEXT NOT NULL,
	path TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	ts INTEGER NOT NULL,
	since INTEGER NOT NULL,
	tx_bytes INTEGER NOT NULL,
	rx_bytes INTEGER NOT NULL,
	tx_packets INTEGER NOT NULL,
	rx_packets INTEGER NOT NULL,
	compress_offered INTEGER NOT NULL,
	compressed INTEGER NOT NULL,
	compress_in_bytes INTEGER NOT NULL,
	compress_out_bytes INTEGER NOT NULL,
	decompress_errors INTEGER NOT NULL,
	PRIMARY KEY (network_id, site, path, bucket)
);
CREATE INDEX path_counters_1h_bucket ON path_counters_1h (bucket);
