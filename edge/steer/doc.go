// Package steer is the steering decision engine: for every destination
// site and every policy (a traffic class with an SLA class, preferred
// link colours and a mode), it chooses the paths the class's flows take,
// from the paths' quality (edge/quality, fed by BFD and probes), and
// publishes the choice for a lock-free, allocation-free per-packet
// Lookup.
//
// # Inputs and outputs
//
// The data plane gives the engine its whole configuration (Set), the BFD
// state of each path from its BFD session's callback (SetBFD), the probe
// metrics of each path (SetProbe), and a periodic Tick for the timers.
// Each of these returns the events it caused, which the engine also keeps
// in a bounded ring (Events). Per packet, the forwarder calls
// Lookup(site, class, hash), hash being the flow hash of the
// packet edge/ippkt parsed, and sends on Choice.Path, and also
// on Choice.Dup in duplicate mode.
//
// # Rules
//
// A path is good for a policy when it is up (edge/quality) and meets the
// policy's SLA class. Good paths rank first, in the operator's order:
// the policy's colour preference, then link cost, then score; the others
// follow by score.
//
//   - Event-driven failover: a path going down (BFD Down, or every recent
//     probe lost) or suppressed for flapping loses its flows at once, in
//     the call that reported it.
//   - Damping: a path that stops being good (SLA violated, or degraded)
//     keeps its flows until that has lasted Timers.Damping; then they go
//     to the best good path. When no path is good, the best one is used,
//     with hysteresis: flows move only to a path whose score is higher by
//     Timers.Margin.
//   - Hold-down: flows that meet their SLA stay where they are; they move
//     back (fail back) only to a path the operator prefers (a more
//     preferred colour, or the same and a cheaper link) once it has been
//     good for Timers.HoldDown. A better score alone never moves them:
//     a move reorders packets and gains nothing the SLA asks for.
//   - Flap penalty (RFC 2439 in small): see Timers.
//   - Modes: best-path uses one path; duplicate the best two (each of
//     the two sticky under the same rules); load-balance spreads flows
//     over the good paths (of the preferred colours if any is good),
//     weighted by link bandwidth when every member's is known, by
//     rendezvous hashing of flow buckets, so a member joining or leaving
//     moves only the buckets it gains or loses.
//
// Flows are sticky at the granularity of a bucket (Buckets per policy
// and site, by flow hash): a bucket's path changes only by a decision
// above.
//
// # Concurrency
//
// Control calls (Set, SetBFD, SetProbe, Tick, Paths, Events,
// PolicyIndex) take the engine's mutex; none blocks or does I/O under
// it. Lookup takes no lock: it loads an atomic pointer to an immutable
// index of sites (replaced by Set), an atomic pointer to the immutable
// decision of the policy towards the site (replaced by each decision),
// and marks the flow's bucket with the coarse clock in an atomic. A
// packet therefore sees either the old or the new decision, never a mix.
package steer
