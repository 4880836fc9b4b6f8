// Package remotewrite sends the controller's fleet series to a
// time-series database that scales out, with the Prometheus remote-write
// protocol (version 1.0: a snappy-compressed protobuf WriteRequest in an
// HTTP POST), which Prometheus itself (--web.enable-remote-write-receiver),
// Mimir, VictoriaMetrics, Thanos Receive and Cortex accept.
//
// The series are those /metrics serves about the fleet
// (patronus_controller_fleet_*: per path latency, jitter, loss, bytes,
// state, score; per site online and last seen), gathered every Interval
// from a prometheus.Gatherer and stamped with the gathering time, so a
// receiver holds what a scraper of /metrics would.
//
// Shape (exporter.go): a gathering loop appends each gathering's samples
// to a bounded queue (QueueSamples); when it is full the oldest samples
// are dropped and counted (reason queue_full): fresh data matters more
// to a dashboard than old. A sending loop takes up to MaxSamplesPerSend
// from its head, oldest first, and posts them; a network error, a 5xx
// or a 429 is retried with backoff (100 ms doubling to 30 s) until it
// succeeds or the context ends; any other answer (4xx: the receiver
// refuses the data, e.g. out-of-order samples) drops the batch and counts
// it (reason rejected). One request is in flight at a time, so samples
// arrive in time order.
//
// The wire format (wire.go) is encoded with protowire, without generated
// code: four small messages.
package remotewrite
