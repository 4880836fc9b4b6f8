-- Version 3: the steering configuration of a network as one document (the
-- edge's shapes: SLA classes, applications with match rules, policies with
-- a match, timers), replaced whole; and the highest telemetry batch stored
-- per edge boot, so that a batch sent again after a lost ack is stored once.
CREATE TABLE policy_sets (
	network_id BIGINT PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
	document TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE telemetry_cursors (
	site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	boot_id TEXT NOT NULL,
	sequence BIGINT NOT NULL CHECK (sequence >= 0),
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (site_id, boot_id)
);
