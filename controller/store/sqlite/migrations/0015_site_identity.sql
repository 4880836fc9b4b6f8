-- Version 15: the certificates issued to sites' edges, so that one can be
-- revoked alone (a reset site's old certificate, a serial revoked by an
-- operator) while the site stays. certs_recorded = 1: only the site's
-- recorded certificates not revoked are accepted (set when a site enrols
-- from version 15 on, or is reset); 0: a site enrolled before, whose
-- certificate was never recorded, is accepted by its site ID as before.
ALTER TABLE sites ADD COLUMN certs_recorded INTEGER NOT NULL DEFAULT 0;
CREATE TABLE site_certs (
	serial TEXT PRIMARY KEY,
	site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	issued_at INTEGER NOT NULL,
	not_after INTEGER NOT NULL,
	revoked_at INTEGER,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX site_certs_site ON site_certs (site_id);
-- A reset token re-enrols an existing site (its links, prefixes, pins and
-- policies stay): the edge brings a new key and WireGuard key.
ALTER TABLE join_tokens ADD COLUMN reset_site_id INTEGER REFERENCES sites (id) ON DELETE CASCADE;
