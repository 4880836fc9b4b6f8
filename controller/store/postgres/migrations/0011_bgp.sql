-- Version 11: BGP with the sites' routers (edge/bgp, docs/BGP.md).
-- bgp_sites holds a site's speaker (local AS, router ID, neighbours with
-- their TCP MD5 passwords) as one JSON document (store.SiteBGP), pushed
-- to the site's edge in EdgeConfig.bgp. learned_prefixes are the
-- prefixes the site's routers announce, reported by its edge and
-- distributed to the other sites like configured prefixes; a prefix is
-- learned at most once per site.
CREATE TABLE bgp_sites (
	site_id BIGINT PRIMARY KEY,
	network_id BIGINT NOT NULL,
	document TEXT NOT NULL,
	FOREIGN KEY (site_id, network_id) REFERENCES sites (id, network_id) ON DELETE CASCADE
);
CREATE TABLE learned_prefixes (
	network_id BIGINT NOT NULL,
	site_id BIGINT NOT NULL,
	prefix TEXT NOT NULL,
	PRIMARY KEY (site_id, prefix),
	FOREIGN KEY (site_id, network_id) REFERENCES sites (id, network_id) ON DELETE CASCADE
);
CREATE INDEX learned_prefixes_network ON learned_prefixes (network_id);
