package store

import (
	"net/netip"
	"time"
)

// Topology says which sites of a network form paths between them.
type Topology string

const (
	FullMesh    Topology = "full-mesh"     // every site with every other
	HubAndSpoke Topology = "hub-and-spoke" // spokes with hubs, hubs with hubs
)

// Network is a set of sites sharing one configuration revision.
type Network struct {
	ID        int64
	Name      string
	Topology  Topology
	Revision  int64
	CreatedAt time.Time
	// TraceParent is the W3C traceparent of the span in whose context
	// the current revision was made (the store call of an API request);
	// "" when it was not traced. Several changes folded into one push
	// carry the last one's (docs/OBSERVABILITY.md, Traces).
	TraceParent string
}

// Role is a site's place in a hub-and-spoke network.
type Role string

const (
	Hub   Role = "hub"
	Spoke Role = "spoke"
)

// SiteState is enrolled or revoked.
type SiteState string

const (
	Enrolled SiteState = "enrolled"
	Revoked  SiteState = "revoked"
)

// SiteSpec is what an operator or an enrolling edge says about a site.
type SiteSpec struct {
	Name      string
	Role      Role
	PublicKey string // WireGuard public key, base64 of 32 bytes
	// Cert, when set, is the certificate issued to the site's edge with
	// this enrolment (EnrolSite, CreateSite): recorded with the site, and
	// from then on only the site's recorded certificates are accepted.
	Cert *SiteCert
}

// Site is a stored site.
type Site struct {
	ID        int64
	Network   string
	Name      string
	Role      Role
	PublicKey string
	State     SiteState
	LastSeen  time.Time // zero: never
	CreatedAt time.Time
	// CertsRecorded: only the site's recorded certificates that are not
	// revoked are accepted (SiteCerts). False for a site enrolled before
	// certificates were recorded and never reset: its site ID is enough.
	CertsRecorded bool
	// KeyRotation: a WireGuard key rotation was asked for
	// (RequestKeyRotation) and is not committed yet; NextPublicKey is the
	// key the site's edge registered for it ("" until then);
	// KeyRotatedAt is the last commit (zero: never).
	KeyRotation   bool
	NextPublicKey string
	KeyRotatedAt  time.Time
}

// MaxSiteCertsInForce bounds the certificates of a site neither revoked
// nor expired (AddSiteCert): renewal keeps two, the old and the new.
const MaxSiteCertsInForce = 4

// RevokedCert is a certificate RevokeCert revoked: a site's (Network and
// Site set) or an operator's (Operator set).
type RevokedCert struct {
	Serial    string
	Network   string
	Site      string
	Operator  string
	RevokedAt time.Time
	Reason    string
}

// SiteCert is a certificate issued to a site's edge.
type SiteCert struct {
	Serial    string // decimal, as OperatorCert's
	Site      string // set by the store when listed
	SiteID    int64  // set by the store when listed
	IssuedAt  time.Time
	NotAfter  time.Time
	RevokedAt time.Time // zero: not revoked
	Reason    string    // why it was revoked
	// RenewedFrom, for AddSiteCert only: the serial of the certificate
	// the renewal was asked with, which must be the site's and not
	// revoked in the same transaction (so a renewal racing a reset or a
	// revocation fails).
	RenewedFrom string
}

// InForce reports whether c is neither revoked nor expired at now.
func (c SiteCert) InForce(now time.Time) bool {
	return c.RevokedAt.IsZero() && now.Before(c.NotAfter)
}

// LinkSpec describes a WAN link of a site.
type LinkSpec struct {
	Name          string
	Colour        string // transport class: "internet", "lte", "mpls", …
	Cost          int64  // lower is preferred, >= 0
	BandwidthKbps int64  // >= 0; 0 unknown
	Endpoint      string // public "addr:port"; empty behind NAT
	// What the site's own edge needs (migration 4): the interface the
	// link leaves by and/or the local address its socket binds to, and
	// its UDP port (0: the edge's default).
	Interface    string
	LocalAddress string
	ListenPort   int64
}

// Link is a stored link.
type Link struct {
	ID   int64
	Site string
	LinkSpec
}

// Prefix is a LAN prefix owned by one site.
type Prefix struct {
	ID     int64
	Site   string
	Prefix netip.Prefix
}

// Path is one (local link × remote link) pair between two sites, A < B.
type Path struct {
	Name  string // "a/inet~b/lte"
	A     string
	ALink string
	B     string
	BLink string
}

// JoinToken is a stored one-time enrolment token (its hash is never
// returned; the secret exists only in CreateJoinToken's result).
type JoinToken struct {
	ID        string // public: the first 16 hex digits of the token's SHA-256 (as controller/pki's TokenRecord.ID)
	Network   string
	Site      string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero: unused
	RevokedAt time.Time // zero: not revoked
	// Reset: the token re-enrols the existing site of its name (ResetSite).
	Reset bool
}

// TokenMaker draws a new join token secret for a site, valid until
// expiresAt. The store keeps only HashToken of it.
type TokenMaker func(site string, expiresAt time.Time) (secret string, err error)

// PolicySet is a network's steering configuration as one opaque
// document (JSON; the controller defines and validates its content),
// with the network revision it was read at.
type PolicySet struct {
	Network   string
	Revision  int64
	Document  []byte    // nil: none set yet
	UpdatedAt time.Time // zero: never set
}

// TelemetryBatch is one batch an edge reported: it is stored whole or
// not at all, once per (site, boot, sequence).
type TelemetryBatch struct {
	Site     string
	BootID   string // the edge's boot, e.g. hex of its 16 random bytes
	Sequence int64  // > 0, grows per boot
	SeenAt   time.Time
	Samples  []PathSample
	Events   []Event
	Flows    []FlowSummary
	Counters []PathCounters
}

// NetworkTelemetry is a telemetry batch with its site's network, for
// RecordTelemetryBatches.
type NetworkTelemetry struct {
	Network string
	Batch   TelemetryBatch
}

// PathCounters are a path's cumulative counters as its edge reported them
// at TS, counted from Since (a reset shows as a new Since).
type PathCounters struct {
	TS, Since                         time.Time
	Site, Path                        string
	TxBytes, RxBytes                  int64
	TxPackets, RxPackets              int64
	CompressOffered, Compressed       int64 // packets offered to compression, packets sent compressed
	CompressInBytes, CompressOutBytes int64 // saved = in − out
	DecompressErrors                  int64
}

// CounterQuery filters path counters; zero fields do not filter. Oldest
// first. Resolution Raw (or "") reads the reports as received; Minute and
// Hour read the newest report of each path and site in each bucket of
// receive time (Since then compares with the bucket).
type CounterQuery struct {
	Site, Path string
	Since      time.Time
	Limit      int // 0: 1000
	Resolution Resolution
}

// PathState is a path's liveness in a metrics sample.
type PathState string

const (
	PathUp       PathState = "up"
	PathDegraded PathState = "degraded"
	PathDown     PathState = "down"
)

// PathSample is one raw measurement of a path.
type PathSample struct {
	Path    string
	TS      time.Time
	Latency time.Duration
	Jitter  time.Duration
	LossPct float64
	State   PathState
}

// Resolution selects raw samples or a rollup.
type Resolution string

const (
	Raw    Resolution = "raw"
	Minute Resolution = "1m"
	Hour   Resolution = "1h"
)

// PathPoint is a sample or a rollup bucket. For a rollup: averages over
// the bucket, MaxLatency is the worst sample, Samples counts them and
// DownSamples counts those in state down; State is the worst seen.
type PathPoint struct {
	TS          time.Time
	Latency     time.Duration
	MaxLatency  time.Duration
	Jitter      time.Duration
	LossPct     float64
	State       PathState
	Samples     int64
	DownSamples int64
}

// Retention says how long each resolution is kept, and events and flow
// summaries. Zero keeps forever.
type Retention struct {
	Raw, Minute, Hour time.Duration
	Events, Flows     time.Duration
	Counters          time.Duration
	// Audit is the audit log's retention; also how long used TOTP steps,
	// ended sessions and expired setup tokens are kept at most.
	Audit time.Duration
	// Cursors is how long the telemetry cursor of an edge boot that is
	// not its site's newest is kept after its last batch (RecordTelemetry
	// stores a batch once per boot and sequence by it). A site's newest
	// cursor is always kept; an older boot's edge has restarted and never
	// sends again, unless it was a second edge running with the site's
	// identity.
	Cursors time.Duration
}

// DefaultRetention: raw samples and raw path counters 1 hour, minute
// buckets (of both) 7 days, hour buckets 1 year (366 days), events 90
// days, flows 30 days, audit log 400 days, cursors of old boots 7 days. At 1,000
// edges of 4 paths reporting every second this keeps the store's growth
// under 5 GiB a day (docs/BENCHMARKS.md).
var DefaultRetention = Retention{
	Raw: time.Hour, Minute: 7 * 24 * time.Hour, Hour: 366 * 24 * time.Hour,
	Events: 90 * 24 * time.Hour, Flows: 30 * 24 * time.Hour, Counters: time.Hour,
	Audit: 400 * 24 * time.Hour, Cursors: 7 * 24 * time.Hour,
}

// MaintainStats counts what Maintain did.
type MaintainStats struct {
	RolledMinute, RolledHour int64 // minute and hour buckets written by folding raw samples
	RolledCounters           int64 // minute and hour counter buckets written
	Deleted                  int64 // rows deleted one by one by retention, all tables
	DroppedPartitions        int64 // raw partitions dropped whole by retention (PostgreSQL)
}

// Event is a steering or path event.
type Event struct {
	ID         int64
	TS         time.Time
	Site       string
	Path       string
	Kind       string // "path_down", "failover", …
	Reason     string
	FlowsMoved int64
}

// EventQuery filters events; zero fields do not filter. Newest first.
type EventQuery struct {
	Site  string
	Since time.Time
	Limit int // 0: 1000
}

// FlowSummary counts an application's traffic over a path in a window.
type FlowSummary struct {
	TS          time.Time // window start
	Site        string
	Application string
	Path        string
	Flows       int64
	BytesTx     int64
	BytesRx     int64
}

// FlowQuery filters flow summaries; zero fields do not filter. Oldest first.
type FlowQuery struct {
	Site  string
	Since time.Time
	Limit int // 0: 1000
}

// OperatorCert is an operator certificate the controller issued: one per
// person, revocable by its serial (store.Store.RevokeOperatorCerts).
type OperatorCert struct {
	Serial    string // the certificate's serial number, decimal
	Name      string // the operator: spiffe://patronus/admin/NAME
	IssuedBy  string // the operator who asked for it; empty for the first
	IssuedAt  time.Time
	NotAfter  time.Time
	RevokedAt time.Time // zero: not revoked
	Reason    string    // why it was revoked
}

// InForce reports whether c is neither revoked nor expired at now.
func (c OperatorCert) InForce(now time.Time) bool {
	return c.RevokedAt.IsZero() && now.Before(c.NotAfter)
}
