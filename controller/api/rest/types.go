package rest

import (
	"encoding/json"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// The resources as the API sends them (openapi.yaml's schemas). Times are
// RFC 3339 in UTC; a time that never happened is left out.

// Network is a set of sites sharing one configuration revision.
type Network struct {
	Name      string    `json:"name"`
	Topology  string    `json:"topology"`
	Revision  int64     `json:"revision"`
	CreatedAt time.Time `json:"created_at"`
}

func networkOf(n store.Network) Network {
	return Network{Name: n.Name, Topology: string(n.Topology), Revision: n.Revision, CreatedAt: n.CreatedAt.UTC()}
}

// Site is an enrolled or revoked site.
type Site struct {
	Network   string    `json:"network"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	PublicKey string    `json:"public_key"`
	State     string    `json:"state"`
	Online    bool      `json:"online"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	CreatedAt time.Time `json:"created_at"`
}

func siteOf(s manage.Site) Site {
	return Site{Network: s.Network, Name: s.Name, Role: string(s.Role), PublicKey: s.PublicKey, State: string(s.State),
		Online: s.Online, LastSeen: utc(s.LastSeen), CreatedAt: s.CreatedAt.UTC()}
}

// Link is a site's WAN link. PUT takes it without site and name (they
// are in the URL).
type Link struct {
	Site          string `json:"site,omitempty"`
	Name          string `json:"name,omitempty"`
	Colour        string `json:"colour"`
	Cost          int64  `json:"cost"`
	BandwidthKbps int64  `json:"bandwidth_kbps"`
	Endpoint      string `json:"endpoint"`
	Interface     string `json:"interface"`
	LocalAddress  string `json:"local_address"`
	ListenPort    int64  `json:"listen_port"`
}

func linkOf(l store.Link) Link {
	return Link{Site: l.Site, Name: l.Name, Colour: l.Colour, Cost: l.Cost, BandwidthKbps: l.BandwidthKbps,
		Endpoint: l.Endpoint, Interface: l.Interface, LocalAddress: l.LocalAddress, ListenPort: l.ListenPort}
}

// Prefix is a LAN prefix owned by a site.
type Prefix struct {
	Site   string `json:"site"`
	Prefix string `json:"prefix"`
}

func prefixOf(p store.Prefix) Prefix { return Prefix{Site: p.Site, Prefix: p.Prefix.String()} }

// JoinToken is a one-time enrolment token; Token (the secret) only in the
// answer that created it.
type JoinToken struct {
	ID        string    `json:"id"`
	Network   string    `json:"network"`
	Site      string    `json:"site"`
	Token     string    `json:"token,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	Reset     bool      `json:"reset"`
}

func joinTokenOf(t store.JoinToken) JoinToken {
	return JoinToken{ID: t.ID, Network: t.Network, Site: t.Site, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
		UsedAt: utc(t.UsedAt), RevokedAt: utc(t.RevokedAt), Reset: t.Reset}
}

// Path is a path between two sites' links, with its latest sample.
type Path struct {
	ID     string     `json:"id"`
	A      string     `json:"a"`
	ALink  string     `json:"a_link"`
	B      string     `json:"b"`
	BLink  string     `json:"b_link"`
	Latest *PathPoint `json:"latest,omitempty"`
	// Transport is "direct" or "relayed" from the newest live report
	// (docs/NAT.md); absent when not known.
	Transport string `json:"transport,omitempty"`
}

func pathOf(p manage.Path) Path {
	out := Path{ID: p.ID, A: p.A, ALink: p.ALink, B: p.B, BLink: p.BLink}
	if p.Live != nil {
		out.Transport = p.Live.Transport
	}
	if p.Latest != nil {
		pt := pointOf(*p.Latest)
		out.Latest = &pt
	}
	return out
}

// PathPoint is a sample or a rollup bucket of a path's quality.
type PathPoint struct {
	At           time.Time `json:"at"`
	State        string    `json:"state"`
	LatencyMs    float64   `json:"latency_ms"`
	MaxLatencyMs float64   `json:"max_latency_ms"`
	JitterMs     float64   `json:"jitter_ms"`
	LossPct      float64   `json:"loss_pct"`
	Samples      int64     `json:"samples"`
	DownSamples  int64     `json:"down_samples"`
}

func pointOf(p store.PathPoint) PathPoint {
	return PathPoint{At: p.TS.UTC(), State: pathState(p.State), LatencyMs: ms(p.Latency), MaxLatencyMs: ms(p.MaxLatency),
		JitterMs: ms(p.Jitter), LossPct: p.LossPct, Samples: p.Samples, DownSamples: p.DownSamples}
}

// pathState spells a path state as the API does everywhere: UP,
// DEGRADED, DOWN.
func pathState(s store.PathState) string {
	switch s {
	case store.PathUp:
		return "UP"
	case store.PathDegraded:
		return "DEGRADED"
	case store.PathDown:
		return "DOWN"
	}
	return string(s)
}

// PathHistory is a path's points over a range.
type PathHistory struct {
	Path       string      `json:"path"`
	Resolution string      `json:"resolution"`
	From       time.Time   `json:"from"`
	To         time.Time   `json:"to"`
	Points     []PathPoint `json:"points"`
}

// Event is a steering or path event.
type Event struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Site       string    `json:"site"`
	Path       string    `json:"path"`
	Kind       string    `json:"kind"`
	Reason     string    `json:"reason"`
	FlowsMoved int64     `json:"flows_moved"`
}

func eventOf(e store.Event) Event {
	return Event{ID: e.ID, At: e.TS.UTC(), Site: e.Site, Path: e.Path, Kind: e.Kind, Reason: e.Reason, FlowsMoved: e.FlowsMoved}
}

// PolicySet is a network's steering configuration and the revision it
// was read at (also its ETag).
type PolicySet struct {
	Network   string          `json:"network"`
	Revision  int64           `json:"revision"`
	Document  json.RawMessage `json:"document"`
	UpdatedAt time.Time       `json:"updated_at,omitzero"`
}

func policySetOf(p manage.PolicySet) PolicySet {
	return PolicySet{Network: p.Network, Revision: p.Revision, Document: p.Document, UpdatedAt: utc(p.UpdatedAt)}
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	Role      string          `json:"role"`
	Method    string          `json:"method"`
	SourceIP  string          `json:"source_ip"`
	UserAgent string          `json:"user_agent"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Outcome   string          `json:"outcome"`
	Detail    json.RawMessage `json:"detail,omitempty"`
}

func auditOf(e store.AuditEntry) AuditEntry {
	return AuditEntry{ID: e.ID, At: e.At.UTC(), Actor: e.Actor, Role: e.Role, Method: e.Method, SourceIP: e.SourceIP,
		UserAgent: e.UserAgent, Action: e.Action, Target: e.Target, Outcome: e.Outcome, Detail: e.Detail}
}

// User is a person who signs in.
type User struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Source     string    `json:"source"`
	MFAEnabled bool      `json:"mfa_enabled"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"created_at"`
	DisabledAt time.Time `json:"disabled_at,omitzero"`
	LastLogin  time.Time `json:"last_login,omitzero"`
}

func userOf(u auth.User) User {
	return User{ID: u.ID, Name: u.Name, Role: string(u.Role), Source: u.Source, MFAEnabled: u.MFAEnabled,
		Disabled: !u.DisabledAt.IsZero(), CreatedAt: u.CreatedAt.UTC(), DisabledAt: utc(u.DisabledAt), LastLogin: utc(u.LastLogin)}
}

// APIKey is a named credential for scripts; Key (the secret) only in the
// answer that created it.
type APIKey struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Owner     string    `json:"owner"`
	Key       string    `json:"key,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

func apiKeyOf(k auth.APIKey) APIKey {
	return APIKey{ID: k.ID, Name: k.Name, Role: string(k.Role), Owner: k.Owner, CreatedAt: k.CreatedAt.UTC(),
		ExpiresAt: utc(k.ExpiresAt), LastUsed: utc(k.LastUsed), RevokedAt: utc(k.RevokedAt)}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
