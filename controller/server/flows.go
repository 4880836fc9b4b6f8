package server

import (
	"fmt"
	"net/netip"
	"time"
	"unicode/utf8"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/events"
)

// Bounds of a batch's current flows (Telemetry.current_flows): a batch
// past them is refused, naming the field.
const (
	// maxCurrentFlowPaths bounds the paths of one report.
	maxCurrentFlowPaths = 4096
	// maxCurrentFlowsPerPath bounds the flows of one path (the edge sends
	// 20: agent.MaxCurrentFlowsPerPath).
	maxCurrentFlowsPerPath = 20
	// maxServerNameLen bounds a flow's server name (a DNS name's limit).
	maxServerNameLen = 253
)

// checkCurrentFlows validates a batch's current flows from site: every
// path must be the site's own and appear once, lists and strings are
// bounded, addresses parse, ports and protocols are in range.
func checkCurrentFlows(site string, cf *pb.CurrentFlows) error {
	if cf == nil {
		return nil
	}
	if len(cf.Paths) > maxCurrentFlowPaths {
		return fmt.Errorf("current_flows.paths: %d entries, at most %d", len(cf.Paths), maxCurrentFlowPaths)
	}
	seen := make(map[string]bool, len(cf.Paths))
	for i, p := range cf.Paths {
		if _, err := reportedPath(site, p.PathId); err != nil {
			return fmt.Errorf("current_flows.paths[%d].path_id: %v", i, err)
		}
		if seen[p.PathId] {
			return fmt.Errorf("current_flows.paths[%d].path_id: %q appears twice", i, p.PathId)
		}
		seen[p.PathId] = true
		if len(p.Flows) > maxCurrentFlowsPerPath {
			return fmt.Errorf("current_flows.paths[%d].flows: %d entries, at most %d", i, len(p.Flows), maxCurrentFlowsPerPath)
		}
		if int(p.TotalFlows) < len(p.Flows) {
			return fmt.Errorf("current_flows.paths[%d].total_flows: %d, fewer than the %d flows listed", i, p.TotalFlows, len(p.Flows))
		}
		for j, f := range p.Flows {
			if err := checkCurrentFlow(f); err != nil {
				return fmt.Errorf("current_flows.paths[%d].flows[%d].%v", i, j, err)
			}
		}
	}
	return nil
}

// checkCurrentFlow validates one flow; the error starts with the field.
func checkCurrentFlow(f *pb.CurrentFlow) error {
	if _, err := netip.ParseAddr(f.Src); err != nil {
		return fmt.Errorf("src: %q is not an IP address", trunc(f.Src))
	}
	if _, err := netip.ParseAddr(f.Dst); err != nil {
		return fmt.Errorf("dst: %q is not an IP address", trunc(f.Dst))
	}
	switch {
	case f.SrcPort > 65535 || f.DstPort > 65535:
		return fmt.Errorf("src_port, dst_port: %d, %d: at most 65535", f.SrcPort, f.DstPort)
	case f.Protocol > 255:
		return fmt.Errorf("protocol: %d: at most 255", f.Protocol)
	case f.TxBytes > 1<<62 || f.RxBytes > 1<<62 || f.TxPackets > 1<<62 || f.RxPackets > 1<<62:
		return fmt.Errorf("tx_bytes, rx_bytes, tx_packets, rx_packets: counter out of range")
	case len(f.ServerName) > maxServerNameLen || !utf8.ValidString(f.ServerName):
		return fmt.Errorf("server_name: longer than %d bytes or not UTF-8", maxServerNameLen)
	}
	for _, n := range []struct{ field, v string }{{"application", f.Application}, {"class", f.Class}, {"policy", f.Policy}} {
		if len(n.v) > maxNameLen || !utf8.ValidString(n.v) {
			return fmt.Errorf("%s: longer than %d bytes or not UTF-8", n.field, maxNameLen)
		}
	}
	return nil
}

// trunc shortens hostile text quoted in an error.
func trunc(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// currentFlows publishes a checked batch's current flows, one event per
// path: the paths it lists, and an empty list for each other path the
// batch has a sample of (the edge sends current flows with its periodic
// batches, which sample every path), so that a path whose flows ended
// shows none.
func (p *publisher) currentFlows(site siteEntry, t *pb.Telemetry, now time.Time) {
	cf := t.CurrentFlows
	if cf == nil {
		return
	}
	at, start := timeOr(t.SentAt, now), timeOr(cf.WindowStart, now)
	listed := make(map[string]bool, len(cf.Paths))
	for _, pf := range cf.Paths {
		listed[pf.PathId] = true
		flows := make([]events.Flow, 0, len(pf.Flows))
		for _, f := range pf.Flows {
			flows = append(flows, events.Flow{Src: f.Src, Dst: f.Dst, SrcPort: uint16(f.SrcPort), DstPort: uint16(f.DstPort),
				Protocol: uint8(f.Protocol), Application: f.Application, Class: f.Class, Policy: f.Policy,
				ServerName: f.ServerName, TxBytes: f.TxBytes, RxBytes: f.RxBytes, TxPackets: f.TxPackets,
				RxPackets: f.RxPackets, Started: timeOr(f.Started, start)})
		}
		p.bus.Publish(&events.Event{Kind: events.KindFlows, Network: site.Network, Site: site.Name, At: at,
			Flows: &events.PathFlows{PathID: pf.PathId, WindowStart: start, TotalFlows: pf.TotalFlows, Flows: flows}})
	}
	for _, ps := range t.PathSamples {
		if !listed[ps.PathId] {
			listed[ps.PathId] = true
			p.bus.Publish(&events.Event{Kind: events.KindFlows, Network: site.Network, Site: site.Name, At: at,
				Flows: &events.PathFlows{PathID: ps.PathId, WindowStart: start, Flows: []events.Flow{}}})
		}
	}
}
