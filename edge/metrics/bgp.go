package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patronus-sdwan/patronus/edge/bgp"
)

// BGPSource is what the BGP collector reads: the edge's speaker, or
// false when the edge speaks no BGP.
type BGPSource interface {
	BGPStatus() (bgp.Status, bool)
}

var (
	bgpLabels       = []string{"neighbor", "remote_as"}
	dBGPState       = desc("bgp_neighbor_state", "1 for the BGP session's state (idle, connect, active, opensent, openconfirm, established), 0 for the others.", append(bgpLabels, "state")...)
	dBGPUp          = desc("bgp_neighbor_up", "1 while the BGP session with the neighbour is established.", bgpLabels...)
	dBGPBFDUp       = desc("bgp_neighbor_bfd_up", "1 while the neighbour's BFD session is Up (absent without BFD).", bgpLabels...)
	dBGPReceived    = desc("bgp_neighbor_prefixes_received", "Prefixes the neighbour sends, before the import policy.", bgpLabels...)
	dBGPAccepted    = desc("bgp_neighbor_prefixes_accepted", "Prefixes of the neighbour that passed the import policy.", bgpLabels...)
	dBGPAdvertised  = desc("bgp_neighbor_prefixes_advertised", "Prefixes advertised to the neighbour.", bgpLabels...)
	dBGPOverlay     = desc("bgp_overlay_prefixes_advertised", "Other sites' prefixes the speaker advertises now.")
	dBGPLearned     = desc("bgp_learned_prefixes", "Prefixes learned from the site's routers (sent to the controller).")
	bgpSessionNames = []string{"idle", "connect", "active", "opensent", "openconfirm", "established"}
)

// BGPCollector is a prometheus.Collector of the edge's BGP speaker.
type BGPCollector struct{ src BGPSource }

// NewBGPCollector returns a BGPCollector reading src.
func NewBGPCollector(src BGPSource) *BGPCollector { return &BGPCollector{src: src} }

// Describe implements prometheus.Collector.
func (c *BGPCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dBGPState, dBGPUp, dBGPBFDUp, dBGPReceived, dBGPAccepted, dBGPAdvertised, dBGPOverlay, dBGPLearned} {
		ch <- d
	}
}

// Collect implements prometheus.Collector; nothing while BGP is off.
func (c *BGPCollector) Collect(ch chan<- prometheus.Metric) {
	st, on := c.src.BGPStatus()
	if !on {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	for _, n := range st.Neighbors {
		l := []string{n.Address, uitoa(n.RemoteAS)}
		for _, s := range bgpSessionNames {
			gauge(dBGPState, b2f(n.State == s), append(append([]string(nil), l...), s)...)
		}
		gauge(dBGPUp, b2f(n.State == "established"), l...)
		if n.BFDState != "" {
			gauge(dBGPBFDUp, b2f(n.BFDState == "up"), l...)
		}
		gauge(dBGPReceived, float64(n.Received), l...)
		gauge(dBGPAccepted, float64(n.Accepted), l...)
		gauge(dBGPAdvertised, float64(n.Advertised), l...)
	}
	gauge(dBGPOverlay, float64(st.Advertised))
	gauge(dBGPLearned, float64(st.Learned))
}

func uitoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
