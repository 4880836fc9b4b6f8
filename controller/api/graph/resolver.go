package graph

import (
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api/graph/exec"
	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// resolver resolves the schema's fields on controller/manage (queries and
// mutations) and controller/events (subscriptions). It holds no state of
// its own.
type resolver struct {
	m   *manage.Service
	bus *events.Bus
}

var _ exec.ResolverRoot = (*resolver)(nil)

// Query returns the query resolver.
func (r *resolver) Query() exec.QueryResolver { return &queryResolver{r} }

// Mutation returns the mutation resolver.
func (r *resolver) Mutation() exec.MutationResolver { return &mutationResolver{r} }

// Subscription returns the subscription resolver.
func (r *resolver) Subscription() exec.SubscriptionResolver { return &subscriptionResolver{r} }

// Site returns the resolver of Site's fields that read more.
func (r *resolver) Site() exec.SiteResolver { return &siteResolver{r} }

// Path returns the resolver of Path's history.
func (r *resolver) Path() exec.PathResolver { return &pathResolver{r} }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func upper[T ~string](s string) T { return T(strings.ToUpper(strings.ReplaceAll(s, "-", "_"))) }

func lower[T ~string](s string) T { return T(strings.ToLower(s)) }

func network(n store.Network) *model.Network {
	return &model.Network{NodeID: nodeID("Network", n.Name), Name: n.Name, Topology: upper[model.Topology](string(n.Topology)),
		Revision: n.Revision, CreatedAt: n.CreatedAt}
}

func site(s manage.Site) *model.Site {
	return &model.Site{NodeID: nodeID("Site", s.Network, s.Name), Network: s.Network, Name: s.Name,
		Role: upper[model.SiteRole](string(s.Role)), State: upper[model.SiteState](string(s.State)), PublicKey: s.PublicKey,
		LastSeen: timePtr(s.LastSeen), Online: s.Online, CreatedAt: s.CreatedAt}
}

func link(network string, l store.Link) *model.Link {
	return &model.Link{NodeID: nodeID("Link", network, l.Site, l.Name), Site: l.Site, Name: l.Name, Colour: l.Colour,
		Cost: l.Cost, BandwidthKbps: l.BandwidthKbps, Endpoint: l.Endpoint, Interface: l.Interface,
		LocalAddress: l.LocalAddress, ListenPort: l.ListenPort}
}

func prefix(network string, p store.Prefix) *model.Prefix {
	return &model.Prefix{NodeID: nodeID("Prefix", network, p.Prefix.String()), Site: p.Site, Prefix: p.Prefix.String()}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// path converts a path; from names the site whose view the ID takes ("":
// the canonical a->b).
func path(network string, p manage.Path, from string) *model.Path {
	out := &model.Path{ID: manage.PathIDFrom(p.Path, from), NodeID: nodeID("Path", network, p.Name), Network: network,
		SiteA: p.A, LinkA: p.ALink, SiteB: p.B, LinkB: p.BLink, CurrentFlows: currentFlows(p)}
	if l := p.Latest; l != nil {
		st := upper[model.PathState](string(l.State))
		lat, jit, loss := ms(l.Latency), ms(l.Jitter), l.LossPct
		out.State, out.LatencyMs, out.JitterMs, out.LossPct, out.MeasuredAt = &st, &lat, &jit, &loss, &l.TS
	}
	if l := p.Live; l != nil {
		flows := int64(l.ActiveFlows)
		out.Score, out.Suppressed, out.ActiveFlows, out.ReportedBy = &l.Score, &l.Suppressed, &flows, &l.Site
		if l.BFDState != "" {
			out.BfdState = &l.BFDState
		}
		out.Transport = pathTransport(l.Transport)
	}
	return out
}

// pathTransport is an edge's "direct" or "relayed" as the enum; nil when the
// edge did not say.
func pathTransport(s string) *model.PathTransport {
	if s == "" {
		return nil
	}
	t := upper[model.PathTransport](s)
	return &t
}

func pathPoint(p store.PathPoint) *model.PathPoint {
	return &model.PathPoint{At: p.TS, State: upper[model.PathState](string(p.State)), LatencyMs: ms(p.Latency),
		MaxLatencyMs: ms(p.MaxLatency), JitterMs: ms(p.Jitter), LossPct: p.LossPct, Samples: p.Samples, DownSamples: p.DownSamples}
}

var resolutions = map[store.Resolution]model.Resolution{store.Raw: model.ResolutionRaw, store.Minute: model.ResolutionMinute, store.Hour: model.ResolutionHour}

// storePathID is a stored event's path ("a/al~b/bl") as the API names it.
func storePathID(name string) string { return strings.Replace(name, "~", "->", 1) }

func steeringEvent(network string, e store.Event) *model.SteeringEvent {
	out := &model.SteeringEvent{NodeID: nodeID("SteeringEvent", network, itoa(e.ID)), At: e.TS, Site: e.Site, Kind: e.Kind,
		Reason: e.Reason, FlowsMoved: e.FlowsMoved}
	if e.Path != "" {
		id := storePathID(e.Path)
		out.PathID = &id
	}
	return out
}

func joinToken(t store.JoinToken) *model.JoinToken {
	return &model.JoinToken{NodeID: nodeID("JoinToken", t.Network, t.ID), ID: t.ID, Network: t.Network, Site: t.Site,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, UsedAt: timePtr(t.UsedAt), RevokedAt: timePtr(t.RevokedAt), Reset: t.Reset}
}

func user(u auth.User) *model.User {
	return &model.User{NodeID: nodeID("User", u.Name), Name: u.Name, Role: upper[model.Role](string(u.Role)), Source: u.Source,
		MfaEnabled: u.MFAEnabled, CreatedAt: u.CreatedAt, DisabledAt: timePtr(u.DisabledAt), LastLogin: timePtr(u.LastLogin)}
}

func apiKey(k auth.APIKey) *model.APIKey {
	return &model.APIKey{NodeID: nodeID("APIKey", k.ID), ID: k.ID, Name: k.Name, Role: upper[model.Role](string(k.Role)),
		Owner: k.Owner, CreatedAt: k.CreatedAt, ExpiresAt: timePtr(k.ExpiresAt), LastUsed: timePtr(k.LastUsed), RevokedAt: timePtr(k.RevokedAt)}
}

func auditEntry(e store.AuditEntry) *model.AuditEntry {
	detail := string(e.Detail)
	if detail == "" {
		detail = "{}"
	}
	return &model.AuditEntry{NodeID: nodeID("AuditEntry", itoa(e.ID)), ID: e.ID, At: e.At, Actor: e.Actor, Role: e.Role,
		Method: e.Method, SourceIP: e.SourceIP, UserAgent: e.UserAgent, Action: e.Action, Target: e.Target,
		Outcome: upper[model.AuditOutcome](e.Outcome), Detail: detail}
}
