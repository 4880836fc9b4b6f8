package agent

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/localapi"
)

// Current flows: every CurrentFlowsWindow the builder reads the data
// plane's flows (cumulative counters), subtracts what each had at the
// last window's end, and sends each path's busiest flows of the window
// (MaxCurrentFlowsPerPath, by bytes sent plus received). The controller
// keeps only the newest set: current flows are not history.
const (
	// DefaultCurrentFlowsWindow is how often the current flows are sent.
	DefaultCurrentFlowsWindow = 10 * time.Second
	// MaxCurrentFlowsPerPath bounds the flows sent per path.
	MaxCurrentFlowsPerPath = 20
)

// flowKey names a flow as the data plane lists it.
type flowKey struct {
	src, dst         netip.Addr
	srcPort, dstPort uint16
	proto            uint8
}

// flowCounts are a flow's cumulative counters at a window's end.
type flowCounts struct {
	started                time.Time
	tx, rx, txPkts, rxPkts uint64
}

// CurrentFlows are the busiest flows of each path in the window that
// ended, when CurrentFlowsWindow has passed since it started, and nil
// otherwise. flows is the data plane's Flows (the most recently seen,
// with their cumulative counters). The first call starts the first
// window. A window without traffic gives an empty set, which replaces the
// controller's.
func (b *TelemetryBuilder) CurrentFlows(now time.Time, flows func() []localapi.FlowStatus) *pb.CurrentFlows {
	win := b.CurrentFlowsWindow
	if win <= 0 {
		win = DefaultCurrentFlowsWindow
	}
	if !b.curStart.IsZero() && now.Sub(b.curStart) < win {
		return nil
	}
	start, prev := b.curStart, b.curSeen
	b.curStart, b.curSeen = now, map[flowKey]flowCounts{}
	byPath := map[string][]*pb.CurrentFlow{}
	for _, f := range flows() {
		k, c, ok := flowEntry(f)
		if !ok {
			continue
		}
		b.curSeen[k] = c
		if p, ok := prev[k]; ok && p.started.Equal(c.started) && p.tx <= c.tx && p.rx <= c.rx {
			c.tx, c.rx, c.txPkts, c.rxPkts = c.tx-p.tx, c.rx-p.rx, c.txPkts-p.txPkts, c.rxPkts-p.rxPkts
		}
		if c.tx+c.rx == 0 || f.Path == "" {
			continue
		}
		byPath[f.Path] = append(byPath[f.Path], currentFlow(f, c))
	}
	if start.IsZero() {
		return nil
	}
	return pathFlows(start, byPath)
}

// flowEntry is a listed flow's key and counters; false when its
// addresses do not parse (never, from the data plane).
func flowEntry(f localapi.FlowStatus) (flowKey, flowCounts, bool) {
	src, err1 := netip.ParseAddr(f.Src)
	dst, err2 := netip.ParseAddr(f.Dst)
	if err1 != nil || err2 != nil {
		return flowKey{}, flowCounts{}, false
	}
	return flowKey{src, dst, f.SrcPort, f.DstPort, f.Proto},
		flowCounts{started: f.Started, tx: f.TxBytes, rx: f.RxBytes, txPkts: f.TxPackets, rxPkts: f.RxPackets}, true
}

func currentFlow(f localapi.FlowStatus, c flowCounts) *pb.CurrentFlow {
	return &pb.CurrentFlow{Src: f.Src, Dst: f.Dst, SrcPort: uint32(f.SrcPort), DstPort: uint32(f.DstPort),
		Protocol: uint32(f.Proto), Application: f.App, Class: f.Class, Policy: f.Policy, ServerName: f.Name,
		TxBytes: c.tx, RxBytes: c.rx, TxPackets: c.txPkts, RxPackets: c.rxPkts, Started: timestamppb.New(f.Started)}
}

// pathFlows sorts each path's flows by bytes, most first, keeps
// MaxCurrentFlowsPerPath, and orders the paths by ID.
func pathFlows(start time.Time, byPath map[string][]*pb.CurrentFlow) *pb.CurrentFlows {
	out := &pb.CurrentFlows{WindowStart: timestamppb.New(start)}
	for id, fs := range byPath {
		slices.SortFunc(fs, func(a, b *pb.CurrentFlow) int {
			if x, y := a.TxBytes+a.RxBytes, b.TxBytes+b.RxBytes; x != y {
				if x > y {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Src+a.Dst, b.Src+b.Dst)
		})
		out.Paths = append(out.Paths, &pb.PathFlows{PathId: id, TotalFlows: uint32(len(fs)),
			Flows: fs[:min(len(fs), MaxCurrentFlowsPerPath)]})
	}
	slices.SortFunc(out.Paths, func(a, b *pb.PathFlows) int { return strings.Compare(a.PathId, b.PathId) })
	return out
}
