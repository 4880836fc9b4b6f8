// Package metrics exports an edge's state to Prometheus (names prefixed
// patronus_edge_; docs/OBSERVABILITY.md lists them): path state, BFD,
// latency, jitter, loss, flows, traffic and compression per path, the
// forwarder's counters and steering's events. A Collector reads one
// status snapshot per scrape, so every sample of a scrape is of the same
// moment and nothing is computed between scrapes. Serve serves them on
// the loopback, or elsewhere behind a bearer token.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/patronus-sdwan/patronus/edge/localapi"
)

// Source is what the Collector reads: the running data plane.
type Source interface {
	Status() localapi.Status
}

// Namespace prefixes every metric of the edge (patronus_controller_ is
// the controller's): one Prometheus may scrape both.
const Namespace = "patronus_edge"

var pathLabels = []string{"path", "peer_site", "local_link", "remote_link"}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
}

var (
	dPathState   = desc("path_state", "1 for the path's state in the scoring model (up, degraded, down), 0 for the others.", append(pathLabels, "state")...)
	dPathBFDUp   = desc("path_bfd_up", "1 when the path's BFD session is Up.", pathLabels...)
	dPathScore   = desc("path_score", "The path's score, 0-100 (BFD health x E-model of the probes).", pathLabels...)
	dPathLatency = desc("path_latency_seconds", "Mean round-trip time of the path's probes (absent until enough probes).", pathLabels...)
	dPathJitter  = desc("path_jitter_seconds", "Forward interarrival jitter of the path's probes, RFC 3550.", pathLabels...)
	dPathLoss    = desc("path_loss_ratio", "Loss of the path's probes over the window, 0-1.", pathLabels...)
	dPathFlows   = desc("path_active_flows", "Active flows steered to the path.", pathLabels...)
	dPathSupp    = desc("path_suppressed", "1 while the path gets no flows for flapping.", pathLabels...)
	dPathPkts    = desc("path_packets_total", "Inner packets sent (tx) and received (rx) on the path.", append(pathLabels, "direction")...)
	dPathBytes   = desc("path_bytes_total", "Inner bytes sent (tx) and received (rx) on the path.", append(pathLabels, "direction")...)
	dPathWire    = desc("path_wire_bytes_total", "WireGuard bytes on the WAN link, encrypted, per direction.", append(pathLabels, "direction")...)
	dPathBFDPkts = desc("path_bfd_packets_total", "BFD packets of the path's session, per direction.", append(pathLabels, "direction")...)
	dPathShimDrp = desc("path_shim_drops_total", "Shim packets received on the path and dropped, by reason.", append(pathLabels, "reason")...)
	dCompActive  = desc("path_compression_active", "1 when packets on the path are LZ4-compressed (both ends agreed).", pathLabels...)
	dCompIn      = desc("path_compression_bytes_in_total", "Bytes of the packets sent compressed, before compression.", pathLabels...)
	dCompOut     = desc("path_compression_bytes_out_total", "The same packets compressed, shim headers included.", pathLabels...)
	dFwd         = desc("forwarder_packets_total", "The forwarder's packet counters, by counter (from_overlay, steered, drop_*...).", "counter")
	dEvents      = desc("steering_events_total", "Steering events by kind (path_state, decision, flap_suppressed, flap_reused).", "kind")
	dMoved       = desc("steering_flows_moved_total", "Active flows moved by steering decisions.")
	dFailovers   = desc("steering_failovers_total", "Steering decisions that moved flows off a path that went down.")
	dFlows       = desc("flows", "Flows the classifier tracks.")
	dInfo        = desc("info", "Always 1; its label names the edge's site.", "site")
)

// Collector is a prometheus.Collector of one edge.
type Collector struct{ src Source }

// NewCollector returns a Collector reading src.
func NewCollector(src Source) *Collector { return &Collector{src: src} }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dPathState, dPathBFDUp, dPathScore, dPathLatency, dPathJitter, dPathLoss,
		dPathFlows, dPathSupp, dPathPkts, dPathBytes, dPathWire, dPathBFDPkts, dPathShimDrp, dCompActive, dCompIn, dCompOut,
		dFwd, dEvents, dMoved, dFailovers, dFlows, dInfo} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Status()
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	counter := func(d *prometheus.Desc, v uint64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	for _, p := range st.Paths {
		l := []string{p.ID, p.PeerSite, p.LocalLink, p.RemoteLink}
		with := func(x string) []string { return append(append([]string(nil), l...), x) }
		for _, s := range []string{"up", "degraded", "down"} {
			gauge(dPathState, b2f(p.State == s), with(s)...)
		}
		gauge(dPathBFDUp, b2f(p.BFDState == "up"), l...)
		gauge(dPathScore, p.Score, l...)
		if p.LatencyMS != nil {
			gauge(dPathLatency, *p.LatencyMS/1e3, l...)
			gauge(dPathJitter, *p.JitterMS/1e3, l...)
			gauge(dPathLoss, *p.LossPct/100, l...)
		}
		gauge(dPathFlows, float64(p.ActiveFlows), l...)
		gauge(dPathSupp, b2f(p.Suppressed), l...)
		counter(dPathPkts, p.TxPackets, with("tx")...)
		counter(dPathPkts, p.RxPackets, with("rx")...)
		counter(dPathBytes, p.TxBytes, with("tx")...)
		counter(dPathBytes, p.RxBytes, with("rx")...)
		counter(dPathWire, p.WireTxBytes, with("tx")...)
		counter(dPathWire, p.WireRxBytes, with("rx")...)
		counter(dPathBFDPkts, p.BFD.PacketsOut, with("tx")...)
		counter(dPathBFDPkts, p.BFD.PacketsIn, with("rx")...)
		for reason, n := range p.ShimDrops {
			counter(dPathShimDrp, n, with(reason)...)
		}
		gauge(dCompActive, b2f(p.Compression.Active), l...)
		counter(dCompIn, p.Compression.BytesIn, l...)
		counter(dCompOut, p.Compression.BytesOut, l...)
	}
	for name, n := range st.Forwarder {
		counter(dFwd, n, name)
	}
	for k, n := range st.Steering.Events {
		counter(dEvents, n, k)
	}
	counter(dMoved, st.Steering.FlowsMoved)
	counter(dFailovers, st.Steering.Failovers)
	gauge(dFlows, float64(st.Flows))
	gauge(dInfo, 1, st.Site)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Handler returns the HTTP handler of /metrics for src, with the Go
// runtime's and the process's metrics and the extra collectors (the BGP
// speaker's, NewBGPCollector).
func Handler(src Source, extra ...prometheus.Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(src), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(extra...)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
