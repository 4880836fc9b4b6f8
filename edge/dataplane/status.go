package dataplane

import (
	"bufio"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// Status returns a snapshot.
func (d *Dataplane) Status() localapi.Status {
	st := localapi.Status{Site: d.cfg.Name, Paths: []localapi.PathStatus{}, Links: []localapi.LinkStatus{}, Pins: d.Pins(), Policies: []localapi.PolicyStatus{}}
	now := time.Now()
	byID := map[string]steer.PathStatus{}
	for _, ps := range d.engine.Paths(now) {
		byID[ps.ID] = ps
	}
	snap := d.snap.Load()
	for _, p := range d.Paths() {
		ps := p.status()
		ps.Preferred = snap.preferred(p)
		d.steerStatus(p, byID[p.ID], now, &ps)
		st.Paths = append(st.Paths, ps)
	}
	st.Events, st.EventsDropped = d.engine.Events(nil)
	if st.Events == nil {
		st.Events = []steer.Event{}
	}
	st.Flows = d.classifier.Len()
	st.Steering = d.SteeringCounts()
	st.Policies = policiesOf(d.snap.Load())
	for _, l := range snap.links {
		st.Links = append(st.Links, localapi.LinkStatus{Name: l.cfg.Name, Port: l.sock.Port(), Counters: l.sock.Counters()})
	}
	s := &d.Stats
	st.Forwarder = map[string]uint64{
		"from_overlay": s.FromOverlay.Load(), "to_overlay": s.ToOverlay.Load(),
		"drop_no_route": s.NoRoute.Load(), "drop_no_path": s.NoPath.Load(), "drop_queue_full": s.QueueFull.Load(),
		"drop_malformed": s.Malformed.Load(), "drop_source_rejected": s.SourceRejected.Load(),
		"drop_dest_rejected": s.DestRejected.Load(),
		"mss_clamped":        s.MSSClamped.Load(), "drop_shim_from_overlay": s.ShimFromOverlay.Load(),
		"drop_no_buffer": s.NoBuffer.Load(), "drop_overlay_read": s.OverlayRead.Load(),
		"drop_overlay_write": s.OverlayWrite.Load(), "steered": s.Steered.Load(), "duplicated": s.Duplicated.Load(),
		"dup_too_large":   s.DupTooLarge.Load(),
		"dns_unsolicited": d.classifier.Stats().DNSErrors[classify.ErrDNSUnsolicited],
	}
	return st
}

func (p *Path) status() localapi.PathStatus {
	ps := localapi.PathStatus{ID: p.ID, PeerSite: p.PeerSite, LocalLink: p.LocalLink, RemoteLink: p.RemoteLink,
		Endpoint: p.endpoint, RemoteNAT: p.remoteNAT,
		TxPackets: p.TxPackets.Load(), RxPackets: p.RxPackets.Load(), TxBytes: p.TxBytes.Load(), RxBytes: p.RxBytes.Load()}
	ps.PublicKey, ps.PeerPublicKey = p.keys()
	if r, ok := p.bind.(repointer); ok && p.remoteNAT != "" {
		ps.Endpoint = r.Remote().String() // repointed since (nat.go)
	}
	ps.Compression, ps.ShimDrops = p.shim.Status(time.Now())
	if h, ok := p.bind.(puncher); ok && p.remoteNAT != "" {
		ps.Punched = h.Heard()
	}
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

// steerStatus fills in what steering, BFD and the probes know of p.
func (d *Dataplane) steerStatus(p *Path, es steer.PathStatus, now time.Time, ps *localapi.PathStatus) {
	ps.State, ps.Score, ps.ActiveFlows = es.State.String(), round(es.Score, 1), es.ActiveFlows
	ps.Transport = p.transport()
	ps.Suppressed, ps.Penalty = es.Suppressed, round(es.Penalty, 0)
	ps.BFDState = "down"
	if info, ok := d.bfd.Session(p.bfdKey); ok {
		s := info.Session
		ps.BFDState = strings.ToLower(s.State.String())
		ps.BFD = localapi.BFDStatus{TxIntervalMS: ms(s.TxInterval), DetectionTimeMS: ms(s.DetectionTime),
			RemoteState: strings.ToLower(s.RemoteState.String()), Diag: s.LocalDiag.String(),
			PacketsIn: info.Counters.PacketsIn, PacketsOut: info.Counters.PacketsOut, Transitions: info.Counters.Transitions}
	}
	ps.ControlNotSent = p.controlLost.Load()
	if p.prober == nil {
		return
	}
	c := p.prober.Counters()
	m := p.prober.Metrics(now)
	ps.Probes = localapi.ProbeCounters{Sent: c.Sent, Replies: c.Replies, Lost: c.Lost, Late: c.Late, RTTMaxMS: ms(m.RTTMax)}
	if q := es.Metrics; q.Valid {
		lat, jit, loss := ms(q.Latency), ms(q.Jitter), round(q.LossPct, 2)
		ps.LatencyMS, ps.JitterMS, ps.LossPct = &lat, &jit, &loss
	}
}

func policiesOf(v *snapshot) []localapi.PolicyStatus {
	st := v.st
	out := make([]localapi.PolicyStatus, len(st.Policies))
	for i, p := range st.Policies {
		out[i] = localapi.PolicyStatus{Name: p.Name, SLAClass: p.SLA, Mode: p.Mode.String(), Colors: p.Colors,
			Compression: !st.NoCompress[i], Applications: []string{}}
		if out[i].Colors == nil {
			out[i].Colors = []string{}
		}
	}
	for _, a := range st.Rules.Apps() {
		i := st.PolicyOfApp(a)
		out[i].Applications = append(out[i].Applications, a.Name)
	}
	u := st.Rules.Unclassified()
	i := st.PolicyOfApp(u)
	out[i].Applications = append(out[i].Applications, u.Name)
	return out
}

func ms(d time.Duration) float64 { return round(float64(d)/1e6, 3) }

func round(f float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(f*p) / p
}

// MaxFlowsShown bounds Flows.
const MaxFlowsShown = 1000

// Flows returns the flows the classifier tracks, most recently seen
// first, at most MaxFlowsShown, and how many there are in all.
func (d *Dataplane) Flows() ([]localapi.FlowStatus, int) {
	fs := d.classifier.Flows()
	sort.Slice(fs, func(i, j int) bool { return fs[i].LastSeen.After(fs[j].LastSeen) })
	v := d.snap.Load()
	out := make([]localapi.FlowStatus, 0, min(len(fs), MaxFlowsShown))
	for _, f := range fs[:min(len(fs), MaxFlowsShown)] {
		fl := localapi.FlowStatus{Src: f.Key.Src.String(), Dst: f.Key.Dst.String(), SrcPort: f.Key.SrcPort, DstPort: f.Key.DstPort,
			Proto: f.Key.Proto, App: f.App, Class: f.Class, Name: f.Name, LastSeen: f.LastSeen,
			Started: f.Started, TxBytes: f.TxBytes, RxBytes: f.RxBytes, TxPackets: f.TxPackets, RxPackets: f.RxPackets}
		if p := v.byNum[int(f.Path)]; p != nil {
			fl.Path = p.ID
		}
		if f.NameFrom != classify.NameNone {
			fl.NameFrom = f.NameFrom.String()
		}
		if a, ok := v.st.Rules.App(f.App); ok {
			fl.Policy = v.st.Policies[v.st.PolicyOfApp(a)].Name
		} else {
			fl.Policy = v.st.Policies[v.st.PolicyOfApp(v.st.Rules.Unclassified())].Name
		}
		out = append(out, fl)
	}
	return out, len(fs)
}

// TakeAppTraffic returns the traffic this edge sent and received since the last call
// (since the start for the first), by application and path
// (classify.Classifier.TakeCounts), sorted by path then application.
// Traffic of a path that is gone is left out. One caller: the agent's
// telemetry.
func (d *Dataplane) TakeAppTraffic() []localapi.AppTraffic {
	v := d.snap.Load()
	var out []localapi.AppTraffic
	for _, c := range d.classifier.TakeCounts() {
		if p := v.byNum[int(c.Path)]; p != nil {
			out = append(out, localapi.AppTraffic{App: c.App, Path: p.ID, Flows: c.Flows, TxBytes: c.TxBytes, RxBytes: c.RxBytes})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].App < out[j].App
	})
	return out
}

// SteeringCounts returns steering's counters.
func (d *Dataplane) SteeringCounts() localapi.SteeringCounts {
	c := localapi.SteeringCounts{Events: map[string]uint64{}, FlowsMoved: d.Stats.FlowsMoved.Load(), Failovers: d.Stats.Failovers.Load()}
	for k := steer.PathState; k <= steer.Decision; k++ {
		c.Events[k.String()] = d.Stats.Events[k].Load()
	}
	return c
}

// PathStates is the part of Status that a report sent at once needs: each
// path's steering state, BFD state and quality, and steering's event log.
// It leaves out what makes Status costly (each path's WireGuard state,
// the links' counters), so that a flapping link, which asks for a report
// at every change, does not make the edge churn memory.
func (d *Dataplane) PathStates() (paths []localapi.PathStatus, events []steer.Event) {
	now := time.Now()
	byID := map[string]steer.PathStatus{}
	for _, ps := range d.engine.Paths(now) {
		byID[ps.ID] = ps
	}
	for _, p := range d.Paths() {
		ps := localapi.PathStatus{ID: p.ID, PeerSite: p.PeerSite, LocalLink: p.LocalLink, RemoteLink: p.RemoteLink}
		d.steerStatus(p, byID[p.ID], now, &ps)
		paths = append(paths, ps)
	}
	events, _ = d.engine.Events(nil)
	return paths, events
}
