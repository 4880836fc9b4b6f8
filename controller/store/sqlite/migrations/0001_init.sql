-- Patronus controller store, SQLite, version 1. Times are Unix microseconds.
CREATE TABLE networks (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL UNIQUE,
	topology TEXT NOT NULL CHECK (topology IN ('full-mesh', 'hub-and-spoke')),
	revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
	created_at INTEGER NOT NULL
);

CREATE TABLE sites (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('hub', 'spoke')),
	public_key TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('enrolled', 'revoked')),
	last_seen INTEGER,
	created_at INTEGER NOT NULL,
	UNIQUE (network_id, name),
	UNIQUE (id, network_id)
);
CREATE UNIQUE INDEX sites_public_key ON sites (network_id, public_key);

CREATE TABLE links (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	colour TEXT NOT NULL,
	cost INTEGER NOT NULL CHECK (cost >= 0),
	bandwidth_kbps INTEGER NOT NULL CHECK (bandwidth_kbps >= 0),
	endpoint TEXT NOT NULL,
	UNIQUE (site_id, name)
);

-- One prefix belongs to one site of a network: UNIQUE (network_id, prefix),
-- and the composite key keeps network_id equal to the site's network.
CREATE TABLE prefixes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL,
	site_id INTEGER NOT NULL,
	prefix TEXT NOT NULL,
	UNIQUE (network_id, prefix),
	FOREIGN KEY (site_id, network_id) REFERENCES sites (id, network_id) ON DELETE CASCADE
);

CREATE TABLE sla_classes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	max_latency_us INTEGER NOT NULL CHECK (max_latency_us >= 0),
	max_jitter_us INTEGER NOT NULL CHECK (max_jitter_us >= 0),
	max_loss_pct REAL NOT NULL CHECK (max_loss_pct >= 0 AND max_loss_pct <= 100),
	UNIQUE (network_id, name)
);

CREATE TABLE applications (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	protocol TEXT NOT NULL CHECK (protocol IN ('any', 'tcp', 'udp', 'icmp')),
	ports TEXT NOT NULL,
	prefixes TEXT NOT NULL,
	dscp INTEGER NOT NULL CHECK (dscp BETWEEN -1 AND 63),
	UNIQUE (network_id, name)
);

CREATE TABLE policies (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	UNIQUE (network_id, name)
);

-- Rules keep their applications and SLA classes from being deleted.
CREATE TABLE policy_rules (
	policy_id INTEGER NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
	position INTEGER NOT NULL CHECK (position >= 0),
	application_id INTEGER NOT NULL REFERENCES applications (id),
	sla_class_id INTEGER REFERENCES sla_classes (id),
	mode TEXT NOT NULL CHECK (mode IN ('best-path', 'load-balance', 'duplicate')),
	colours TEXT NOT NULL,
	PRIMARY KEY (policy_id, position)
);
CREATE INDEX policy_rules_application ON policy_rules (application_id);
CREATE INDEX policy_rules_sla_class ON policy_rules (sla_class_id);

-- Only the SHA-256 of a token is stored.
CREATE TABLE join_tokens (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	site_name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at INTEGER,
	revoked_at INTEGER,
	site_id INTEGER REFERENCES sites (id) ON DELETE SET NULL
);

-- Path metrics: raw samples, then 1-minute and 1-hour rollups keeping sums,
-- so that late rollups add up exactly. state: 0 up, 1 degraded, 2 down.
CREATE TABLE path_metrics_raw (
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	path TEXT NOT NULL,
	ts INTEGER NOT NULL,
	latency_us INTEGER NOT NULL,
	jitter_us INTEGER NOT NULL,
	loss_pct REAL NOT NULL,
	state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2)
);
CREATE INDEX path_metrics_raw_path ON path_metrics_raw (network_id, path, ts);
CREATE INDEX path_metrics_raw_ts ON path_metrics_raw (ts);

CREATE TABLE path_metrics_1m (
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	path TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	samples INTEGER NOT NULL,
	down_samples INTEGER NOT NULL,
	latency_sum_us INTEGER NOT NULL,
	latency_max_us INTEGER NOT NULL,
	jitter_sum_us INTEGER NOT NULL,
	loss_sum REAL NOT NULL,
	worst_state INTEGER NOT NULL,
	PRIMARY KEY (network_id, path, bucket)
);
CREATE INDEX path_metrics_1m_bucket ON path_metrics_1m (bucket);

CREATE TABLE path_metrics_1h (
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	path TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	samples INTEGER NOT NULL,
	down_samples INTEGER NOT NULL,
	latency_sum_us INTEGER NOT NULL,
	latency_max_us INTEGER NOT NULL,
	jitter_sum_us INTEGER NOT NULL,
	loss_sum REAL NOT NULL,
	worst_state INTEGER NOT NULL,
	PRIMARY KEY (network_id, path, bucket)
);
CREATE INDEX path_metrics_1h_bucket ON path_metrics_1h (bucket);

-- How far each rollup level has folded its source (exclusive).
CREATE TABLE rollup_state (
	level TEXT PRIMARY KEY,
	done_until INTEGER NOT NULL
);
INSERT INTO rollup_state (level, done_until) VALUES ('1m', 0), ('1h', 0);

-- Events and flow summaries keep site and path names, not references:
-- history outlives a deleted site.
CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	ts INTEGER NOT NULL,
	site TEXT NOT NULL,
	path TEXT NOT NULL,
	kind TEXT NOT NULL,
	reason TEXT NOT NULL,
	flows_moved INTEGER NOT NULL CHECK (flows_moved >= 0)
);
CREATE INDEX events_ts ON events (network_id, ts);

CREATE TABLE flow_summaries (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	ts INTEGER NOT NULL,
	site TEXT NOT NULL,
	application TEXT NOT NULL,
	path TEXT NOT NULL,
	flows INTEGER NOT NULL CHECK (flows >= 0),
	bytes_tx INTEGER NOT NULL CHECK (bytes_tx >= 0),
	bytes_rx INTEGER NOT NULL CHECK (bytes_rx >= 0)
);
CREATE INDEX flow_summaries_ts ON flow_summaries (network_id, ts);
