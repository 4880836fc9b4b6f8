-- Version 21: the alerts firing (controller/alert), so that a
-- controller restart or another replica taking over the alerts neither
-- fires them again nor forgets to resolve them. One row per rule (kind),
-- network and subject; body is the alert as its notices carry it (JSON).
CREATE TABLE alert_firing (
	kind TEXT NOT NULL,
	network TEXT NOT NULL,
	subject TEXT NOT NULL,
	body BYTEA NOT NULL,
	fired_at BIGINT NOT NULL,
	PRIMARY KEY (kind, network, subject)
);
