package cli

import (
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/natdisc"
)

// edgeNAT runs endpoint discovery on the data plane's link sockets as
// the controller's configuration says (nat_traversal, docs/NAT.md) and
// hands the observations to telemetry when they change.
type edgeNAT struct {
	log      *slog.Logger
	onChange func() // asks for an urgent batch; never blocks

	// mu guards w, running and links. The watcher's onChange must not
	// take it: Close, called under mu, waits for the watcher's goroutines.
	mu      sync.Mutex
	w       *natdisc.Watcher     // nil: no discovery
	dp      *dataplane.Dataplane // the links' paths, whose keepalive follows a measured NAT timeout
	running config.ValidNAT      // w's settings
	links   []string             // the links w watches, by name: links come and go at runtime
	dirty   atomic.Bool          // observations changed since last sent
}

// apply starts, restarts or stops the watcher for cfg and the data
// plane's links; an identical cfg over the same links changes nothing.
func (n *edgeNAT) apply(dp *dataplane.Dataplane, cfg config.ValidNAT) {
	n.mu.Lock()
	defer n.mu.Unlock()
	conns := dp.STUNConns()
	names := slices.Sorted(maps.Keys(conns))
	if n.w != nil && n.running == cfg && slices.Equal(n.links, names) {
		return
	}
	if n.w != nil {
		n.w.Close()
		n.w = nil
	}
	n.running, n.dp, n.links = cfg, dp, names
	if !cfg.STUNServer.IsValid() {
		return
	}
	var links []natdisc.Link
	for name, c := range conns {
		links = append(links, natdisc.Link{Name: name, Conn: c})
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Name < links[j].Name })
	n.w = natdisc.Watch(cfg.STUNServer, cfg.Refresh, links, natdisc.Config{IsLocal: natdisc.IsHostAddr}, n.changed, n.log)
	n.log.Info("nat discovery", "stun_server", cfg.STUNServer, "refresh", cfg.Refresh, "links", len(links))
}

func (n *edgeNAT) changed() {
	n.dirty.Store(true)
	n.onChange()
}

// recheck asks every link's mapping again (a path changed state: its NAT
// may have rebound).
func (n *edgeNAT) recheck() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.w != nil {
		n.w.Recheck()
	}
}

// observations are the links' observations for a batch when they changed
// since the last batch that had them; nil otherwise.
func (n *edgeNAT) observations() []*pb.NatObservation {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.w == nil || !n.dirty.Swap(false) {
		return nil
	}
	var out []*pb.NatObservation
	for _, o := range n.w.Observations() {
		if o.Lifetime.Measured() && n.dp != nil {
			n.dp.SetLinkKeepalive(o.Link, dataplane.KeepaliveFor(o.Lifetime.Alive))
		}
		if !o.Mapped.IsValid() {
			continue
		}
		out = append(out, natObservation(o.Link, o.Mapped, o.Kind, o.At))
	}
	return out
}

func natObservation(link string, mapped netip.AddrPort, k natdisc.NATKind, at time.Time) *pb.NatObservation {
	return &pb.NatObservation{Link: link, ObservedEndpoint: mapped.String(), ObservedAt: timestamppb.New(at),
		Nat: &pb.NatKind{Mapping: pb.NatBehaviour(k.Mapping), Filtering: pb.NatBehaviour(k.Filtering)}}
}

func (n *edgeNAT) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.w != nil {
		n.w.Close()
		n.w = nil
	}
}
