package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Pin is a path pin the controller set for this edge (EdgeConfig.pins).
// A configuration file has none (the field is not in the YAML schema):
// pins set on the edge itself (`patronus pin`) are runtime state of the
// data plane, not configuration.
type Pin struct {
	ID       int64
	Protocol int    // 0: any; else 1..255
	Src, Dst string // prefixes without host bits; empty: any
	SrcPort  int    // 0: any; needs protocol 6 or 17
	DstPort  int
	Path     string    // "this-site/link->peer/link"
	Expires  time.Time // zero: never
}

// ValidPin is a validated pin. Whether its path exists is the data
// plane's business: a pin naming a path the edge does not have is
// reported and ignored there, not refused here, so that the rest of the
// configuration is not held up by it.
type ValidPin struct {
	ID               int64
	Protocol         uint8
	Src, Dst         netip.Prefix // invalid: any
	SrcPort, DstPort uint16
	Path             string
	Expires          time.Time
}

// checkPins validates the pins: field paths pins[i].….
func checkPins(e *errs, site string, in []Pin) []ValidPin {
	out := make([]ValidPin, 0, len(in))
	seen := map[int64]int{}
	for i, p := range in {
		at := fmt.Sprintf("pins[%d]", i)
		n := len(e.list)
		v := ValidPin{ID: p.ID, Path: p.Path, Expires: p.Expires}
		if j, dup := seen[p.ID]; dup {
			e.add(at+".id", "%d repeats pins[%d].id", p.ID, j)
		}
		seen[p.ID] = i
		if p.Protocol < 0 || p.Protocol > 255 {
			e.add(at+".protocol", "%d is not 0..255", p.Protocol)
		}
		v.Protocol = uint8(p.Protocol)
		v.Src = checkPinPrefix(e, at+".source_prefix", p.Src)
		v.Dst = checkPinPrefix(e, at+".destination_prefix", p.Dst)
		v.SrcPort = checkPinPort(e, at+".source_port", p.SrcPort, v.Protocol)
		v.DstPort = checkPinPort(e, at+".destination_port", p.DstPort, v.Protocol)
		checkPinPath(e, at+".path_id", site, p.Path)
		if len(e.list) == n {
			out = append(out, v)
		}
	}
	return out
}

func checkPinPrefix(e *errs, path, s string) netip.Prefix {
	if s == "" {
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		e.add(path, "%q is not a prefix", s)
	case p != p.Masked():
		e.add(path, "%s has host bits set: did you mean %s?", s, p.Masked())
	}
	return p
}

func checkPinPort(e *errs, path string, port int, proto uint8) uint16 {
	switch {
	case port == 0:
	case port < 0 || port > 65535:
		e.add(path, "%d is not 0..65535", port)
		return 0
	case proto != 6 && proto != 17:
		e.add(path, "a port needs protocol 6 (tcp) or 17 (udp), not %d", proto)
	}
	return uint16(port)
}

// checkPinPath checks that the path ID starts at this site and names a
// site and link at each end.
func checkPinPath(e *errs, path, site, id string) {
	local, remote, ok := strings.Cut(id, "->")
	ls, ll, ok1 := strings.Cut(local, "/")
	rs, rl, ok2 := strings.Cut(remote, "/")
	if !ok || !ok1 || !ok2 || ll == "" || rs == "" || rl == "" || strings.Contains(rl, "/") || strings.Contains(remote, "->") {
		e.add(path, "%q is not SITE/LINK->SITE/LINK", id)
		return
	}
	if ls != site {
		e.add(path, "%q does not start at this site (%s)", id, site)
	}
}
