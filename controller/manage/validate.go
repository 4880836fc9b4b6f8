package manage

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/label"
)

// ValidateLabel checks an edge's label (a site, link or colour name)
// with the one name rule (internal/label).
func ValidateLabel(field, s string) error {
	if msg := label.Check(s); msg != "" {
		return invalid(field, "%s", msg)
	}
	return nil
}

// required checks that a name is given and is a store name; names that
// cannot exist are refused before the store sees them.
func required(field, s string) error {
	if s == "" {
		return invalid(field, "required")
	}
	if err := store.ValidateName("", field, s); err != nil {
		var se *store.Error
		if errors.As(err, &se) {
			return invalid(field, "%s", se.Msg)
		}
		return invalid(field, "%v", err)
	}
	return nil
}

// ParsePrefix parses a LAN prefix: a CIDR prefix without host bits.
func ParsePrefix(field, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, invalid(field, "%q is not a CIDR prefix", s)
	}
	if p.Masked() != p {
		return p, invalid(field, "%s has host bits set (did you mean %s?)", s, p.Masked())
	}
	return p, nil
}

// PathID is the API's ID of a stored path: "a/al->b/bl" (a < b).
func PathID(p store.Path) string { return p.A + "/" + p.ALink + "->" + p.B + "/" + p.BLink }

// PathIDFrom is the path's ID as seen from site (its end first), as that
// site's edge prints it; from a site that is neither end it is PathID.
func PathIDFrom(p store.Path, site string) string {
	if site == p.B && site != p.A {
		return p.B + "/" + p.BLink + "->" + p.A + "/" + p.ALink
	}
	return PathID(p)
}

// ParsePathID parses "site/link->site/link" (either orientation) and
// returns the store's name of the path ("a/al~b/bl").
func ParsePathID(field, id string) (string, error) {
	local, remote, ok := strings.Cut(id, "->")
	ls, ll, ok1 := strings.Cut(local, "/")
	rs, rl, ok2 := strings.Cut(remote, "/")
	if !ok || !ok1 || !ok2 || strings.Contains(remote, "->") {
		return "", invalid(field, "%q is not SITE/LINK->SITE/LINK", id)
	}
	for _, s := range []string{ls, ll, rs, rl} {
		if err := store.ValidateName("", field, s); err != nil {
			return "", invalid(field, "%q is not SITE/LINK->SITE/LINK", id)
		}
	}
	if rs < ls {
		ls, ll, rs, rl = rs, rl, ls, ll
	}
	return store.PathName(ls, ll, rs, rl), nil
}
