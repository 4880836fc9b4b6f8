-- Version 6: the cumulative counters an edge reports per path (bytes and
-- packets each way, compression), one row per report. Names, not
-- references, as for events and flows: history outlives a deleted site.
CREATE TABLE path_counters (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	ts INTEGER NOT NULL,
	site TEXT NOT NULL,
	path TEXT NOT NULL,
	since INTEGER NOT NULL,
	tx_bytes INTEGER NOT NULL CHECK (tx_bytes >= 0),
	rx_bytes INTEGER NOT NULL CHECK (rx_bytes >= 0),
	tx_packets INTEGER NOT NULL CHECK (tx_packets >= 0),
	rx_packets INTEGER NOT NULL CHECK (rx_packets >= 0),
	compress_offered INTEGER NOT NULL CHECK (compress_offered >= 0),
	compressed INTEGER NOT NULL CHECK (compressed >= 0),
	compress_in_bytes INTEGER NOT NULL CHECK (compress_in_bytes >= 0),
	compress_out_bytes INTEGER NOT NULL CHECK (compress_out_bytes >= 0),
	decompress_errors INTEGER NOT NULL CHECK (decompress_errors >= 0)
);
CREATE INDEX path_counters_ts ON path_counters (network_id, ts);
