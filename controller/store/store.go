// Package store is the controller's storage: one Store interface over the
// controller's data (networks, sites, links, prefixes, the steering
// configuration of each network as one document, join tokens, path
// metrics, events, flow summaries), with two implementations that pass one test suite:
//
//   - controller/store/sqlite: SQLite through modernc.org/sqlite (pure Go),
//     the default, for one controller;
//   - controller/store/postgres: PostgreSQL through pgx, for several
//     controller replicas on one database.
//
// Every configuration change bumps its network's Revision in the same
// transaction; Watch reports revisions as they change, across replicas on
// PostgreSQL (LISTEN/NOTIFY). Path pins (PutPin) are configuration too.
// Paths are not stored: they are derived from
// sites, links and the network's topology (DerivePaths). Join tokens are
// stored as SHA-256 hashes only. See docs/CONTROLLER_STORE.md.
package store

import (
	"context"
	"net/netip"
	"time"
)

// Store is the controller's storage. Methods take the network by name.
// All methods are safe for concurrent use. Errors match ErrNotFound,
// ErrConflict, ErrConstraint, ErrInvalid or one of the token errors with
// errors.Is, and carry the entity and field as an *Error.
type Store interface {
	CreateNetwork(ctx context.Context, name string, topo Topology) (Network, error)
	Network(ctx context.Context, name string) (Network, error)
	Networks(ctx context.Context) ([]Network, error)
	// SetTopology changes the topology and bumps the revision.
	SetTopology(ctx context.Context, network string, topo Topology) (Network, error)
	// DeleteNetwork deletes a network and everything in it.
	DeleteNetwork(ctx context.Context, name string) error

	// CreateSite adds an enrolled site without a join token (operator path).
	CreateSite(ctx context.Context, network string, spec SiteSpec) (Site, error)
	// EnrolSite consumes a join token and creates the site it is bound to,
	// in one transaction: of concurrent enrolments with one token exactly
	// one wins; the others get ErrTokenUsed.
	EnrolSite(ctx context.Context, token string, spec SiteSpec) (Site, error)
	Site(ctx context.Context, network, name string) (Site, error)
	Sites(ctx context.Context, network string) ([]Site, error)
	// UpdateSite sets a site's role and public key.
	UpdateSite(ctx context.Context, network string, spec SiteSpec) (Site, error)
	RevokeSite(ctx context.Context, network, name string) (Site, error)
	// TouchSite records when the site was last seen; not a config change,
	// so the revision does not move.
	TouchSite(ctx context.Context, network, name string, at time.Time) error
	DeleteSite(ctx context.Context, network, name string) error

	// PutLink creates or replaces the site's link of that name.
	PutLink(ctx context.Context, network, site string, spec LinkSpec) (Link, error)
	Links(ctx context.Context, network, site string) ([]Link, error)
	DeleteLink(ctx context.Context, network, site, link string) error

	// AddPrefix gives a prefix to a site; a prefix belongs to at most one
	// site of a network (ErrConflict names the owner).
	AddPrefix(ctx context.Context, network, site string, p netip.Prefix) (Prefix, error)
	Prefixes(ctx context.Context, network string) ([]Prefix, error)
	DeletePrefix(ctx context.Context, network string, p netip.Prefix) error

	// Paths derives the network's paths from its topology, enrolled
	// sites and links (see DerivePaths).
	Paths(ctx context.Context, network string) ([]Path, error)

	// CreateJoinToken makes a one-time token for a site name, valid for
	// ttl. The secret is returned once and only its hash is stored. The
	// secret comes from the engine's Options.NewToken (the controller
	// passes controller/pki's NewToken).
	CreateJoinToken(ctx context.Context, network, site string, ttl time.Duration) (secret string, tok JoinToken, err error)
	JoinTokens(ctx context.Context, network string) ([]JoinToken, error)
	// RevokeJoinToken revokes an unused token by its ID (JoinToken.ID).
	RevokeJoinToken(ctx context.Context, network string, id string) error
	// ResetSite makes a one-time join token (JoinToken.Reset) that
	// re-enrols the enrolled site of that name, keeping its ID, links,
	// prefixes and pins: EnrolSite with it replaces the site's public key
	// and records its new certificate. In the same transaction every
	// certificate of the site is revoked, the site accepts only recorded
	// certificates from then on (Site.CertsRecorded), and its unused reset
	// tokens are revoked. Bumps the revision. ErrNotFound for no such
	// site, ErrConstraint for a revoked one.
	ResetSite(ctx context.Context, network, name string, ttl time.Duration) (secret string, tok JoinToken, err error)
	// RequestKeyRotation asks the site's edge for a new WireGuard key
	// (Site.KeyRotation) and bumps the revision. ErrNotFound for no such
	// site, ErrConstraint for a revoked one, ErrConflict while a rotation
	// is in progress.
	RequestKeyRotation(ctx context.Context, network, name string) (Site, error)
	// SetNextKey records the key the site's edge made for the rotation
	// asked for (Site.NextPublicKey) and bumps the revision; the same key
	// again changes nothing. ErrConstraint when no rotation was asked for
	// or key is the current one; ErrInvalid for a malformed key.
	SetNextKey(ctx context.Context, network, name, key string) (Site, error)
	// CommitKeyRotation makes the registered next key the site's public
	// key, ends the rotation, records when (Site.KeyRotatedAt) and bumps
	// the revision. Committing the current key again changes nothing.
	// ErrConstraint when key is not the registered next key.
	CommitKeyRotation(ctx context.Context, network, name, key string) (Site, error)
	// DueKeyRotations lists the enrolled sites of a network without a
	// rotation in progress whose key is older than every (from its last
	// rotation, else its enrolment), by name.
	DueKeyRotations(ctx context.Context, network string, every time.Duration) ([]string, error)
	// SiteCerts lists the certificates recorded for a network's sites, by
	// site ID then issue time.
	SiteCerts(ctx context.Context, network string) ([]SiteCert, error)
	// AddSiteCert records a certificate issued to an enrolled site (a
	// renewal). ErrConstraint when the site has MaxSiteCertsInForce
	// certificates neither revoked nor expired, or is revoked. Not a
	// configuration change: the revision does not move.
	AddSiteCert(ctx context.Context, network, site string, c SiteCert) error
	// RevokeCert revokes one recorded certificate by its serial: a site's
	// (the site's network revision moves, so every replica refuses it and
	// ends its streams; the site stays) or an operator's. Revoking a
	// revoked one changes nothing and returns it. ErrNotFound for a serial
	// not recorded.
	RevokeCert(ctx context.Context, serial, reason string) (RevokedCert, error)

	// PolicySet returns the network's steering configuration document
	// (empty Document: none set yet) and the network's revision.
	PolicySet(ctx context.Context, network string) (PolicySet, error)
	// PutPolicySet replaces the document whole and bumps the revision.
	// With expectedRevision > 0 the network must be at that revision, or
	// nothing changes and the error matches ErrStale.
	PutPolicySet(ctx context.Context, network string, document []byte, expectedRevision int64) (PolicySet, error)

	// PutPin sets a path pin of a site (see PinSpec): one with the same
	// site and match is replaced, keeping its ID. Both ends of the path
	// must be sites of the network with links of those names, or the
	// error is ErrInvalid naming field "path". Bumps the revision.
	PutPin(ctx context.Context, network string, spec PinSpec) (Pin, error)
	// Pins lists the network's pins, of one site or (site "") of all, by
	// ID: the order an edge tries them in. Expired pins that ExpirePins
	// has not removed yet are listed; Pin.Active tells them apart.
	Pins(ctx context.Context, network, site string) ([]Pin, error)
	// DeletePin removes a pin by ID and bumps the revision.
	DeletePin(ctx context.Context, network string, id int64) error
	// ExpirePins deletes the pins of every network that expired at or
	// before now, bumping the revision of each network that lost one, and
	// returns when the next pin expires (zero: none will).
	ExpirePins(ctx context.Context, now time.Time) (next time.Time, err error)

	// SiteBGP returns a site's BGP speaker (LocalAS 0: none).
	SiteBGP(ctx context.Context, network, site string) (SiteBGP, error)
	// PutSiteBGP replaces a site's BGP speaker whole (LocalAS 0 removes
	// it) and bumps the revision.
	PutSiteBGP(ctx context.Context, network, site string, b SiteBGP) error
	// BGPSites returns the BGP speakers of a network's sites, by site name.
	BGPSites(ctx context.Context, network string) (map[string]SiteBGP, error)
	// SiteEdgeSettings returns a site's edge settings (zero: the edge's
	// defaults).
	SiteEdgeSettings(ctx context.Context, network, site string) (EdgeSettings, error)
	// PutSiteEdgeSettings replaces a site's edge settings whole and bumps
	// the revision.
	PutSiteEdgeSettings(ctx context.Context, network, site string, e EdgeSettings) error
	// EdgeSettingsOf returns the edge settings of a network's sites that
	// have any, by site name.
	EdgeSettingsOf(ctx context.Context, network string) (map[string]EdgeSettings, error)
	// SetLearnedPrefixes replaces the prefixes a site's routers announce
	// (reported by its edge); when they changed it bumps the revision, so
	// that the other sites get them, and reports changed.
	SetLearnedPrefixes(ctx context.Context, network, site string, ps []netip.Prefix) (changed bool, err error)
	// SetBGPStatus replaces a site's reported BGP status (no revision
	// change: it is state, not configuration).
	SetBGPStatus(ctx context.Context, network, site string, st BGPStatus) error
	// BGPStatuses returns the reported BGP status of a network's sites,
	// by site name.
	BGPStatuses(ctx context.Context, network string) (map[string]BGPStatus, error)
	// LearnedPrefixes lists the learned prefixes of a network, by site
	// then prefix (Prefix.ID is 0).
	LearnedPrefixes(ctx context.Context, network string) ([]Prefix, error)

	// SetLinkNAT replaces what a site's edge learnt about its links'
	// NATs (LinkNAT.Site is ignored: site says it); links not named are
	// forgotten. When an endpoint or a kind changed it bumps the
	// revision, so that the peers get them, and reports changed.
	SetLinkNAT(ctx context.Context, network, site string, links []LinkNAT) (changed bool, err error)
	// LinkNATs lists a network's LinkNATs, by site then link.
	LinkNATs(ctx context.Context, network string) ([]LinkNAT, error)

	// RecordTelemetry stores one telemetry batch of a site (metrics,
	// events, flows, last seen) in one transaction, unless a batch of the
	// same boot with this or a higher sequence was stored already: then it
	// stores nothing and reports stored = false. Not a config change.
	RecordTelemetry(ctx context.Context, network string, b TelemetryBatch) (stored bool, err error)
	// RecordTelemetryBatches is RecordTelemetry for several batches, of
	// any sites and networks, in one transaction: one durable commit for
	// many edges (group commit). stored[i] is RecordTelemetry's answer for
	// batches[i]. Any error refuses them all; the caller may then record
	// them one by one to find the bad one.
	RecordTelemetryBatches(ctx context.Context, batches []NetworkTelemetry) (stored []bool, err error)

	RecordPathMetrics(ctx context.Context, network string, samples []PathSample) error
	// PathMetrics returns the points of one path in [from, to) at a
	// resolution, oldest first.
	PathMetrics(ctx context.Context, network, path string, res Resolution, from, to time.Time) ([]PathPoint, error)
	// Maintain folds every raw sample not folded yet into the minute and
	// hour buckets of its receive time (each sample once, however late or
	// resent), then deletes what is older than the retention. Idempotent.
	Maintain(ctx context.Context, r Retention) (MaintainStats, error)

	AddEvents(ctx context.Context, network string, events []Event) error
	Events(ctx context.Context, network string, q EventQuery) ([]Event, error)
	RecordFlows(ctx context.Context, network string, flows []FlowSummary) error
	Flows(ctx context.Context, network string, q FlowQuery) ([]FlowSummary, error)
	// ApplicationTraffic totals the flow summaries q selects by
	// application, the most bytes (sent and received) first, then by name.
	ApplicationTraffic(ctx context.Context, network string, q AppTrafficQuery) ([]AppTraffic, error)
	// PathCounters returns reported path counters (RecordTelemetry).
	PathCounters(ctx context.Context, network string, q CounterQuery) ([]PathCounters, error)

	// AddOperatorCert records an operator certificate. ErrConflict when
	// its serial is recorded already, or, when exclusive, when its name
	// has another certificate in force (revoke that first).
	AddOperatorCert(ctx context.Context, c OperatorCert, exclusive bool) error
	// OperatorCerts lists the recorded operator certificates by name,
	// then issue time.
	OperatorCerts(ctx context.Context) ([]OperatorCert, error)
	// RevokeOperatorCerts revokes every certificate in force of an
	// operator name and returns them; ErrNotFound when there is none.
	RevokeOperatorCerts(ctx context.Context, name, reason string) ([]OperatorCert, error)
	// OperatorCertRevoked reports whether the operator certificate with
	// this serial is revoked; a serial not recorded is not.
	OperatorCertRevoked(ctx context.Context, serial string) (bool, error)

	// Watch reports configuration revisions: first the current revision of
	// every network, then every later one (coalesced: a slow reader sees
	// the newest revision, maybe not each one in between). The channel is
	// closed when ctx ends or the store is closed.
	Watch(ctx context.Context) <-chan Revision

	// AuthStore: users, sessions, API keys, signing keys, audit log.
	AuthStore
	// AlertStore: alert webhooks and their pending deliveries.
	AlertStore

	Close() error
}

// ConcurrentWriters is implemented by a store whose write transactions
// can run in parallel: it says how many are worth running at once (the
// controller's telemetry writers). Without it, one.
type ConcurrentWriters interface {
	ConcurrentWriters() int
}

// EventRelay is implemented by a store that several controller replicas
// share (PostgreSQL): it carries the live events (controller/events) of
// each replica to the others. Without it, a controller has no replicas to
// tell.
type EventRelay interface {
	// RelayEvents starts relaying until ctx ends. deliver is called, from
	// one goroutine, with each payload any replica sent (this one's
	// included); gap is called from that goroutine when payloads may have
	// been missed (the connection to the database was lost and is back).
	// send sends a payload of at most MaxEventPayload bytes to every
	// replica; it waits for the database. One relay runs at a time.
	RelayEvents(ctx context.Context, deliver func(payload []byte), gap func()) (send func(ctx context.Context, payload []byte) error, err error)
}

// MaxEventPayload is the largest payload EventRelay sends (PostgreSQL's
// NOTIFY takes less than 8000 bytes).
const MaxEventPayload = 7999

// Revision is a network's configuration revision: it increases by one with
// every configuration change of that network.
type Revision struct {
	NetworkID int64
	Number    int64
}
