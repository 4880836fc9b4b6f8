package dataplane

import (
	"bufio"
	"strconv"
	"strings"
	"time"
)

// Status is what `patronus status --json` shows of the data plane.
type Status struct {
	Site      string            `json:"site"`
	Paths     []PathStatus      `json:"paths"`
	Links     []LinkStatus      `json:"links"`
	Forwarder map[string]uint64 `json:"forwarder"`
	Pins      []Pin             `json:"pins"`
}

// PathStatus is one path's identity and counters. Packets and bytes are
// inner (overlay) traffic; wire bytes are WireGuard's, encrypted.
type PathStatus struct {
	ID            string     `json:"id"`
	PeerSite      string     `json:"peer_site"`
	LocalLink     string     `json:"local_link"`
	RemoteLink    string     `json:"remote_link"`
	Endpoint      string     `json:"endpoint"`
	Preferred     bool       `json:"preferred"`
	TxPackets     uint64     `json:"tx_packets"`
	RxPackets     uint64     `json:"rx_packets"`
	TxBytes       uint64     `json:"tx_bytes"`
	RxBytes       uint64     `json:"rx_bytes"`
	WireTxBytes   uint64     `json:"wire_tx_bytes"`
	WireRxBytes   uint64     `json:"wire_rx_bytes"`
	LastHandshake *time.Time `json:"last_handshake,omitempty"`
	// Compression on this path; ShimDrops are the shim packets received
	// and dropped, by reason.
	Compression CompressionStatus `json:"compression"`
	ShimDrops   map[string]uint64 `json:"shim_drops"`
}

// LinkStatus is one WAN link's socket counters.
type LinkStatus struct {
	Name     string            `json:"name"`
	Port     uint16            `json:"port"`
	Counters map[string]uint64 `json:"counters"`
}

// Status returns a snapshot.
func (d *Dataplane) Status() Status {
	st := Status{Site: d.cfg.Name, Paths: []PathStatus{}, Links: []LinkStatus{}, Pins: d.Pins()}
	for _, p := range d.Paths() {
		st.Paths = append(st.Paths, p.status())
	}
	for i, l := range d.links {
		st.Links = append(st.Links, LinkStatus{Name: d.cfg.Links[i].Name, Port: l.Port(), Counters: l.StatsSnapshot()})
	}
	s := &d.Stats
	st.Forwarder = map[string]uint64{
		"from_overlay": s.FromOverlay.Load(), "to_overlay": s.ToOverlay.Load(),
		"drop_no_route": s.NoRoute.Load(), "drop_no_path": s.NoPath.Load(), "drop_queue_full": s.QueueFull.Load(),
		"drop_malformed": s.Malformed.Load(), "drop_source_rejected": s.SourceRejected.Load(),
		"mss_clamped": s.MSSClamped.Load(), "drop_shim_from_overlay": s.ShimFromOverlay.Load(),
		"drop_no_buffer": s.NoBuffer.Load(), "drop_overlay_read": s.OverlayRead.Load(),
		"drop_overlay_write": s.OverlayWrite.Load(),
	}
	return st
}

func (p *Path) status() PathStatus {
	ps := PathStatus{ID: p.ID, PeerSite: p.PeerSite, LocalLink: p.LocalLink, RemoteLink: p.RemoteLink,
		Endpoint: p.endpoint, Preferred: p.preferred,
		TxPackets: p.TxPackets.Load(), RxPackets: p.RxPackets.Load(), TxBytes: p.TxBytes.Load(), RxBytes: p.RxBytes.Load()}
	ps.Compression, ps.ShimDrops = p.shim.status(time.Now())
	uapi, err := p.dev.IpcGet()
	if err != nil {
		return ps
	}
	var sec, nsec int64
	sc := bufio.NewScanner(strings.NewReader(uapi))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "tx_bytes":
			ps.WireTxBytes = uint64(n)
		case "rx_bytes":
			ps.WireRxBytes = uint64(n)
		case "last_handshake_time_sec":
			sec = n
		case "last_handshake_time_nsec":
			nsec = n
		}
	}
	if sec != 0 {
		t := time.Unix(sec, nsec).UTC()
		ps.LastHandshake = &t
	}
	return ps
}
