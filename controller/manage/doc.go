// Package manage holds every management operation of the controller in one
// place: the GraphQL API (controller/api/graph), the REST API and, where
// it fits, the gRPC Admin service call it rather than the store.
//
// Each operation
//
//   - takes a context carrying the caller's auth.Principal (auth.NewContext)
//     and, for the audit log, a RequestInfo (WithRequestInfo);
//   - checks that the principal's role grants the operation's permission
//     (auth.Read for queries, auth.Operate for changes to the network,
//     auth.Administer for users, API keys and the audit log), and refuses
//     with an *Error of code CodeUnauthenticated or CodeForbidden otherwise;
//   - validates its input with the rules `patronus ctl` gets (the store's
//     and the edge's label rule), refusing with CodeInvalidArgument and the
//     field at fault;
//   - performs it on the store (or the user service), mapping store errors
//     to codes (Code);
//   - and, for every mutation, allowed or not, records one audit entry
//     (store.AuditEntry) with the actor, role, method, source address and
//     user agent, the action ("site.revoke"), the target, the outcome and
//     a JSON detail of the request (never a secret; "before" and "after"
//     for policy sets).
//
// Whether a site is online is decided from its last-seen time: an
// enrolled edge's telemetry stream records it with every batch (every
// second by default, edge/agent), so a site whose last report is younger
// than Config.OnlineWindow (DefaultOnlineWindow) is online. This holds
// across controller replicas and restarts, unlike the live stream events,
// which only the subscriptions (controller/events) use.
//
// Path pins (Pins, SetPin, DeletePin) follow the Admin service's rules
// (store.PinSpec): the author is the principal's subject, the expiry now
// + TTL by Config.Now, and the store's fields are named under their
// entity ("pin.path", "pin.match.protocol"); setting or deleting one also
// writes a pin_set or pin_deleted event, as the Admin service does.
//
// Path IDs are the ones the edge prints (`patronus paths`):
// "site1/inet->site2/lte". The store names a path "a/al~b/bl"; PathID and
// ParsePathID convert, and either end's orientation names the same path.
package manage
