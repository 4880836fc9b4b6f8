package agent

import (
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/natdisc"
	"github.com/patronus-sdwan/patronus/policy"
)

// An EdgeConfig becomes the edge's config.Config one section at a time,
// and then goes through config.Validate like a YAML file. Validate's
// field paths are the YAML names, which are the EdgeConfig names but for
// peers[i].name and .id (EdgeConfig: peers[i].site.name, .site.id) and
// links[i].bandwidth (bandwidth_bps).
//
// To carry a new section of EdgeConfig, add its converter to sections
// (TestEveryEdgeConfigFieldHasAConverter fails until someone does).
// role has no converter: the peers list already says what the role means
// for this edge (a spoke's peers are the hubs). Nor has trace_parent: it
// is the parent of the agent's span applying the configuration (trace.go);
// nor key_rotation: the agent's key rotation reads it (keyrot.go).

// sections are the converters of the EdgeConfig sections, in EdgeConfig
// order.
var sections = []func(*pb.EdgeConfig, *config.Config){
	convertSite,
	convertLANPrefixes,
	convertOverlay,
	convertLinks,
	convertPeers,
	convertDefaults,
	convertSteering,
	convertPins,
	convertBGP,
	convertRelay,
	convertNAT,
	convertBFDAdaptive,
}

// toConfig converts pc into the edge's configuration; its WireGuard
// private key is keyFile (EdgeConfig never carries one).
func toConfig(pc *pb.EdgeConfig, keyFile string) *config.Config {
	c := &config.Config{PrivateKeyFile: keyFile}
	for _, convert := range sections {
		convert(pc, c)
	}
	return c
}

func convertSite(pc *pb.EdgeConfig, c *config.Config) {
	c.Site = config.Site{Name: pc.GetSite().GetName(), ID: int(pc.GetSite().GetId())}
}

func convertLANPrefixes(pc *pb.EdgeConfig, c *config.Config) {
	c.LANPrefixes = slices.Clone(pc.GetLanPrefixes())
}

func convertOverlay(pc *pb.EdgeConfig, c *config.Config) {
	c.Overlay = config.Overlay{Interface: pc.GetOverlay().GetInterface(), MTU: int(pc.GetOverlay().GetMtu())}
}

func convertLinks(pc *pb.EdgeConfig, c *config.Config) {
	for _, l := range pc.GetLinks() {
		c.Links = append(c.Links, config.Link{
			Name:         l.GetName(),
			Interface:    l.GetInterface(),
			LocalAddress: l.GetLocalAddress(),
			ListenPort:   int(l.GetListenPort()),
			Color:        l.GetColor(),
			Cost:         int(l.GetCost()),
			Bandwidth:    rate(l.GetBandwidthBps()),
		})
	}
}

// convertPeers takes the peers that are ready: a peer without links (no
// path could reach it) or without prefixes (nothing to route to it) is
// left out, as a site the controller enrolled before its operator gave it
// links and prefixes. Kept, it would make the edge refuse the whole
// configuration, and with it every other change, until then.
func convertPeers(pc *pb.EdgeConfig, c *config.Config) {
	now := time.Now()
	for _, p := range pc.GetPeers() {
		if len(p.GetLinks()) == 0 || len(p.GetPrefixes()) == 0 {
			continue
		}
		cp := config.Peer{
			Name:          p.GetSite().GetName(),
			ID:            int(p.GetSite().GetId()),
			PublicKey:     base64.StdEncoding.EncodeToString(p.GetPublicKey()),
			NextPublicKey: nextKey(p.GetNextPublicKey()),
			Prefixes:      slices.Clone(p.GetPrefixes()),
			Compression:   optionalSwitch(p.Compression),
		}
		for _, l := range p.GetLinks() {
			if l.GetEndpoint() == "" && l.GetObservedEndpoint() == "" && len(l.GetRelay()) == 0 {
				continue // behind NAT, its endpoint not known yet, and not relayed: no path to it
			}
			cp.Links = append(cp.Links, config.PeerLink{Name: l.GetName(), Endpoint: l.GetEndpoint(), Color: l.GetColor(),
				ObservedEndpoint: l.GetObservedEndpoint(), Relay: relayAllocations(l.GetRelay()),
				NAT:     natdisc.NATKind{Mapping: natdisc.Behaviour(l.GetNat().GetMapping()), Filtering: natdisc.Behaviour(l.GetNat().GetFiltering())},
				PunchAt: punchAt(pc, l, now)})
		}
		if len(cp.Links) == 0 {
			continue
		}
		c.Peers = append(c.Peers, cp)
	}
}

func convertDefaults(pc *pb.EdgeConfig, c *config.Config) {
	d := pc.GetDefaults()
	if d != nil {
		c.Defaults.Compression = optionalSwitch(d.Compression)
	}
	c.Defaults.BFD = bfdTimers(d.GetBfd())
	for col, b := range d.GetBfdByColor() {
		if c.Defaults.BFDByColor == nil {
			c.Defaults.BFDByColor = map[string]config.BFDDefaults{}
		}
		c.Defaults.BFDByColor[col] = bfdTimers(b)
	}
}

func bfdTimers(b *pb.BfdTimers) config.BFDDefaults {
	return config.BFDDefaults{
		TxInterval: policy.DurationText(b.GetTxInterval()),
		RxInterval: policy.DurationText(b.GetRxInterval()),
		Multiplier: int(b.GetMultiplier()),
	}
}

// convertBFDAdaptive carries adaptive BFD (EdgeConfig.bfd_adaptive,
// defaults.bfd_adaptive in a file).
func convertBFDAdaptive(pc *pb.EdgeConfig, c *config.Config) {
	a := pc.GetBfdAdaptive()
	if a == nil {
		return
	}
	c.Defaults.BFDAdaptive = config.BFDAdaptive{Enabled: optionalSwitch(a.Enabled),
		IdleRxInterval: policy.DurationText(a.GetIdleRxInterval()), RealtimeInterval: policy.DurationText(a.GetRealtimeInterval())}
}

// convertSteering takes the steering fields (sla_classes, applications,
// disable_builtin_applications, policies, steering, quality_model) as
// package policy converts them.
func convertSteering(pc *pb.EdgeConfig, c *config.Config) {
	c.Set = *policy.FromEdgeConfig(pc)
}

// convertPins carries the controller's path pins; the data plane
// reports and ignores one whose path this edge does not have.
func convertPins(pc *pb.EdgeConfig, c *config.Config) {
	for _, p := range pc.GetPins() {
		m := p.GetMatch()
		cp := config.Pin{
			ID: p.GetId(), Protocol: clampInt(m.GetProtocol()), Src: m.GetSourcePrefix(), Dst: m.GetDestinationPrefix(),
			SrcPort: clampInt(m.GetSourcePort()), DstPort: clampInt(m.GetDestinationPort()), Path: p.GetPathId(),
		}
		if p.ExpiresAt != nil {
			cp.Expires = p.ExpiresAt.AsTime()
		}
		c.Pins = append(c.Pins, cp)
	}
}

// clampInt is v as an int; values beyond int32 become -1, which Validate
// refuses at the field's path.
// convertBGP carries the site's BGP speaker; the controller sends the
// neighbours' passwords themselves, not files.
func convertBGP(pc *pb.EdgeConfig, c *config.Config) {
	b := pc.GetBgp()
	if b == nil {
		return
	}
	c.BGP = config.BGP{LocalAS: int64(b.GetLocalAs()), RouterID: b.GetRouterId(), ListenPort: int(b.GetListenPort()),
		GracefulRestart: optionalSwitch(b.GracefulRestart), Import: bgpPolicy(b.GetImportPolicy()), Export: bgpPolicy(b.GetExportPolicy()),
		OverlayAS: int64(b.GetOverlayAs())}
	if b.ReadvertiseDelayMs != nil {
		c.BGP.ReadvertiseDelay = fmt.Sprintf("%dms", b.GetReadvertiseDelayMs())
	}
	for _, n := range b.GetNeighbors() {
		cn := config.BGPNeighbor{Address: n.GetAddress(), RemoteAS: int64(n.GetRemoteAs()),
			Password: n.GetPassword(), BFD: config.Switch{Given: true, On: n.GetBfd()}, MaxPrefixes: int64(n.GetMaxPrefixes())}
		if s := n.GetMaxPrefixesRestartSeconds(); s != 0 {
			cn.MaxPrefixesRestart = fmt.Sprintf("%ds", s)
		}
		c.BGP.Neighbors = append(c.BGP.Neighbors, cn)
	}
}

// bgpPolicy is a pushed policy in the file's terms; Validate checks it.
func bgpPolicy(p *pb.BgpPolicy) config.BGPPolicy {
	out := config.BGPPolicy{RejectASPaths: p.GetRejectAsPaths(), RejectCommunities: p.GetRejectCommunities(),
		AddCommunities: p.GetAddCommunities()}
	for _, m := range p.GetPrefixes() {
		out.Prefixes = append(out.Prefixes, config.BGPPrefix{Prefix: m.GetPrefix(), MaxLength: clampInt(m.GetMaxLength())})
	}
	return out
}

func clampInt(v uint32) int {
	if v > 1<<31-1 {
		return -1
	}
	return int(v)
}

// optionalSwitch is a proto3 optional bool as a config.Switch.
func optionalSwitch(b *bool) config.Switch {
	if b == nil {
		return config.Switch{}
	}
	return config.Switch{Given: true, On: *b}
}

// rate is bandwidth_bps in the YAML form ParseRate reads; 0: not given.
func rate(bps uint64) string {
	if bps == 0 {
		return ""
	}
	return fmt.Sprintf("%dbit", bps)
}

// convertRelay takes the relay's endpoint; the allocations come with
// the peer links (relayAllocations).
func convertRelay(pc *pb.EdgeConfig, c *config.Config) {
	c.Relay = config.Relay{Endpoint: pc.GetRelay().GetEndpoint()}
}

// relayAllocations converts a peer link's relay allocations; the token
// becomes base64, as a file would hold it.
func relayAllocations(in []*pb.RelayAllocation) []config.RelayAllocation {
	var out []config.RelayAllocation
	for _, a := range in {
		out = append(out, config.RelayAllocation{LocalLink: a.GetLocalLink(), Session: a.GetSession(),
			Side: clampInt(a.GetSide()), Token: base64.StdEncoding.EncodeToString(a.GetToken()), StartRelayed: a.GetStartRelayed()})
	}
	return out
}

// convertNAT carries endpoint discovery (EdgeConfig.nat_traversal).
func convertNAT(pc *pb.EdgeConfig, c *config.Config) {
	n := pc.GetNatTraversal()
	c.NAT.STUNServer = n.GetStunServer()
	if r := n.GetRefreshSeconds(); r > 0 {
		c.NAT.Refresh = fmt.Sprintf("%ds", r)
	}
}

// nextKey is a peer's next key in the configuration's form: "" when it
// is not rotating.
func nextKey(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// maxPunchWait bounds how far ahead of now a punch_at is followed: a
// controller that says later is not waited for longer.
const maxPunchWait = 2 * time.Second

// punchAt reads a peer link's punch_at (the controller's clock) on this
// edge's clock: now plus how far punch_at is ahead of the message's
// controller_time. The two clocks' offset cancels out; what is left is
// the difference between the two edges' delays in receiving their
// configurations. Zero (punch at once) when either time is unset or
// punch_at is not ahead.
func punchAt(pc *pb.EdgeConfig, l *pb.PeerLink, now time.Time) time.Time {
	if pc.GetControllerTime() == nil || l.GetPunchAt() == nil {
		return time.Time{}
	}
	ahead := l.GetPunchAt().AsTime().Sub(pc.GetControllerTime().AsTime())
	if ahead <= 0 {
		return time.Time{}
	}
	return now.Add(min(ahead, maxPunchWait))
}
