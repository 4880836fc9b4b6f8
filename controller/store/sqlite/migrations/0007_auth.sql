-- Version 7: sign-in for the management API. The users and audit_log
-- tables of version 2 were never used; they are replaced.
DROP TABLE users;
DROP TABLE audit_log;

CREATE TABLE users (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
	source TEXT NOT NULL CHECK (source IN ('local', 'oidc')),
	password_hash TEXT NOT NULL DEFAULT '',   -- Argon2id, PHC string; '' for OIDC users
	oidc_issuer TEXT NOT NULL DEFAULT '',
	oidc_subject TEXT NOT NULL DEFAULT '',
	totp_secret TEXT NOT NULL DEFAULT '',     -- never returned by Users
	mfa_enabled_at INTEGER,
	created_at INTEGER NOT NULL,
	disabled_at INTEGER,
	last_login INTEGER
);
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject) WHERE source = 'oidc';

CREATE TABLE recovery_codes (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at INTEGER,
	PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE totp_used (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	step INTEGER NOT NULL,
	used_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, step)
);

CREATE TABLE sessions (
	id TEXT PRIMARY KEY,                      -- the refresh token family
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL,                 -- SHA-256 of the current refresh token
	method TEXT NOT NULL,
	source_ip TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
	id TEXT PRIMARY KEY,                      -- first 16 hex digits of key_hash
	key_hash TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
	owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	last_used INTEGER,
	revoked_at INTEGER,
	UNIQUE (owner_id, name)
);

CREATE TABLE signing_keys (
	generation INTEGER PRIMARY KEY,
	kid TEXT NOT NULL UNIQUE,
	alg TEXT NOT NULL,
	private_key TEXT NOT NULL,                -- base64
	created_at INTEGER NOT NULL
);

CREATE TABLE setup_tokens (
	token_hash TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	ts INTEGER NOT NULL,
	actor TEXT NOT NULL,
	role TEXT NOT NULL,
	method TEXT NOT NULL,
	source_ip TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	outcome TEXT NOT NULL,
	detail TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log (ts);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
