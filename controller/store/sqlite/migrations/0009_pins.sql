-- Version 9: path pins set through the controller. A pin makes one
-- site's edge send the packets its match selects (protocol, source and
-- destination prefix, ports; '' and 0 match anything) over one path,
-- whatever steering says. path is the edge's path ID with the pinning
-- site first ("site/link->peer/link"). A pin is unique per site and
-- match: setting the same match again replaces it. expires_at NULL: never.
CREATE TABLE pins (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	protocol INTEGER NOT NULL CHECK (protocol BETWEEN 0 AND 255),
	src TEXT NOT NULL,
	dst TEXT NOT NULL,
	src_port INTEGER NOT NULL CHECK (src_port BETWEEN 0 AND 65535),
	dst_port INTEGER NOT NULL CHECK (dst_port BETWEEN 0 AND 65535),
	path TEXT NOT NULL,
	expires_at INTEGER,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (site_id, protocol, src, dst, src_port, dst_port)
);
CREATE INDEX pins_network ON pins (network_id, id);
CREATE INDEX pins_expiry ON pins (expires_at) WHERE expires_at IS NOT NULL;
