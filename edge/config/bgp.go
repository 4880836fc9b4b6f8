package config

import (
	"fmt"
	"math"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// BGP is the bgp section: the edge's BGP speaker towards the site's
// routers (edge/bgp, docs/BGP.md). Left out, or with local_as 0, the edge
// speaks no BGP.
type BGP struct {
	LocalAS  int64  `yaml:"local_as"`
	RouterID string `yaml:"router_id"`
	// ListenPort is the TCP port the speaker accepts sessions on (0: 179;
	// -1: none, the edge only connects).
	ListenPort int `yaml:"listen_port"`
	// OverlayAS is the administrator of the site-of-origin extended
	// community that marks the overlay's routes (0: DefaultOverlayAS).
	OverlayAS       int64  `yaml:"overlay_as"`
	GracefulRestart Switch `yaml:"graceful_restart"`
	// ReadvertiseDelay is the first hold-down before a site's prefixes
	// are announced again after every path to it went down (damping).
	ReadvertiseDelay string        `yaml:"readvertise_delay"`
	Neighbors        []BGPNeighbor `yaml:"neighbors"`
	Import           BGPPolicy     `yaml:"import"`
	Export           BGPPolicy     `yaml:"export"`
}

// BGPNeighbor is one router of the site.
type BGPNeighbor struct {
	Address      string `yaml:"address"`
	RemoteAS     int64  `yaml:"remote_as"`
	Port         int    `yaml:"port"`
	LocalAddress string `yaml:"local_address"`
	PasswordFile string `yaml:"password_file"`
	// Password comes from the controller only (EdgeConfig.bgp); a file
	// names a password_file instead.
	Password string `yaml:"-"`
	BFD      Switch `yaml:"bfd"`
	// MaxPrefixes closes the session (Cease, maximum number of prefixes
	// reached) when the router sends more; 0: DefaultMaxPrefixes.
	MaxPrefixes int64 `yaml:"max_prefixes"`
	// MaxPrefixesRestart is how long a session closed by its prefix
	// limit stays down before the edge tries it again ("":
	// DefaultMaxPrefixesRestart).
	MaxPrefixesRestart string `yaml:"max_prefixes_restart"`
}

// BGPPolicy filters routes (import: from the routers; export: to them).
// A route passes when it matches one of Prefixes (all routes when empty),
// and none of RejectASPaths and RejectCommunities; AddCommunities are
// then added to it.
type BGPPolicy struct {
	Prefixes          []BGPPrefix `yaml:"prefixes"`
	RejectASPaths     []string    `yaml:"reject_as_paths"`
	RejectCommunities []string    `yaml:"reject_communities"`
	AddCommunities    []string    `yaml:"add_communities"`
}

// BGPPrefix matches a prefix and, up to MaxLength, the longer prefixes
// inside it (0: the prefix only).
type BGPPrefix struct {
	Prefix    string `yaml:"prefix"`
	MaxLength int    `yaml:"max_length"`
}

// Defaults of the bgp section.
const (
	DefaultBGPPort = 179
	// DefaultOverlayAS is a private 4-byte AS (RFC 6996) that administers
	// the site-of-origin communities of the overlay's routes.
	DefaultOverlayAS = 4200000000
	// DefaultMaxPrefixes bounds what one router may send: a full Internet
	// table offered by mistake closes the session instead of filling the
	// edge's memory and every site's route table.
	DefaultMaxPrefixes = 10000
	// DefaultMaxPrefixesRestart is how long a session closed by its
	// prefix limit stays down before it is tried again (a router that
	// still sends too many closes it again), as routers' "maximum-prefix
	// N restart M" do.
	DefaultMaxPrefixesRestart = time.Minute
	minMaxPrefixesRestart     = time.Second
	maxMaxPrefixesRestart     = 24 * time.Hour
	// DefaultReadvertiseDelay is the first damping hold-down (edge/bgp).
	DefaultReadvertiseDelay = time.Second
	maxReadvertiseDelay     = time.Minute
)

// ValidBGP is a validated bgp section.
type ValidBGP struct {
	LocalAS          uint32
	RouterID         netip.Addr // invalid: chosen at start (edge/bgp)
	ListenPort       int32      // -1: no listening socket
	OverlayAS        uint32
	GracefulRestart  bool
	ReadvertiseDelay time.Duration
	Neighbors        []ValidBGPNeighbor
	Import, Export   ValidBGPPolicy
}

// ValidBGPNeighbor is a validated neighbour. Password is the TCP MD5 key
// (RFC 2385), never printed.
type ValidBGPNeighbor struct {
	Address      netip.Addr
	RemoteAS     uint32
	Port         uint16
	LocalAddress netip.Addr
	Password     string `json:"-"`
	BFD          bool
	MaxPrefixes  uint32
	// MaxPrefixesRestart: see BGPNeighbor.
	MaxPrefixesRestart time.Duration
}

// ValidBGPPolicy is a validated policy; the community strings are in
// GoBGP's "AS:VALUE" form, the AS paths regular expressions.
type ValidBGPPolicy struct {
	Prefixes          []ValidBGPPrefix
	RejectASPaths     []string
	RejectCommunities []string
	AddCommunities    []string
}

// ValidBGPPrefix is a validated prefix match.
type ValidBGPPrefix struct {
	Prefix    netip.Prefix
	MaxLength int
}

// Empty reports whether the policy does nothing.
func (p ValidBGPPolicy) Empty() bool {
	return len(p.Prefixes)+len(p.RejectASPaths)+len(p.RejectCommunities)+len(p.AddCommunities) == 0
}

// checkBGP validates the bgp section; nil when BGP is off.
func checkBGP(e *errs, b BGP) *ValidBGP {
	if b.LocalAS == 0 {
		if len(b.Neighbors) > 0 {
			e.add("bgp.local_as", "required when bgp.neighbors are given (1..4294967295)")
		}
		return nil
	}
	v := &ValidBGP{LocalAS: checkASN(e, "bgp.local_as", b.LocalAS), OverlayAS: DefaultOverlayAS}
	if b.RouterID != "" {
		a, err := netip.ParseAddr(b.RouterID)
		if err != nil || !a.Is4() || a.IsUnspecified() {
			e.add("bgp.router_id", "%q is not an IPv4 address (a BGP identifier is 32 bits, e.g. 10.1.0.1)", b.RouterID)
		}
		v.RouterID = a
	}
	v.ListenPort = checkListenPort(e, b.ListenPort)
	if b.OverlayAS != 0 {
		v.OverlayAS = checkASN(e, "bgp.overlay_as", b.OverlayAS)
	}
	v.GracefulRestart = checkSwitch(e, "bgp.graceful_restart", b.GracefulRestart, true)
	v.ReadvertiseDelay = checkReadvertise(e, b.ReadvertiseDelay)
	v.Neighbors = checkNeighbors(e, b.Neighbors)
	v.Import = checkPolicy(e, "bgp.import", b.Import)
	v.Export = checkPolicy(e, "bgp.export", b.Export)
	return v
}

func checkASN(e *errs, path string, n int64) uint32 {
	if n < 1 || n > math.MaxUint32 || n == 23456 {
		e.add(path, "%d: must be an AS number 1..4294967295 (not 23456, AS_TRANS)", n)
		return 0
	}
	return uint32(n)
}

func checkListenPort(e *errs, p int) int32 {
	switch {
	case p == 0:
		return DefaultBGPPort
	case p == -1 || (p >= 1 && p <= 65535):
		return int32(p)
	}
	e.add("bgp.listen_port", "%d: must be 1..65535, or -1 for none", p)
	return 0
}

func checkReadvertise(e *errs, s string) time.Duration {
	if s == "" {
		return DefaultReadvertiseDelay
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxReadvertiseDelay {
		e.add("bgp.readvertise_delay", "%q: want a duration from 0s to %s (e.g. 1s)", s, maxReadvertiseDelay)
	}
	return d
}

func checkNeighbors(e *errs, in []BGPNeighbor) []ValidBGPNeighbor {
	out := make([]ValidBGPNeighbor, 0, len(in))
	seen := map[netip.Addr]int{}
	for i, n := range in {
		at := fmt.Sprintf("bgp.neighbors[%d]", i)
		v := checkNeighbor(e, at, n)
		if j, dup := seen[v.Address]; dup && v.Address.IsValid() {
			e.add(at+".address", "%s repeats bgp.neighbors[%d]", v.Address, j)
			continue
		}
		seen[v.Address] = i
		out = append(out, v)
	}
	return out
}

func checkNeighbor(e *errs, at string, n BGPNeighbor) ValidBGPNeighbor {
	v := ValidBGPNeighbor{Port: DefaultBGPPort, MaxPrefixes: DefaultMaxPrefixes, MaxPrefixesRestart: DefaultMaxPrefixesRestart}
	v.Address = checkUnicast(e, at+".address", n.Address, true)
	v.RemoteAS = checkASN(e, at+".remote_as", n.RemoteAS)
	if n.Port != 0 {
		if n.Port < 1 || n.Port > 65535 {
			e.add(at+".port", "%d: must be 1..65535", n.Port)
		}
		v.Port = uint16(n.Port)
	}
	v.LocalAddress = checkUnicast(e, at+".local_address", n.LocalAddress, false)
	if v.LocalAddress.IsValid() && v.Address.IsValid() && v.LocalAddress.Is4() != v.Address.Is4() {
		e.add(at+".local_address", "%s and the address %s are of different families", v.LocalAddress, v.Address)
	}
	switch {
	case n.PasswordFile != "":
		v.Password = checkPasswordFile(e, at+".password_file", n.PasswordFile)
	case n.Password != "":
		if msg := CheckBGPPassword(n.Password); msg != "" {
			e.add(at+".password", "%s", msg)
		}
		v.Password = n.Password
	}
	v.BFD = checkSwitch(e, at+".bfd", n.BFD, false)
	if n.MaxPrefixes != 0 {
		if n.MaxPrefixes < 1 || n.MaxPrefixes > 10_000_000 {
			e.add(at+".max_prefixes", "%d: must be 1..10000000", n.MaxPrefixes)
		}
		v.MaxPrefixes = uint32(n.MaxPrefixes)
	}
	if n.MaxPrefixesRestart != "" {
		d, err := time.ParseDuration(n.MaxPrefixesRestart)
		if err != nil || d < minMaxPrefixesRestart || d > maxMaxPrefixesRestart {
			e.add(at+".max_prefixes_restart", "%q: want a duration from %s to %s (e.g. 1m)", n.MaxPrefixesRestart, minMaxPrefixesRestart, maxMaxPrefixesRestart)
		}
		v.MaxPrefixesRestart = d
	}
	return v
}

// checkUnicast parses a unicast address (no zone).
func checkUnicast(e *errs, path, s string, required bool) netip.Addr {
	if s == "" {
		if required {
			e.add(path, "required (an IPv4 or IPv6 address)")
		}
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.IsUnspecified() || a.IsMulticast() {
		e.add(path, "%q is not a unicast IPv4 or IPv6 address", s)
		return netip.Addr{}
	}
	return a.Unmap()
}

// checkPasswordFile reads a TCP MD5 password. Like a private key, the file
// must not be readable by group or others; its content never appears in
// an error.
func checkPasswordFile(e *errs, path, file string) string {
	st, err := os.Stat(file)
	if err != nil {
		e.add(path, "%v", err)
		return ""
	}
	if st.Mode().Perm()&0o077 != 0 {
		e.add(path, "%s is readable by group or others (mode %o): chmod 600 it", file, st.Mode().Perm())
		return ""
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		e.add(path, "%v", err)
		return ""
	}
	pw := strings.TrimRight(string(raw), "\r\n")
	if msg := CheckBGPPassword(pw); msg != "" {
		e.add(path, "%s: %s", file, msg)
		return ""
	}
	return pw
}

// CheckBGPPassword returns what is wrong with a TCP MD5 password, or "":
// Linux takes keys of 1 to 80 bytes (TCP_MD5SIG_MAXKEYLEN); printable
// ASCII keeps it typeable on a router.
func CheckBGPPassword(pw string) string {
	if len(pw) == 0 || len(pw) > 80 {
		return fmt.Sprintf("the password has %d bytes: want 1..80", len(pw))
	}
	for _, c := range []byte(pw) {
		if c < 0x20 || c > 0x7e {
			return "the password must be printable ASCII on one line"
		}
	}
	return ""
}

func checkPolicy(e *errs, at string, p BGPPolicy) ValidBGPPolicy {
	var v ValidBGPPolicy
	for i, m := range p.Prefixes {
		v.Prefixes = append(v.Prefixes, checkPrefixMatch(e, fmt.Sprintf("%s.prefixes[%d]", at, i), m))
	}
	for i, re := range p.RejectASPaths {
		path := fmt.Sprintf("%s.reject_as_paths[%d]", at, i)
		if _, err := regexp.Compile(re); err != nil || re == "" {
			e.add(path, "%q is not a regular expression over the AS path (e.g. _65999_ or ^65001$)", re)
		}
		v.RejectASPaths = append(v.RejectASPaths, re)
	}
	v.RejectCommunities = checkCommunities(e, at+".reject_communities", p.RejectCommunities)
	v.AddCommunities = checkCommunities(e, at+".add_communities", p.AddCommunities)
	return v
}

func checkPrefixMatch(e *errs, at string, m BGPPrefix) ValidBGPPrefix {
	p, err := netip.ParsePrefix(m.Prefix)
	switch {
	case err != nil:
		e.add(at+".prefix", "%q is not a prefix (e.g. 10.0.0.0/8)", m.Prefix)
		return ValidBGPPrefix{}
	case p != p.Masked():
		e.add(at+".prefix", "%s has host bits set: did you mean %s?", m.Prefix, p.Masked())
	}
	v := ValidBGPPrefix{Prefix: p.Masked(), MaxLength: p.Bits()}
	if m.MaxLength != 0 {
		if m.MaxLength < p.Bits() || m.MaxLength > p.Addr().BitLen() {
			e.add(at+".max_length", "%d: must be %d..%d", m.MaxLength, p.Bits(), p.Addr().BitLen())
		}
		v.MaxLength = m.MaxLength
	}
	return v
}

// checkCommunities takes standard communities "AS:VALUE", both 0..65535.
func checkCommunities(e *errs, at string, in []string) []string {
	var out []string
	for i, s := range in {
		if !validCommunity(s) {
			e.add(fmt.Sprintf("%s[%d]", at, i), "%q is not a community: want AS:VALUE, each 0..65535 (e.g. 65000:100)", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

func validCommunity(s string) bool {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	for _, f := range []string{a, b} {
		n, err := strconv.ParseUint(f, 10, 16)
		if err != nil || strconv.FormatUint(n, 10) != f {
			return false
		}
	}
	return true
}

// CheckBGPPolicy validates a policy given elsewhere than in a file (the
// controller's API); errors name the fields under at (e.g.
// "policy.prefixes[0].prefix").
func CheckBGPPolicy(at string, p BGPPolicy) error {
	var e errs
	checkPolicy(&e, at, p)
	return e.err()
}
