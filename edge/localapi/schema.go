// Package localapi is the edge's local API: the JSON schema of what the
// running edge shows and takes on its control socket (GET /status, GET
// /flows, PUT /pins, PUT /config) and the handlers that serve it. The
// data plane (edge/dataplane) fills the schema; `patronus status`,
// `paths`, `events`, `flows`, `pin` and `config apply` read and send it.
package localapi

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// Status is what `patronus status --json` shows of the data plane.
type Status struct {
	Site      string            `json:"site"`
	Paths     []PathStatus      `json:"paths"`
	Links     []LinkStatus      `json:"links"`
	Forwarder map[string]uint64 `json:"forwarder"`
	Pins      []Pin             `json:"pins"`
	// Events are steering's log, oldest first: path state changes and
	// decisions that moved flows. EventsDropped: older events the
	// bounded log no longer holds.
	Events        []steer.Event `json:"events"`
	EventsDropped uint64        `json:"events_dropped"`
	// Policies are the steering policies in force, configured then
	// implicit, with the applications each steers.
	Policies []PolicyStatus `json:"policies"`
	// Flows is how many flows the classifier tracks.
	Flows int `json:"flows"`
	// Steering counts events, flows moved and failovers since the start.
	Steering SteeringCounts `json:"steering"`
}

// PolicyStatus is one policy in force.
type PolicyStatus struct {
	Name         string   `json:"name"`
	SLAClass     string   `json:"sla_class"`
	Mode         string   `json:"mode"`
	Colors       []string `json:"colors"`
	Compression  bool     `json:"compression"`
	Applications []string `json:"applications"`
}

// A path's Transport.
const (
	// TransportDirect: to the remote link's endpoint, its configured one
	// or, behind NAT, its observed one (docs/NAT.md).
	TransportDirect = "direct"
	// TransportRelayed: through a relay.
	TransportRelayed = "relayed"
)

// PathStatus is one path's identity and counters. Packets and bytes are
// inner (overlay) traffic; wire bytes are WireGuard's, encrypted.
type PathStatus struct {
	ID         string `json:"id"`
	PeerSite   string `json:"peer_site"`
	LocalLink  string `json:"local_link"`
	RemoteLink string `json:"remote_link"`
	Endpoint   string `json:"endpoint"`
	// Transport is the way the path takes now: TransportDirect to the
	// remote link's endpoint, or TransportRelayed through the relay
	// (docs/NAT.md).
	Transport string `json:"transport"`
	// PublicKey is this site's WireGuard public key on the path and
	// PeerPublicKey the peer's, base64: during a key rotation the paths
	// move to the new key one at a time (docs/CONTROLLER.md).
	PublicKey     string `json:"public_key"`
	PeerPublicKey string `json:"peer_public_key"`
	// Preferred: the path is first in its peer's static preference
	// (cheapest local link, then configuration order), which traffic
	// takes when steering has no path up for it. Steering decides
	// otherwise (State, ActiveFlows).
	Preferred bool `json:"preferred"`
	// RemoteNAT is the remote link's NAT kind ("MAPPING/FILTERING", RFC
	// 4787 names, edge/natdisc) when the path goes to its observed
	// endpoint (it is behind NAT); empty otherwise. Punched: the path
	// punched and has heard from the remote.
	RemoteNAT string `json:"remote_nat,omitempty"`
	Punched   bool   `json:"punched,omitempty"`
	// State is the path's state in the scoring model (up, degraded,
	// down), from its BFD session and probes; Score is 0–100.
	State    string  `json:"state"`
	BFDState string  `json:"bfd_state"`
	Score    float64 `json:"score"`
	// Latency is the probes' mean round-trip time, jitter the forward
	// interarrival jitter (RFC 3550), loss over the probe window; all
	// null until MinProbes probes are resolved.
	LatencyMS   *float64 `json:"latency_ms"`
	JitterMS    *float64 `json:"jitter_ms"`
	LossPct     *float64 `json:"loss_pct"`
	ActiveFlows int      `json:"active_flows"`
	// Suppressed: the path gets no flows for flapping (Penalty, RFC 2439
	// style).
	Suppressed bool          `json:"suppressed"`
	Penalty    float64       `json:"flap_penalty"`
	BFD        BFDStatus     `json:"bfd"`
	Probes     ProbeCounters `json:"probes"`
	// ControlNotSent: BFD and probe packets not sent (no buffer, queue
	// full).
	ControlNotSent uint64     `json:"control_not_sent"`
	TxPackets      uint64     `json:"tx_packets"`
	RxPackets      uint64     `json:"rx_packets"`
	TxBytes        uint64     `json:"tx_bytes"`
	RxBytes        uint64     `json:"rx_bytes"`
	WireTxBytes    uint64     `json:"wire_tx_bytes"`
	WireRxBytes    uint64     `json:"wire_rx_bytes"`
	LastHandshake  *time.Time `json:"last_handshake,omitempty"`
	// Compression on this path; ShimDrops are the shim packets received
	// and dropped, by reason.
	Compression shim.CompressionStatus `json:"compression"`
	ShimDrops   map[string]uint64      `json:"shim_drops"`
}

// BFDStatus is the BFD session of a path.
type BFDStatus struct {
	TxIntervalMS    float64 `json:"tx_interval_ms"`
	DetectionTimeMS float64 `json:"detection_time_ms"`
	RemoteState     string  `json:"remote_state"`
	Diag            string  `json:"diag"`
	PacketsIn       uint64  `json:"packets_in"`
	PacketsOut      uint64  `json:"packets_out"`
	Transitions     uint64  `json:"transitions"`
}

// ProbeCounters are a path's probe counters.
type ProbeCounters struct {
	Sent     uint64  `json:"sent"`
	Replies  uint64  `json:"replies"`
	Lost     uint64  `json:"lost"`
	Late     uint64  `json:"late"`
	RTTMaxMS float64 `json:"rtt_max_ms"`
}

// LinkStatus is one WAN link's socket counters.
type LinkStatus struct {
	Name     string            `json:"name"`
	Port     uint16            `json:"port"`
	Counters map[string]uint64 `json:"counters"`
}

// FlowStatus is one flow the classifier tracks.
type FlowStatus struct {
	Src      string    `json:"src"`
	Dst      string    `json:"dst"`
	SrcPort  uint16    `json:"src_port"`
	DstPort  uint16    `json:"dst_port"`
	Proto    uint8     `json:"proto"`
	App      string    `json:"app"`
	Class    string    `json:"class"`
	Policy   string    `json:"policy"`
	Name     string    `json:"name,omitempty"`
	NameFrom string    `json:"name_from,omitempty"`
	LastSeen time.Time `json:"last_seen"`
	// Started is when the flow was first seen; Path the path its last
	// packet sent from this edge took (the path it was received on when
	// it sent none; "" when pinned or the path is gone); TxBytes,
	// TxPackets what it sent from this edge (inner bytes), over any path;
	// RxBytes, RxPackets what this edge received of it from the paths
	// since it entered the flow table.
	Started   time.Time `json:"started"`
	Path      string    `json:"path,omitempty"`
	TxBytes   uint64    `json:"tx_bytes"`
	RxBytes   uint64    `json:"rx_bytes"`
	TxPackets uint64    `json:"tx_packets"`
	RxPackets uint64    `json:"rx_packets"`
}

// AppTraffic is one application's traffic of this edge over one path
// in a window: the flows that sent or received and their bytes (inner).
// The agent sends it as telemetry's FlowSummary.
type AppTraffic struct {
	App     string `json:"app"`
	Path    string `json:"path"`
	Flows   int    `json:"flows"`
	TxBytes uint64 `json:"tx_bytes"`
	RxBytes uint64 `json:"rx_bytes"`
}

// SteeringCounts are steering's counters since the start.
type SteeringCounts struct {
	Events     map[string]uint64 `json:"events"`      // by kind
	FlowsMoved uint64            `json:"flows_moved"` // active flows its decisions moved
	Failovers  uint64            `json:"failovers"`   // decisions that moved flows off a path that went down
}

// FlowSpec selects packets. Zero fields match anything; ports apply to TCP
// and UDP.
type FlowSpec struct {
	Proto   uint8        `json:"proto,omitempty"` // IP protocol: 6 TCP, 17 UDP
	Src     netip.Prefix `json:"src"`
	Dst     netip.Prefix `json:"dst"`
	SrcPort uint16       `json:"src_port,omitempty"`
	DstPort uint16       `json:"dst_port,omitempty"`
}

// Origins of pins.
const (
	// OriginLocal: set on the edge itself (`patronus pin`, PUT /pins).
	OriginLocal = "local"
	// OriginController: in the configuration the controller sent.
	OriginController = "controller"
)

// Pin sends the packets a FlowSpec selects over one path, whatever
// steering says (GET /status pins, PUT /pins).
//
// Two kinds of pins coexist. Local pins (SetPins) are runtime state of
// the edge; the controller's pins come with the configuration
// (config.Valid.Pins). The forwarder tries the local pins first, in
// order, then the controller's, by ID: for a packet both would match, a
// local pin wins, so an operator at the site can override the
// controller for a while (and `patronus pin --clear` gives control
// back). A controller pin whose path this edge does not have is not an
// error: it is logged, shown in Status with the reason, and ignored.
type Pin struct {
	Flow FlowSpec `json:"flow"`
	Path string   `json:"path"` // Path.ID
	// Origin is OriginLocal or OriginController; PUT /pins ignores
	// it (what it sets is local).
	Origin string `json:"origin,omitempty"`
	// ID and Expires: a controller pin's ID, and when it stops (nil:
	// never).
	ID      int64      `json:"id,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
	// Ignored says why a controller pin is not in force: its path does
	// not exist on this edge, or it expired.
	Ignored string `json:"ignored,omitempty"`
}

// Changes is what a Reconfigure changed.
type Changes struct {
	PeersAdded     []string `json:"peers_added"`
	PeersRemoved   []string `json:"peers_removed"`
	PeersRestarted []string `json:"peers_restarted"` // key changed: paths made anew
	// PeerLinksChanged: peers whose links changed: the paths to the links
	// added or changed were made, those to the links removed or changed
	// closed, the others kept.
	PeerLinksChanged []string `json:"peer_links_changed"`
	RoutesAdded      []string `json:"routes_added"`
	RoutesRemoved    []string `json:"routes_removed"`
	Compression      []string `json:"compression_changed"` // peers whose setting changed
	LANPrefixes      bool     `json:"lan_prefixes_changed"`
	PinsDropped      []Pin    `json:"pins_dropped"` // local pins of paths that are gone
	// ControllerPins: the controller's pins changed.
	ControllerPins bool `json:"controller_pins_changed"`
	// Steering: SLA classes, applications, policies, steering timers,
	// the quality model or BFD timers changed.
	Steering bool `json:"steering_changed"`
	// LinksAdded, LinksRemoved: WAN links opened and closed, with their
	// paths; LinksChanged: links whose colour, cost or bandwidth changed,
	// whose paths were made anew on the same socket.
	LinksAdded   []string `json:"links_added"`
	LinksRemoved []string `json:"links_removed"`
	LinksChanged []string `json:"links_changed"`
	// MTU: the overlay MTU changed (interface, paths, MSS clamping).
	MTU bool `json:"mtu_changed"`
}

// None reports whether nothing changed.
func (c *Changes) None() bool {
	return len(c.PeersAdded)+len(c.PeersRemoved)+len(c.PeersRestarted)+len(c.RoutesAdded)+
		len(c.RoutesRemoved)+len(c.Compression)+len(c.PinsDropped)+len(c.LinksAdded)+len(c.LinksRemoved)+len(c.LinksChanged)+len(c.PeerLinksChanged) == 0 &&
		!c.LANPrefixes && !c.Steering && !c.ControllerPins && !c.MTU
}

// Validate reports the first problem of f: ports without TCP or UDP, a
// prefix with host bits set.
func (f *FlowSpec) Validate() error {
	if (f.SrcPort != 0 || f.DstPort != 0) && f.Proto != 6 && f.Proto != 17 {
		return fmt.Errorf("ports need proto 6 (TCP) or 17 (UDP)")
	}
	for _, p := range []netip.Prefix{f.Src, f.Dst} {
		if p.IsValid() && p != p.Masked() {
			return fmt.Errorf("%s has host bits set", p)
		}
	}
	return nil
}
