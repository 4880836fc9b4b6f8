-- Version 10: alert webhooks (controller/alert) and the deliveries
-- waiting for them, so that an alert whose receiver is down is delivered
-- after a controller restart too. secret signs the deliveries (the
-- controller needs it as it is); slack is 1 for a Slack-compatible
-- payload. A delivery is tried at next_at or later; attempts counts the
-- failed tries.
CREATE TABLE alert_webhooks (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	url TEXT NOT NULL,
	secret TEXT NOT NULL,
	slack INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE alert_deliveries (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id INTEGER NOT NULL REFERENCES alert_webhooks (id) ON DELETE CASCADE,
	payload BLOB NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX alert_deliveries_webhook ON alert_deliveries (webhook_id, id);
