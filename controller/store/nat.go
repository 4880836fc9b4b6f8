package store

import (
	"fmt"
	"net/netip"
	"time"
)

// LinkNAT is what a site's edge learnt about one of its links from the
// controller's STUN responder (edge/natdisc, docs/NAT.md): its public
// endpoint as seen from outside and its NAT's behaviour, by RFC 4787
// name ("none", "endpoint-independent", "address-dependent",
// "address-and-port-dependent", "unknown").
type LinkNAT struct {
	Site string `json:"site"`
	Link string `json:"link"`
	// ObservedEndpoint is "ADDRESS:PORT"; empty when not learnt.
	ObservedEndpoint string `json:"observed_endpoint"`
	Mapping          string `json:"mapping"`
	Filtering        string `json:"filtering"`
	// ChangedAt is when the endpoint or the kind last changed.
	ChangedAt time.Time `json:"changed_at"`
}

// natBehaviours are the names a LinkNAT's Mapping and Filtering take.
var natBehaviours = map[string]bool{"unknown": true, "none": true, "endpoint-independent": true,
	"address-dependent": true, "address-and-port-dependent": true}

// Validate checks what the store relies on.
func (n LinkNAT) Validate() error {
	if err := ValidateName("link_nat", "link", n.Link); err != nil {
		return err
	}
	if n.ObservedEndpoint != "" {
		if ap, err := netip.ParseAddrPort(n.ObservedEndpoint); err != nil || ap.Port() == 0 {
			return &Error{Kind: ErrInvalid, Entity: "link_nat", Field: "observed_endpoint", Msg: fmt.Sprintf("%q is not ADDRESS:PORT", n.ObservedEndpoint)}
		}
	}
	for field, v := range map[string]string{"mapping": n.Mapping, "filtering": n.Filtering} {
		if !natBehaviours[v] {
			return &Error{Kind: ErrInvalid, Entity: "link_nat", Field: field, Msg: fmt.Sprintf("%q is not an RFC 4787 behaviour name", v)}
		}
	}
	return nil
}
