// Package metrics is the controller's Prometheus metrics: its own health
// (gRPC streams, telemetry ingest, store calls, enrolments, API requests)
// and the fleet as the edges' telemetry shows it (sites online and last
// seen; paths' state, BFD, latency, jitter, loss, bytes, failovers), plus
// the expiry of the certificates the controller knows. Names follow the
// Prometheus conventions: prefix patronus_controller_, base units
// (_seconds, _bytes, _ratio), _total for counters.
//
// The health metrics are updated as things happen: Metrics implements
// the gRPC server's Observer (controller/server) and the API's request
// observer (controller/api). The fleet's are not: Fleet keeps the newest
// report of every path from the live event bus (controller/events) and
// a custom Collector turns one copy of it into samples at each scrape,
// so a report costs a map update, never a label lookup, and every sample
// of a scrape is of one moment.
//
// Cardinality is bounded and written down in docs/OBSERVABILITY.md:
//   - health series have labels from fixed sets (gRPC method names, store
//     operations, refusal reasons, API route templates — never raw paths —
//     HTTP methods folded to a fixed list, status codes);
//   - fleet series are per enrolled site (network, site) and per path as
//     each end reports it (network, site, path, peer_site, local_link,
//     remote_link). At each scrape the sites are read from the store:
//     series of deleted or revoked sites disappear at once; a path's
//     series disappear when no report of it came for PathStaleAfter (a
//     link deleted, an edge gone), and at most MaxPaths paths are kept.
package metrics
