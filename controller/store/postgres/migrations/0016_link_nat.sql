-- Version 16: NAT traversal (edge/natdisc, docs/NAT.md). link_nat holds
-- what each site's edge learnt about its links from the controller's STUN
-- responder: the link's public endpoint as seen from outside and its
-- NAT's mapping and filtering behaviour (RFC 4787 names). The controller
-- gives them to the peers (PeerLink.observed_endpoint, PeerLink.nat). A
-- row changes only when the endpoint or the kind does; changed_at is
-- when (Unix nanoseconds).
CREATE TABLE link_nat (
	network_id BIGINT NOT NULL,
	site_id BIGINT NOT NULL,
	link TEXT NOT NULL,
	observed_endpoint TEXT NOT NULL,
	mapping TEXT NOT NULL,
	filtering TEXT NOT NULL,
	changed_at BIGINT NOT NULL,
	PRIMARY KEY (site_id, link),
	FOREIGN KEY (site_id, network_id) REFERENCES sites (id, network_id) ON DELETE CASCADE
);
CREATE INDEX link_nat_network ON link_nat (network_id);
