package config

import (
	"crypto/ecdh"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gaissmai/bart"

	"github.com/patronus-sdwan/patronus/bfd/session"
	"github.com/patronus-sdwan/patronus/edge/natdisc"
	"github.com/patronus-sdwan/patronus/internal/bfdcfg"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
	"github.com/patronus-sdwan/patronus/internal/label"
	"github.com/patronus-sdwan/patronus/policy"
)

// Defaults of the fields that may be left out.
const (
	DefaultOverlayInterface = "patronus0"
	// DefaultOverlayMTU leaves room for WireGuard over IPv6 on a 1500-byte
	// link (1500 − 40 IPv6 − 8 UDP − 32 WireGuard), as wg-quick does.
	DefaultOverlayMTU = 1420
	// DefaultListenPort is the first WAN link's port; link i gets +i.
	DefaultListenPort = 51820
	minMTU, maxMTU    = 1280, 9000 // 1280: the IPv6 minimum
)

// Valid is a configuration that passed Validate, in typed form.
type Valid struct {
	Name        string
	ID          uint16
	PrivateKey  *ecdh.PrivateKey `json:"-"`
	LANPrefixes []netip.Prefix
	Overlay     Overlay
	Links       []ValidLink
	Peers       []ValidPeer
	Compression bool // defaults.compression; each peer has its own setting
	// BFD: the timers of BFD in the paths (defaults.bfd); BFDByColor the
	// overrides by local link colour. See PathBFD.
	BFD        session.Config
	BFDByColor map[string]session.Config
	// Adaptive: adaptive BFD (defaults.bfd_adaptive). See PathBFDFor.
	Adaptive AdaptiveBFD
	Steering policy.Compiled
	// Pins are the controller's path pins of this edge, in order.
	Pins []ValidPin
	// BGP is the bgp section; nil when the edge speaks no BGP.
	BGP *ValidBGP
	// Relay is the relay's address (relay.go); invalid when there is
	// none.
	Relay netip.AddrPort
	// NAT is endpoint discovery; NAT.STUNServer invalid: none.
	NAT ValidNAT
}

// ValidLink is a validated WAN link.
type ValidLink struct {
	Name, Interface, Color string
	LocalAddress           netip.Addr // invalid when only Interface is given
	ListenPort             uint16
	Cost                   int
	Bandwidth              uint64 // bits per second; 0 when not given
}

// ValidPeer is a validated peer site.
type ValidPeer struct {
	Name      string
	ID        uint16
	PublicKey *ecdh.PublicKey
	// NextPublicKey is the key the peer is rotating to; nil when it is
	// not rotating (docs/CONTROLLER.md, key rotation).
	NextPublicKey *ecdh.PublicKey
	Prefixes      []netip.Prefix
	Links         []ValidPeerLink
	// Compression: LZ4 on the paths to this peer (peers[].compression,
	// else defaults.compression), once the peer accepts it.
	Compression bool
}

// ValidPeerLink is a validated WAN link of a peer.
type ValidPeerLink struct {
	Name, Color string
	// Endpoint is invalid when the link has none (then it has Relay).
	Endpoint netip.AddrPort
	// Relay holds the path's relay allocation by local link name
	// (relay.go); nil when the paths to this link are not relayed.
	Relay map[string]ValidRelay
	// Observed: Endpoint is the link's observed endpoint (it is behind
	// NAT, of kind NAT; NAT is zero otherwise): the paths to it punch.
	Observed bool
	NAT      natdisc.NATKind
	// PunchAt is when the paths to an Observed link start punching
	// (edge/dataplane nat.go); zero: at once.
	PunchAt time.Time
}

// Paths is the number of paths (local link × remote link) to all peers.
func (v *Valid) Paths() int {
	n := 0
	for _, p := range v.Peers {
		n += len(v.Links) * len(p.Links)
	}
	return n
}

// Validate checks the whole configuration and reports every problem with
// its field path; nothing is half-accepted.
func (c *Config) Validate() (*Valid, error) {
	var e errs
	v := &Valid{Overlay: c.Overlay}
	v.Name, v.ID = c.Site.Name, checkSite(&e, c.Site)
	v.PrivateKey = checkKeyFile(&e, "private_key_file", c.PrivateKeyFile)
	v.LANPrefixes = checkPrefixes(&e, "lan_prefixes", c.LANPrefixes, true)
	checkOverlay(&e, &v.Overlay)
	v.Links = checkLinks(&e, c.Links)
	var defaults errs // reported after the peers, in file order; the peers need the value
	v.Compression = checkSwitch(&defaults, "defaults.compression", c.Defaults.Compression, false)
	v.Peers = checkPeers(&e, c, v)
	checkRelay(&e, c, v)
	e.list = append(e.list, defaults.list...)
	v.BFD, v.BFDByColor = checkPathBFD(&e, c, v.Links)
	v.Adaptive = checkAdaptive(&e, c.Defaults.BFDAdaptive)
	steering, problems := c.Set.Compile()
	v.Steering = *steering
	e.list = append(e.list, problems...)
	v.Pins = checkPins(&e, c.Site.Name, c.Pins)
	v.BGP = checkBGP(&e, c.BGP)
	v.NAT = checkNAT(&e, c.NAT)
	if err := e.err(); err != nil {
		return nil, err
	}
	return v, nil
}

func checkSite(e *errs, s Site) uint16 {
	checkLabel(e, "site.name", s.Name)
	if s.ID < 1 || s.ID > 65535 {
		e.add("site.id", "%d: must be 1..65535, unique among the sites", s.ID)
		return 0
	}
	return uint16(s.ID)
}

// checkLabel applies the one name rule (internal/label).
func checkLabel(e *errs, path, s string) {
	if msg := label.Check(s); msg != "" {
		e.add(path, "%s", msg)
	}
}

// checkKeyFile reads the private key. The key must not be readable by
// group or others; its content never appears in an error.
func checkKeyFile(e *errs, path, file string) *ecdh.PrivateKey {
	if file == "" {
		e.add(path, "required (make one with: patronus keygen --out FILE)")
		return nil
	}
	st, err := os.Stat(file)
	if err != nil {
		e.add(path, "%v", err)
		return nil
	}
	if st.Mode().Perm()&0o077 != 0 {
		e.add(path, "%s is readable by group or others (mode %o): chmod 600 it", file, st.Mode().Perm())
		return nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		e.add(path, "%v", err)
		return nil
	}
	key, err := decodeKey(strings.TrimSpace(string(raw)))
	if err != nil {
		e.add(path, "%s: %v", file, err)
		return nil
	}
	priv, err := ecdh.X25519().NewPrivateKey(key)
	if err != nil {
		e.add(path, "%s: not a Curve25519 private key", file)
		return nil
	}
	return priv
}

func decodeKey(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("not a key: want 32 bytes in base64 (patronus keygen, wg genkey)")
	}
	return b, nil
}

// checkPrefixes parses CIDR prefixes; they must be canonical (no host
// bits) and distinct.
func checkPrefixes(e *errs, path string, in []string, required bool) []netip.Prefix {
	if required && len(in) == 0 {
		e.add(path, "at least one prefix is required")
	}
	out := make([]netip.Prefix, 0, len(in))
	seen := map[netip.Prefix]int{}
	for i, s := range in {
		p, err := netip.ParsePrefix(s)
		at := indexed(path, i)
		switch {
		case err != nil:
			e.add(at, "%q is not a prefix (e.g. 10.1.0.0/24)", s)
			continue
		case p != p.Masked():
			e.add(at, "%s has host bits set: did you mean %s?", s, p.Masked())
			continue
		}
		if j, dup := seen[p]; dup {
			e.add(at, "%s repeats %s[%d]", s, path, j)
			continue
		}
		seen[p] = i
		out = append(out, p)
	}
	return out
}

// indexed is path[i]. Written without fmt: it runs once per prefix.
func indexed(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func checkOverlay(e *errs, o *Overlay) {
	if o.Interface == "" {
		o.Interface = DefaultOverlayInterface
	}
	if len(o.Interface) > 15 || strings.ContainsAny(o.Interface, "/ \t\n:") {
		e.add("overlay.interface", "%q is not a Linux interface name (at most 15 characters, no '/', ':' or spaces)", o.Interface)
	}
	if o.MTU == 0 {
		o.MTU = DefaultOverlayMTU
	}
	if o.MTU < minMTU || o.MTU > maxMTU {
		e.add("overlay.mtu", "%d is out of range %d..%d", o.MTU, minMTU, maxMTU)
	}
}

func checkLinks(e *errs, in []Link) []ValidLink {
	if len(in) == 0 {
		e.add("links", "at least one WAN link is required")
	}
	out := make([]ValidLink, 0, len(in))
	names := map[string]int{}
	ports := map[netip.AddrPort]int{}
	for i, l := range in {
		at := fmt.Sprintf("links[%d]", i)
		v := checkLink(e, at, i, l)
		if j, dup := names[l.Name]; dup && l.Name != "" {
			e.add(at+".name", "%q is also the name of links[%d]", l.Name, j)
		}
		names[l.Name] = i
		key := netip.AddrPortFrom(v.LocalAddress, v.ListenPort)
		if j, dup := ports[key]; dup {
			e.add(at+".listen_port", "%d is already used by links[%d] on the same address", v.ListenPort, j)
		}
		ports[key] = i
		out = append(out, v)
	}
	return out
}

func checkLink(e *errs, at string, i int, l Link) ValidLink {
	checkLabel(e, at+".name", l.Name)
	checkLabel(e, at+".color", l.Color)
	v := ValidLink{Name: l.Name, Interface: l.Interface, Color: l.Color, Cost: l.Cost}
	if l.Interface == "" && l.LocalAddress == "" {
		e.add(at, "give interface, local_address or both")
	}
	if l.LocalAddress != "" {
		a, err := netip.ParseAddr(l.LocalAddress)
		if err != nil || a.Zone() != "" {
			e.add(at+".local_address", "%q is not an IP address", l.LocalAddress)
		}
		v.LocalAddress = a.Unmap()
	}
	switch {
	case l.ListenPort == 0:
		v.ListenPort = uint16(DefaultListenPort + i)
	case l.ListenPort < 1 || l.ListenPort > 65535:
		e.add(at+".listen_port", "%d is out of range 1..65535", l.ListenPort)
	default:
		v.ListenPort = uint16(l.ListenPort)
	}
	if l.Cost < 0 {
		e.add(at+".cost", "%d: must not be negative", l.Cost)
	}
	if l.Bandwidth != "" {
		bw, err := ParseRate(l.Bandwidth)
		if err != nil {
			e.add(at+".bandwidth", "%v", err)
		}
		v.Bandwidth = bw
	}
	return v
}

// ParseRate parses a rate such as 50Mbit, 1.5Gbit or 800kbit (bits per
// second; the suffix /s is accepted).
func ParseRate(s string) (uint64, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	mult := map[string]float64{"kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "bit": 1}
	for _, unit := range []string{"kbit", "mbit", "gbit", "bit"} {
		if num, ok := strings.CutSuffix(strings.ToLower(t), unit); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || f <= 0 {
				break
			}
			return uint64(f * mult[unit]), nil
		}
	}
	return 0, fmt.Errorf("%q is not a rate (e.g. 50Mbit, 1Gbit, 800kbit)", s)
}

func checkPeers(e *errs, c *Config, v *Valid) []ValidPeer {
	out := make([]ValidPeer, 0, len(c.Peers))
	names := map[string]int{}
	ids := map[int]int{}
	owner := &owners{}
	for _, p := range v.LANPrefixes {
		owner.t.Insert(p, "lan_prefixes")
	}
	for i, p := range c.Peers {
		at := fmt.Sprintf("peers[%d]", i)
		vp := checkPeer(e, at, p, owner)
		vp.Compression = checkSwitch(e, at+".compression", p.Compression, v.Compression)
		switch j, dup := names[p.Name]; {
		case p.Name == c.Site.Name && p.Name != "":
			e.add(at+".name", "%q is this site's own name", p.Name)
		case dup && p.Name != "":
			e.add(at+".name", "%q is also the name of peers[%d]", p.Name, j)
		}
		names[p.Name] = i
		switch j, dup := ids[p.ID]; {
		case p.ID == c.Site.ID && p.ID != 0:
			e.add(at+".id", "%d is this site's own id", p.ID)
		case dup && p.ID != 0:
			e.add(at+".id", "%d is also the id of peers[%d]", p.ID, j)
		}
		ids[p.ID] = i
		out = append(out, vp)
	}
	checkEndpointsOutsidePrefixes(e, v.Links, out)
	return out
}

// checkEndpointsOutsidePrefixes refuses a peer prefix that covers a WAN
// endpoint, a peer's or a local link's: routed into the overlay, the
// traffic that carries the overlay would be sent into itself and the edge
// cut off.
func checkEndpointsOutsidePrefixes(e *errs, local []ValidLink, peers []ValidPeer) {
	type endpoint struct {
		field string
		addr  netip.Addr
	}
	var eps []endpoint
	for i, l := range local {
		if l.LocalAddress.IsValid() {
			eps = append(eps, endpoint{fmt.Sprintf("links[%d].local_address", i), l.LocalAddress})
		}
	}
	for i, p := range peers {
		for j, l := range p.Links {
			if l.Endpoint.IsValid() {
				eps = append(eps, endpoint{fmt.Sprintf("peers[%d].links[%d].endpoint", i, j), l.Endpoint.Addr()})
			}
		}
	}
	for i, p := range peers {
		for j, pfx := range p.Prefixes {
			for _, ep := range eps {
				if pfx.Contains(ep.addr) {
					e.add(fmt.Sprintf("peers[%d].prefixes[%d]", i, j),
						"%s covers %s (%s): routed into the overlay, the WAN traffic that carries it would be cut off", pfx, ep.addr, ep.field)
				}
			}
		}
	}
}

// owners are the prefixes routed so far with the field that routes
// each (the first one that did). A table, not a list: a site's BGP
// routers can give a peer 100,000 prefixes, and comparing each with every
// other one took minutes (BenchmarkValidatePeerPrefixes).
type owners struct{ t bart.Table[string] }

// claim records pfx as routed by field, and reports at the prefix's own
// path (at) the owners it repeats or overlaps.
func (o *owners) claim(e *errs, at func() string, pfx netip.Prefix, field string) {
	if !o.t.OverlapsPrefix(pfx) {
		o.t.Insert(pfx, field)
		return
	}
	if f, dup := o.t.Get(pfx); dup {
		e.add(at(), "%s is already routed to %s", pfx, f)
		return
	}
	for sup, f := range o.t.Supernets(pfx) {
		e.add(at(), "%s overlaps %s of %s: an address must belong to one site", pfx, sup, f)
	}
	for sub, f := range o.t.Subnets(pfx) {
		e.add(at(), "%s overlaps %s of %s: an address must belong to one site", pfx, sub, f)
	}
	o.t.Insert(pfx, field)
}

func checkPeer(e *errs, at string, p Peer, owner *owners) ValidPeer {
	checkLabel(e, at+".name", p.Name)
	vp := ValidPeer{Name: p.Name}
	if p.ID < 1 || p.ID > 65535 {
		e.add(at+".id", "%d: must be 1..65535", p.ID)
	} else {
		vp.ID = uint16(p.ID)
	}
	if raw, err := decodeKey(p.PublicKey); err != nil {
		e.add(at+".public_key", "%v", err)
	} else if pub, err := ecdh.X25519().NewPublicKey(raw); err == nil {
		vp.PublicKey = pub
	}
	vp.NextPublicKey = checkNextKey(e, at+".next_public_key", p.NextPublicKey, vp.PublicKey)
	vp.Prefixes = checkPrefixes(e, at+".prefixes", p.Prefixes, true)
	for i, pfx := range vp.Prefixes {
		owner.claim(e, func() string { return fmt.Sprintf("%s.prefixes[%d]", at, i) }, pfx, at)
	}
	vp.Links = checkPeerLinks(e, at+".links", p.Links)
	return vp
}

func checkPeerLinks(e *errs, at string, in []PeerLink) []ValidPeerLink {
	if len(in) == 0 {
		e.add(at, "at least one link is required")
	}
	out := make([]ValidPeerLink, 0, len(in))
	names := map[string]int{}
	for i, l := range in {
		p := fmt.Sprintf("%s[%d]", at, i)
		checkLabel(e, p+".name", l.Name)
		checkLabel(e, p+".color", l.Color)
		if j, dup := names[l.Name]; dup && l.Name != "" {
			e.add(p+".name", "%q is also the name of %s[%d]", l.Name, at, j)
		}
		names[l.Name] = i
		field, text, observed := p+".endpoint", l.Endpoint, false
		if l.Endpoint == "" && l.ObservedEndpoint != "" {
			field, text, observed = p+".observed_endpoint", l.ObservedEndpoint, true
		}
		var ap netip.AddrPort
		if text != "" || len(l.Relay) == 0 { // without an endpoint, a link is reached through the relay only
			var err error
			if ap, err = netip.ParseAddrPort(text); err != nil || ap.Port() == 0 {
				e.add(field, "%q is not ADDRESS:PORT (e.g. 198.51.100.7:51820 or [2001:db8::7]:51820)", text)
			}
		}
		vl := ValidPeerLink{Name: l.Name, Color: l.Color, Endpoint: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), Observed: observed}
		if observed { // a configured endpoint's paths do not depend on it (nor restart when it is learnt)
			vl.NAT, vl.PunchAt = l.NAT, l.PunchAt
		}
		out = append(out, vl)
	}
	return out
}

func checkSwitch(e *errs, path string, s Switch, def bool) bool {
	if s.bad != "" {
		e.add(path, "%s is not a boolean: use true or false", s.bad)
		return def
	}
	return s.Of(def)
}

// checkBFDTimers validates BFD timers at field path at; empty fields take
// def's.
func checkBFDTimers(e *errs, at string, b BFDDefaults, def session.Config) session.Config {
	cfg := def
	var err error
	if cfg.DesiredMinTx, err = bfdcfg.ParseInterval(at+".tx_interval", b.TxInterval, def.DesiredMinTx); err != nil {
		e.list = append(e.list, splitField(err))
	}
	if cfg.RequiredMinRx, err = bfdcfg.ParseInterval(at+".rx_interval", b.RxInterval, def.RequiredMinRx); err != nil {
		e.list = append(e.list, splitField(err))
	}
	switch {
	case b.Multiplier == 0:
	case b.Multiplier < 1 || b.Multiplier > 255:
		e.add(at+".multiplier", "%d is out of range 1..255", b.Multiplier)
	default:
		cfg.DetectMult = uint8(b.Multiplier)
	}
	return cfg
}

// splitField turns "path: message" from bfdcfg into a field error.
func splitField(err error) fielderr.Error {
	path, msg, _ := strings.Cut(err.Error(), ": ")
	return fielderr.Error{Path: path, Msg: msg}
}

// checkNextKey validates a peer's next public key: empty (not rotating),
// or a key other than the current one.
func checkNextKey(e *errs, field, s string, cur *ecdh.PublicKey) *ecdh.PublicKey {
	if s == "" {
		return nil
	}
	raw, err := decodeKey(s)
	if err != nil {
		e.add(field, "%v", err)
		return nil
	}
	pub, err := ecdh.X25519().NewPublicKey(raw)
	if err != nil {
		e.add(field, "%v", err)
		return nil
	}
	if cur != nil && pub.Equal(cur) {
		e.add(field, "is the current public_key: a next key must differ")
		return nil
	}
	return pub
}
