package classify

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/patronus-sdwan/patronus/internal/label"
)

// Class names of the built-in catalogue. Configuration may name others;
// the steering policy decides what each class asks of a path.
const (
	ClassVoice       = "voice"
	ClassVideo       = "video"
	ClassInteractive = "interactive"
	ClassBulk        = "bulk"
	ClassDefault     = "default"
)

// UnclassifiedName is the application of flows no rule matches; its
// class is ClassDefault.
const UnclassifiedName = "unclassified"

// App is a compiled application. The pointer is stable for the life of
// the Rules it belongs to.
type App struct {
	Name    string
	Class   string
	Builtin bool   // from the built-in catalogue
	Source  string // built-in entries: where their ports and domains come from
	Index   int    // position in Rules.Apps; -1 for the unclassified app

	rules []rule
}

// Rules is a compiled, validated, ordered list of applications. It is
// immutable and safe for concurrent use.
type Rules struct {
	apps         []*App
	unclassified *App
	byName       map[string]*App
}

// Apps are the applications in match order.
func (r *Rules) Apps() []*App { return r.apps }

// Unclassified is the application of flows nothing matched.
func (r *Rules) Unclassified() *App { return r.unclassified }

// App returns the application with that name.
func (r *Rules) App(name string) (*App, bool) {
	a, ok := r.byName[name]
	return a, ok
}

type portRange struct{ lo, hi uint16 }

// rule is a compiled MatchConfig. Nil sets and empty lists match anything.
type rule struct {
	server, client *bart.Lite
	protos         *[4]uint64 // bit per protocol number
	ports          []portRange
	dscp           uint64 // bit per code point; 0: any
	exact, suffix  map[string]struct{}
	domains        bool
}

// view is a packet seen from one side of its flow.
type view struct {
	client, server netip.Addr
	serverPort     uint16
	ports          bool
	proto, dscp    uint8
	name           string // the server's name, "" when unknown
}

func (r *rule) match(v *view) bool {
	switch {
	case r.protos != nil && r.protos[v.proto>>6]&(1<<(v.proto&63)) == 0:
		return false
	case r.dscp != 0 && r.dscp&(1<<v.dscp) == 0:
		return false
	case len(r.ports) > 0 && !(v.ports && inRanges(r.ports, v.serverPort)):
		return false
	case r.server != nil && !r.server.Contains(v.server):
		return false
	case r.client != nil && !r.client.Contains(v.client):
		return false
	case r.domains && !r.matchName(v.name):
		return false
	}
	return true
}

func inRanges(rs []portRange, p uint16) bool {
	for _, r := range rs {
		if p >= r.lo && p <= r.hi {
			return true
		}
	}
	return false
}

// matchName matches an exact name or any name below a suffix.
func (r *rule) matchName(name string) bool {
	if name == "" {
		return false
	}
	if _, ok := r.exact[name]; ok {
		return true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			if _, ok := r.suffix[name[i+1:]]; ok {
				return true
			}
		}
	}
	return false
}

func (a *App) matches(fwd, rev *view) bool {
	for i := range a.rules {
		if a.rules[i].match(fwd) || a.rules[i].match(rev) {
			return true
		}
	}
	return false
}

// Match returns the first application whose rules match the packet, in
// either direction of its flow, or Unclassified. name is the server name
// known for the flow (from SNI or DNS) and nameAddr the address it
// belongs to; name is "" when none is known.
func (r *Rules) Match(p *Packet, name string, nameAddr netip.Addr) *App {
	fwd := view{client: p.Flow.Src, server: p.Flow.Dst, serverPort: p.Flow.DstPort,
		ports: p.Ports, proto: p.Flow.Proto, dscp: p.DSCP}
	rev := view{client: p.Flow.Dst, server: p.Flow.Src, serverPort: p.Flow.SrcPort,
		ports: p.Ports, proto: p.Flow.Proto, dscp: p.DSCP}
	if name != "" {
		if nameAddr == fwd.server {
			fwd.name = name
		} else if nameAddr == rev.server {
			rev.name = name
		}
	}
	for _, a := range r.apps {
		if a.matches(&fwd, &rev) {
			return a
		}
	}
	return r.unclassified
}

// NewRules validates cfg and compiles it with the built-in catalogue
// (unless disabled) behind it. Its error is a fielderr.List naming each
// bad field.
func NewRules(cfg Config) (*Rules, error) {
	var e errs
	r := &Rules{byName: map[string]*App{}}
	seen := map[string]int{}
	for i, ac := range cfg.Applications {
		at := fmt.Sprintf("applications[%d]", i)
		a := compileApp(&e, at, ac)
		if prev, dup := seen[ac.Name]; dup && ac.Name != "" {
			e.add(at+".name", "%q is already applications[%d]", ac.Name, prev)
			continue
		}
		seen[ac.Name] = i
		a.Index = len(r.apps)
		r.apps = append(r.apps, a)
		r.byName[a.Name] = a
	}
	if !cfg.DisableBuiltin {
		for i, ac := range builtin {
			if _, overridden := r.byName[ac.Name]; overridden {
				continue
			}
			a := compileApp(&e, fmt.Sprintf("builtin[%d]", i), ac)
			a.Builtin, a.Index = true, len(r.apps)
			r.apps = append(r.apps, a)
			r.byName[a.Name] = a
		}
	}
	r.unclassified = &App{Name: UnclassifiedName, Class: ClassDefault, Index: -1}
	if err := e.err(); err != nil {
		return nil, err
	}
	return r, nil
}

// MustRules is NewRules for configurations known to be valid (tests,
// the built-in catalogue); it panics on an error.
func MustRules(cfg Config) *Rules {
	r, err := NewRules(cfg)
	if err != nil {
		panic(err)
	}
	return r
}

func compileApp(e *errs, at string, ac AppConfig) *App {
	a := &App{Name: ac.Name, Class: ac.Class, Source: ac.Source}
	switch {
	case ac.Name == "":
		e.add(at+".name", "required")
	case ac.Name == UnclassifiedName:
		e.add(at+".name", "%q is reserved for flows no application matches", ac.Name)
	case label.Check(ac.Name) != "":
		e.add(at+".name", "%s", label.Check(ac.Name))
	}
	if msg := label.Check(ac.Class); msg != "" {
		e.add(at+".class", "%s", msg)
	}
	if ac.Match.empty() && len(ac.MatchAny) == 0 {
		e.add(at+".match", "no criteria: give at least one of cidrs, source_cidrs, protocols, ports, dscp, domains")
		return a
	}
	if !ac.Match.empty() {
		a.rules = append(a.rules, compileRule(e, at+".match", &ac.Match))
	}
	for j := range ac.MatchAny {
		mat := fmt.Sprintf("%s.match_any[%d]", at, j)
		if ac.MatchAny[j].empty() {
			e.add(mat, "no criteria: give at least one of cidrs, source_cidrs, protocols, ports, dscp, domains")
			continue
		}
		a.rules = append(a.rules, compileRule(e, mat, &ac.MatchAny[j]))
	}
	return a
}

func compileRule(e *errs, at string, m *MatchConfig) rule {
	var r rule
	r.server = compilePrefixes(e, at+".cidrs", m.CIDRs)
	r.client = compilePrefixes(e, at+".source_cidrs", m.SourceCIDRs)
	r.protos = compileProtocols(e, at+".protocols", m.Protocols)
	r.ports = compilePorts(e, at+".ports", m.Ports)
	if len(r.ports) > 0 && r.protos != nil && !hasPortProto(r.protos) {
		e.add(at+".ports", "ports need tcp, udp or sctp among the protocols")
	}
	r.dscp = compileDSCP(e, at+".dscp", m.DSCP)
	r.exact, r.suffix = compileDomains(e, at+".domains", m.Domains)
	r.domains = len(m.Domains) > 0
	return r
}

func hasPortProto(p *[4]uint64) bool {
	for _, n := range []uint8{ProtoTCP, ProtoUDP, ProtoSCTP} {
		if p[n>>6]&(1<<(n&63)) != 0 {
			return true
		}
	}
	return false
}

func compilePrefixes(e *errs, at string, in []string) *bart.Lite {
	if len(in) == 0 {
		return nil
	}
	set := new(bart.Lite)
	for i, s := range in {
		p, err := parsePrefix(s)
		if err != nil {
			e.add(fmt.Sprintf("%s[%d]", at, i), "%v", err)
			continue
		}
		set.Insert(p)
	}
	return set
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or prefix", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or prefix", s)
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (the prefix is %v)", s, p.Masked())
	}
	if p.Addr().Is4In6() { // packets carry IPv4 addresses as IPv4: it would never match
		return netip.Prefix{}, fmt.Errorf("%q is IPv4-mapped IPv6; write the IPv4 prefix", s)
	}
	return p, nil
}

var protoNames = map[string]uint8{
	"icmp": ProtoICMP, "tcp": ProtoTCP, "udp": ProtoUDP, "gre": 47, "esp": 50, "ah": 51,
	"icmpv6": ProtoICMPv6, "ipv6-icmp": ProtoICMPv6, "sctp": ProtoSCTP,
}

func compileProtocols(e *errs, at string, in []string) *[4]uint64 {
	if len(in) == 0 {
		return nil
	}
	set := new([4]uint64)
	for i, s := range in {
		n, ok := protoNames[strings.ToLower(s)]
		if !ok {
			v, err := strconv.ParseUint(s, 10, 8)
			if err != nil {
				e.add(fmt.Sprintf("%s[%d]", at, i), "%q is not a protocol (tcp, udp, sctp, icmp, icmpv6, gre, esp, ah or 0–255)", s)
				continue
			}
			n = uint8(v)
		}
		set[n>>6] |= 1 << (n & 63)
	}
	return set
}

func compilePorts(e *errs, at string, in []string) []portRange {
	var out []portRange
	for i, s := range in {
		r, ok := parsePortRange(s)
		if !ok {
			e.add(fmt.Sprintf("%s[%d]", at, i), "%q is not a port or range", s)
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b portRange) int { return int(a.lo) - int(b.lo) })
	return out
}

func parsePortRange(s string) (portRange, bool) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	if err != nil {
		return portRange{}, false
	}
	if !isRange {
		return portRange{uint16(a), uint16(a)}, true
	}
	b, err := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if err != nil || b < a {
		return portRange{}, false
	}
	return portRange{uint16(a), uint16(b)}, true
}

// dscpNames are the code points of RFC 2474 (CS), 2597 (AF), 3246 (EF),
// 5865 (VOICE-ADMIT) and 8622 (LE).
var dscpNames = map[string]uint8{"ef": 46, "va": 44, "le": 1}

func init() {
	for i := range uint8(8) {
		dscpNames["cs"+strconv.Itoa(int(i))] = i * 8
	}
	for x := uint8(1); x <= 4; x++ {
		for y := uint8(1); y <= 3; y++ {
			dscpNames[fmt.Sprintf("af%d%d", x, y)] = 8*x + 2*y
		}
	}
}

func compileDSCP(e *errs, at string, in []string) uint64 {
	var set uint64
	for i, s := range in {
		n, ok := dscpNames[strings.ToLower(s)]
		if !ok {
			v, err := strconv.ParseUint(s, 10, 8)
			if err != nil || v > 63 {
				e.add(fmt.Sprintf("%s[%d]", at, i), "%q is not a DSCP (0–63, ef, va, le, af11…af43, cs0…cs7)", s)
				continue
			}
			n = uint8(v)
		}
		set |= 1 << n
	}
	return set
}

func compileDomains(e *errs, at string, in []string) (exact, suffix map[string]struct{}) {
	exact, suffix = map[string]struct{}{}, map[string]struct{}{}
	for i, s := range in {
		d := strings.TrimSuffix(strings.ToLower(s), ".")
		wild := strings.HasPrefix(d, "*.")
		if wild {
			d = d[2:]
		}
		if !validDomain(d) {
			e.add(fmt.Sprintf("%s[%d]", at, i), "%q is not a domain name or *.suffix", s)
			continue
		}
		if wild {
			suffix[d] = struct{}{}
		} else {
			exact[d] = struct{}{}
		}
	}
	return exact, suffix
}

// validDomain accepts names of letters, digits, '-' and '_' in labels of
// 1–63 bytes, 253 bytes at most.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
