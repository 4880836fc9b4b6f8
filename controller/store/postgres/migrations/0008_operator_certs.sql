-- Version 8: operator certificates, one per person, revocable. The
-- handshake and every Admin call look an operator's serial up here; a
-- serial not recorded (issued before version 9) is not revoked.
CREATE TABLE operator_certs (
	serial TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	issued_by TEXT NOT NULL,
	issued_at BIGINT NOT NULL,
	not_after BIGINT NOT NULL,
	revoked_at BIGINT,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX operator_certs_name ON operator_certs (name);
