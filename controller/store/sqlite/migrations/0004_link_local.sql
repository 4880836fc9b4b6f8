-- Version 4: what the edge itself needs of its links: the interface the
-- link leaves by, the local address its socket binds to, its UDP port
-- (0: the edge's default).
ALTER TABLE links ADD COLUMN interface TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN local_address TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN listen_port INTEGER NOT NULL DEFAULT 0 CHECK (listen_port BETWEEN 0 AND 65535);
