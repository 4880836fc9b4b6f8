-- Version 20: the BGP speakers' neighbours as their edges report them
-- (Telemetry.bgp_status, docs/BGP.md): one JSON document per site
-- (store.BGPStatus, with the time of the report), replaced by each report
-- that carries it, for the management API's bgp query.
CREATE TABLE bgp_status (
	site_id BIGINT PRIMARY KEY,
	network_id BIGINT NOT NULL,
	document TEXT NOT NULL,
	FOREIGN KEY (site_id, network_id) REFERENCES sites (id, network_id) ON DELETE CASCADE
);
