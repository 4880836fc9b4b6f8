-- Version 14: path metrics are folded by the controller's receive time,
-- and the raw tables are partitioned by it.
--
-- Raw samples carry rx (when the controller received them) and an id
-- from a sequence; Maintain folds every row with an id above the
-- rollup_cursor's folded_id into both the 1-minute and the 1-hour
-- buckets of its rx, and moves folded_id in the same transaction: late,
-- resent and clock-skewed batches are folded too, each row once.
-- Ingest transactions hold a shared advisory lock that the fold takes
-- exclusively for a moment to read the sequence: every id at or below
-- what it reads belongs to a finished transaction.
--
-- path_metrics_raw and path_counters are partitioned by rx into hours
-- (path_metrics_raw_hYYYYMMDDHH, created ahead by the store) and
-- dropped whole when older than the retention; a default partition
-- takes rows outside them (a clock far off), deleted row by row. No
-- foreign keys (a check per row) and one B-tree each: the writes are
-- COPY.
--
-- The upgrade first folds what version 1's watermarks had not folded
-- (buckets by the edge's timestamp, as before), then replaces the raw
-- tables: samples live on in the rollups; path counters (cumulative,
-- reported every second) start again from the next report.
INSERT INTO path_metrics_1m (network_id, path, bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state)
SELECT network_id, path, ts - (ts % 60000000), COUNT(*), SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END), SUM(latency_us), MAX(latency_us), SUM(jitter_us), SUM(loss_pct), MAX(state)
  FROM path_metrics_raw WHERE ts >= (SELECT done_until FROM rollup_state WHERE level = '1m')
 GROUP BY network_id, path, ts - (ts % 60000000)
ON CONFLICT (network_id, path, bucket) DO UPDATE SET
	samples = path_metrics_1m.samples + excluded.samples,
	down_samples = path_metrics_1m.down_samples + excluded.down_samples,
	latency_sum_us = path_metrics_1m.latency_sum_us + excluded.latency_sum_us,
	latency_max_us = GREATEST(path_metrics_1m.latency_max_us, excluded.latency_max_us),
	jitter_sum_us = path_metrics_1m.jitter_sum_us + excluded.jitter_sum_us,
	loss_sum = path_metrics_1m.loss_sum + excluded.loss_sum,
	worst_state = GREATEST(path_metrics_1m.worst_state, excluded.worst_state);

INSERT INTO path_metrics_1h (network_id, path, bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state)
SELECT network_id, path, bucket - (bucket % 3600000000), SUM(samples), SUM(down_samples), SUM(latency_sum_us), MAX(latency_max_us), SUM(jitter_sum_us), SUM(loss_sum), MAX(worst_state)
  FROM path_metrics_1m WHERE bucket >= (SELECT done_until FROM rollup_state WHERE level = '1h')
 GROUP BY network_id, path, bucket - (bucket % 3600000000)
ON CONFLICT (network_id, path, bucket) DO UPDATE SET
	samples = path_metrics_1h.samples + excluded.samples,
	down_samples = path_metrics_1h.down_samples + excluded.down_samples,
	latency_sum_us = path_metrics_1h.latency_sum_us + excluded.latency_sum_us,
	latency_max_us = GREATEST(path_metrics_1h.latency_max_us, excluded.latency_max_us),
	jitter_sum_us = path_metrics_1h.jitter_sum_us + excluded.jitter_sum_us,
	loss_sum = path_metrics_1h.loss_sum + excluded.loss_sum,
	worst_state = GREATEST(path_metrics_1h.worst_state, excluded.worst_state);

DROP TABLE rollup_state;
DROP TABLE path_metrics_raw;
DROP TABLE path_counters;

CREATE SEQUENCE path_metrics_raw_id;
CREATE TABLE path_metrics_raw (
	id BIGINT NOT NULL DEFAULT nextval('path_metrics_raw_id'),
	rx BIGINT NOT NULL,
	network_id BIGINT NOT NULL,
	path TEXT NOT NULL,
	ts BIGINT NOT NULL,
	latency_us BIGINT NOT NULL,
	jitter_us BIGINT NOT NULL,
	loss_pct DOUBLE PRECISION NOT NULL,
	state BIGINT NOT NULL CHECK (state BETWEEN 0 AND 2)
) PARTITION BY RANGE (rx);
CREATE INDEX path_metrics_raw_path ON path_metrics_raw (network_id, path, ts);
-- The fold reads ids above folded_id: rows appended in id order, so a
-- block range index finds them (pages not yet summarised are read).
CREATE INDEX path_metrics_raw_id_brin ON path_metrics_raw USING brin (id) WITH (autosummarize = on);
CREATE TABLE path_metrics_raw_default PARTITION OF path_metrics_raw DEFAULT;

CREATE TABLE rollup_cursor (
	source TEXT PRIMARY KEY,
	folded_id BIGINT NOT NULL
);
INSERT INTO rollup_cursor (source, folded_id) VALUES ('path_metrics_raw', 0);

CREATE SEQUENCE path_counters_id;
CREATE TABLE path_counters (
	id BIGINT NOT NULL DEFAULT nextval('path_counters_id'),
	rx BIGINT NOT NULL,
	network_id BIGINT NOT NULL,
	ts BIGINT NOT NULL,
	site TEXT NOT NULL,
	path TEXT NOT NULL,
	since BIGINT NOT NULL,
	tx_bytes BIGINT NOT NULL CHECK (tx_bytes >= 0),
	rx_bytes BIGINT NOT NULL CHECK (rx_bytes >= 0),
	tx_packets BIGINT NOT NULL CHECK (tx_packets >= 0),
	rx_packets BIGINT NOT NULL CHECK (rx_packets >= 0),
	compress_offered BIGINT NOT NULL CHECK (compress_offered >= 0),
	compressed BIGINT NOT NULL CHECK (compressed >= 0),
	compress_in_bytes BIGINT NOT NULL CHECK (compress_in_bytes >= 0),
	compress_out_bytes BIGINT NOT NULL CHECK (compress_out_bytes >= 0),
	decompress_errors BIGINT NOT NULL CHECK (decompress_errors >= 0)
) PARTITION BY RANGE (rx);
CREATE INDEX path_counters_ts ON path_counters (network_id, ts);
CREATE INDEX path_counters_id_brin ON path_counters USING brin (id) WITH (autosummarize = on);
CREATE TABLE path_counters_default PARTITION OF path_counters DEFAULT;

-- Path counters are cumulative: a bucket keeps the newest report (by the
-- edge's ts) of each (site, path) received in it, folded from the raw
-- rows above the cursor's folded_id like the samples.
INSERT INTO rollup_cursor (source, folded_id) VALUES ('path_counters', 0);
CREATE TABLE path_counters_1m (
	network_id BIGINT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	site TEXT NOT NULL,
	path TEXT NOT NULL,
	bucket BIGINT NOT NULL,
	ts BIGINT NOT NULL,
	since BIGINT NOT NULL,
	tx_bytes BIGINT NOT NULL,
	rx_bytes BIGINT NOT NULL,
	tx_packets BIGINT NOT NULL,
	rx_packets BIGINT NOT NULL,
	compress_offered BIGINT NOT NULL,
	compressed BIGINT NOT NULL,
	compress_in_bytes BIGINT NOT NULL,
	compress_out_bytes BIGINT NOT NULL,
	decompress_errors BIGINT NOT NULL,
	PRIMARY KEY (network_id, site, path, bucket)
);
CREATE INDEX path_counters_1m_bucket ON path_counters_1m (bucket);
CREATE TABLE path_counters_1h (
	network_id BIGINT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	site TEXT NOT NULL,
	path TEXT NOT NULL,
	bucket BIGINT NOT NULL,
	ts BIGINT NOT NULL,
	since BIGINT NOT NULL,
	tx_bytes BIGINT NOT NULL,
	rx_bytes BIGINT NOT NULL,
	tx_packets BIGINT NOT NULL,
	rx_packets BIGINT NOT NULL,
	compress_offered BIGINT NOT NULL,
	compressed BIGINT NOT NULL,
	compress_in_bytes BIGINT NOT NULL,
	compress_out_bytes BIGINT NOT NULL,
	decompress_errors BIGINT NOT NULL,
	PRIMARY KEY (network_id, site, path, bucket)
);
CREATE INDEX path_counters_1h_bucket ON path_counters_1h (bucket);
