package rest

import (
	"net/http"
	"time"

	"github.com/patronus-sdwan/patronus/controller/manage"
)

// BGPNeighbor is a router of a site: as configured (passwords never shown)
// and its session as the site's edge last reported it (the session's
// fields are absent when it has not).
type BGPNeighbor struct {
	Address string `json:"address"`
	// RemoteAS is absent for a reported neighbour no longer configured.
	RemoteAS    uint32  `json:"remote_as,omitempty"`
	PasswordSet bool    `json:"password_set"`
	BFD         bool    `json:"bfd"`
	MaxPrefixes uint32  `json:"max_prefixes"`
	State       string  `json:"state,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	Received    *uint64 `json:"received,omitempty"`
	Accepted    *uint64 `json:"accepted,omitempty"`
	Advertised  *uint64 `json:"advertised,omitempty"`
	BFDState    string  `json:"bfd_state,omitempty"`
}

// BGPSite is a site's BGP speaker towards its routers.
type BGPSite struct {
	Site            string        `json:"site"`
	LocalAS         uint32        `json:"local_as"`
	RouterID        string        `json:"router_id,omitempty"`
	ListenPort      int32         `json:"listen_port"`
	GracefulRestart bool          `json:"graceful_restart"`
	Neighbors       []BGPNeighbor `json:"neighbors"`
	ReportedAt      time.Time     `json:"reported_at,omitzero"`
	LearnedPrefixes []string      `json:"learned_prefixes"`
}

func bgpSiteOf(b manage.BGPSite) BGPSite {
	c := b.Config
	out := BGPSite{Site: b.Site, LocalAS: c.LocalAS, RouterID: c.RouterID, ListenPort: c.ListenPort,
		GracefulRestart: c.GracefulRestart == nil || *c.GracefulRestart, Neighbors: []BGPNeighbor{}, LearnedPrefixes: []string{}}
	at := map[string]int{}
	for _, n := range c.Neighbors {
		at[n.Address] = len(out.Neighbors)
		out.Neighbors = append(out.Neighbors, BGPNeighbor{Address: n.Address, RemoteAS: n.RemoteAS, PasswordSet: b.PasswordSet[n.Address],
			BFD: n.BFD, MaxPrefixes: n.MaxPrefixes})
	}
	if st := b.Status; st != nil {
		out.ReportedAt = st.At.UTC()
		for _, n := range st.Neighbors {
			i, ok := at[n.Address]
			if !ok {
				i = len(out.Neighbors)
				out.Neighbors = append(out.Neighbors, BGPNeighbor{Address: n.Address})
			}
			rcv, acc, adv := n.Received, n.Accepted, n.Advertised
			nb := &out.Neighbors[i]
			nb.State, nb.Reason, nb.BFDState, nb.Received, nb.Accepted, nb.Advertised = n.State, n.Reason, n.BFDState, &rcv, &acc, &adv
		}
	}
	for _, p := range b.Learned {
		out.LearnedPrefixes = append(out.LearnedPrefixes, p.String())
	}
	return out
}

func (h *Handler) listBGP(w http.ResponseWriter, r *http.Request) error {
	sites, err := h.m.BGP(r.Context(), r.PathValue("network"), r.URL.Query().Get("site"))
	if err != nil {
		return err
	}
	return writePage(w, r, sites, bgpSiteOf)
}
