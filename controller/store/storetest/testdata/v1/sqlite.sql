-- FROZEN: the SQLite schema of version 1 with data, as a version-1 binary
-- wrote it. Never edit: it is what upgrades start from.
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

-- Recorded as version 1, as the version-1 binary left it.
CREATE TABLE schema_migrations (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '0001_init.sql', 1700000000000000);

-- Data of a small hub-and-spoke network at revision 7.
INSERT INTO networks (name, topology, revision, created_at) VALUES ('legacy', 'hub-and-spoke', 7, 1700000000000000);
INSERT INTO sites (network_id, name, role, public_key, state, last_seen, created_at)
	SELECT id, 'hq', 'hub', 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=', 'enrolled', 1700000100000000, 1700000000000000 FROM networks WHERE name = 'legacy';
INSERT INTO sites (network_id, name, role, public_key, state, last_seen, created_at)
	SELECT id, 'branch', 'spoke', 'AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=', 'enrolled', NULL, 1700000000000000 FROM networks WHERE name = 'legacy';
INSERT INTO links (site_id, name, colour, cost, bandwidth_kbps, endpoint)
	SELECT id, 'inet', 'internet', 10, 100000, '192.0.2.1:51820' FROM sites WHERE name = 'hq';
INSERT INTO links (site_id, name, colour, cost, bandwidth_kbps, endpoint)
	SELECT id, 'lte', 'lte', 20, 20000, '' FROM sites WHERE name = 'branch';
INSERT INTO prefixes (network_id, site_id, prefix)
	SELECT network_id, id, '10.1.0.0/24' FROM sites WHERE name = 'hq';
INSERT INTO sla_classes (network_id, name, max_latency_us, max_jitter_us, max_loss_pct)
	SELECT id, 'voice', 150000, 30000, 1 FROM networks WHERE name = 'legacy';
INSERT INTO applications (network_id, name, protocol, ports, prefixes, dscp)
	SELECT id, 'voip', 'udp', '5060-5061', '', 46 FROM networks WHERE name = 'legacy';
INSERT INTO policies (network_id, name) SELECT id, 'default' FROM networks WHERE name = 'legacy';
INSERT INTO policy_rules (policy_id, position, application_id, sla_class_id, mode, colours)
	SELECT p.id, 0, a.id, c.id, 'duplicate', 'mpls,internet' FROM policies p, applications a, sla_classes c
	WHERE p.name = 'default' AND a.name = 'voip' AND c.name = 'voice';
INSERT INTO join_tokens (network_id, site_name, token_hash, created_at, expires_at, used_at, site_id)
	SELECT s.network_id, 'branch', 'b4c1d4ba9e3a4a4d8c7f0f3e6d2b1a0c9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a', 1700000000000000, 1700003600000000, 1700000050000000, s.id
	FROM sites s WHERE s.name = 'branch';
INSERT INTO path_metrics_raw (network_id, path, ts, latency_us, jitter_us, loss_pct, state)
	SELECT id, 'branch/lte~hq/inet', 1700000000000000, 12000, 800, 0, 0 FROM networks WHERE name = 'legacy';
INSERT INTO events (network_id, ts, site, path, kind, reason, flows_moved)
	SELECT id, 1700000000000000, 'branch', 'branch/lte~hq/inet', 'path_up', 'bfd up', 0 FROM networks WHERE name = 'legacy';
