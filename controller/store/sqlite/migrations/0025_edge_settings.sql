-- Version 25: a site's edge settings (store.EdgeSettings): compression,
-- BFD timers (by link colour too), adaptive BFD and the overlay MTU, as
-- one JSON document, pushed to the site's edge in EdgeConfig.defaults,
-- .bfd_adaptive and .overlay, and put in force there without a restart.
CREATE TABLE edge_settings (
	site_id BIGINT PRIMARY KEY,
	network_id BIGINT NOT NULL,
	document TEXT NOT NULL,
	FOREIGN KEY (site_id, network_id) REFERENCES sites (id, network_id) ON DELETE CASCADE
);
