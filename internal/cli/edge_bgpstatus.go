package cli

import (
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// bgpStatus is the speaker's status for the controller; nil without a
// speaker. It takes b.mu, then the speaker's own locks.
func (b *edgeBGP) bgpStatus() *pb.BgpStatus {
	b.mu.Lock()
	sp := b.sp
	b.mu.Unlock()
	if sp == nil {
		return nil
	}
	st := sp.Status()
	out := &pb.BgpStatus{LocalAs: st.LocalAS, RouterId: st.RouterID}
	for _, n := range st.Neighbors {
		out.Neighbors = append(out.Neighbors, &pb.BgpNeighborStatus{Address: n.Address, RemoteAs: n.RemoteAS, State: n.State,
			Reason: n.Reason, Received: n.Received, Accepted: n.Accepted, Advertised: n.Advertised, BfdState: n.BFDState,
			MaxPrefixes: n.MaxPrefixes})
	}
	return out
}

// bgpStatusFor is the speaker's status to put in a batch: when it changed
// since it was last sent, or learnedRefresh after that; nil otherwise.
// Called from the telemetry goroutine only.
func (e *controlledEdge) bgpStatusFor(now time.Time) *pb.BgpStatus {
	st := e.bgp.bgpStatus()
	if st == nil {
		return nil
	}
	e.lmu.Lock()
	defer e.lmu.Unlock()
	if proto.Equal(st, e.statusSent) && now.Sub(e.statusSentAt) < learnedRefresh {
		return nil
	}
	e.statusSent, e.statusSentAt = st, now
	return st
}
