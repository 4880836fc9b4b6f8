// Package classify finds the application and SLA class of each flow the
// edge forwards, for application-aware steering.
//
// The model:
//
//   - Parse reads a flow key (protocol, addresses, ports), the DSCP and
//     the transport payload from an inner IPv4 or IPv6 packet, skipping
//     IPv6 extension headers. It does not allocate; a malformed packet is
//     a ParseError whose Reason is a counter label.
//   - Rules are an ordered list of applications, each with a class name
//     and match rules on server and client prefixes, protocols, server
//     ports, DSCP and server domain names. The first application that
//     matches wins. Configured applications (Config, embedded in the edge
//     configuration) come first and replace built-in ones of the same
//     name; the built-in catalogue (Builtin) follows. NewRules validates
//     a Config and names the bad field of every error.
//   - Names learns address → name from the DNS responses the edge
//     forwards (following CNAME chains, for the record TTL, bounded, LRU);
//     ParseSNI reads the server name from a TLS ClientHello and
//     ParseQUICSNI from a QUIC v1/v2 client Initial. A flow whose server
//     address or SNI is known can then match domain rules. A hello that
//     spans two packets is reassembled in a buffer from a bounded pool.
//   - A Classifier keeps the flow table: a flow is classified on its first
//     packet and keeps its application until it has been idle for
//     Options.FlowIdle; a server name learned from the flow's first
//     segments, or new Rules, may change it, which Classify reports as
//     Verdict.Changed so steering can move the flow. A packet of a known
//     flow costs a parse and a map lookup, with no lock and no allocation.
//
// Everything takes the time from its caller, so tests drive the clock.
package classify
