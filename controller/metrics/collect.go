package metrics

import (
	"cmp"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patronus-sdwan/patronus/controller/events"
)

// The fleet's label sets: a site, and a path as one end (site) reports it.
var (
	siteLabels = []string{"network", "site"}
	pathLabels = []string{"network", "site", "path", "peer_site", "local_link", "remote_link"}
)

func fleetDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
}

func with(labels []string, more ...string) []string {
	return append(append([]string(nil), labels...), more...)
}

// Descriptions of the fleet's metrics (the registry adds no prefix to a
// custom Collector's descriptions, so they carry the namespace).
var (
	dSiteOnline   = fleetDesc("fleet_site_online", "1 while the site has a control stream open to a controller, 0 when not.", siteLabels...)
	dSiteLastSeen = fleetDesc("fleet_site_last_seen_timestamp_seconds", "When the site's telemetry was last stored (Unix time); absent when never.", siteLabels...)
	dPathState    = fleetDesc("fleet_path_state", "1 for the path's state as its site last reported it (up, degraded, down), 0 for the others.", with(pathLabels, "state")...)
	dPathBFDUp    = fleetDesc("fleet_path_bfd_up", "1 when the path's BFD session is Up, as its site last reported it.", pathLabels...)
	dPathScore    = fleetDesc("fleet_path_score", "The path's score, 0-100, as its site last reported it.", pathLabels...)
	dPathLatency  = fleetDesc("fleet_path_latency_seconds", "Round-trip time of the path's probes (absent while the edge has too few).", pathLabels...)
	dPathJitter   = fleetDesc("fleet_path_jitter_seconds", "Jitter of the path's probes, RFC 3550 (absent while the edge has too few).", pathLabels...)
	dPathLoss     = fleetDesc("fleet_path_loss_ratio", "Loss of the path's probes, 0-1 (absent while the edge has too few).", pathLabels...)
	dPathBytes    = fleetDesc("fleet_path_bytes_total", "Inner bytes sent (tx) and received (rx) on the path since its edge started (absent until reported).", with(pathLabels, "direction")...)
	dPathFailover = fleetDesc("fleet_path_failovers_total", "Steering decisions that moved flows off the path because it went down, counted since the controller started.", pathLabels...)
	dCertExpiry   = fleetDesc("certificate_expiry_timestamp_seconds", "When a certificate the controller knows expires (Unix time): kind ca, server, or edge (the certificate a site's control stream presented).", "kind", "network", "site")
)

var fleetDescs = []*prometheus.Desc{dSiteOnline, dSiteLastSeen, dPathState, dPathBFDUp, dPathScore, dPathLatency,
	dPathJitter, dPathLoss, dPathBytes, dPathFailover, dCertExpiry}

// Describe implements prometheus.Collector.
func (f *Fleet) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range fleetDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one copy of the state, the
// sites read from the store.
func (f *Fleet) Collect(ch chan<- prometheus.Metric) {
	f.collectOwnCerts(ch)
	enrolled, err := f.enrolled()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(dSiteOnline, err)
		return
	}
	c := f.snapshot(enrolled)
	// In label order: the registry sorts each family, and sorted input is
	// its cheap case.
	for _, k := range sortedKeys(enrolled, siteLess) {
		s, st := enrolled[k], c.sites[k]
		gauge(ch, dSiteOnline, b2f(st.online), k.network, k.site)
		if !s.LastSeen.IsZero() {
			gauge(ch, dSiteLastSeen, unix(s.LastSeen), k.network, k.site)
		}
		if !st.notAfter.IsZero() {
			gauge(ch, dCertExpiry, unix(st.notAfter), "edge", k.network, k.site)
		}
	}
	for _, k := range sortedKeys(c.paths, pathLess) {
		collectPath(ch, k, c.paths[k])
	}
}

// collectOwnCerts emits the CA's and the server's certificate expiry.
func (f *Fleet) collectOwnCerts(ch chan<- prometheus.Metric) {
	if f.certs == nil {
		return
	}
	for _, c := range f.certs() {
		if c.Cert != nil {
			gauge(ch, dCertExpiry, unix(c.Cert.NotAfter), c.Kind, "", "")
		}
	}
}

// states are the path states the API spells, with their label values.
var states = []struct{ api, label string }{{events.PathUp, "up"}, {events.PathDegraded, "degraded"}, {events.PathDown, "down"}}

func collectPath(ch chan<- prometheus.Metric, k pathKey, p pathState) {
	peer, local, remote, ok := pathEnds(k.id)
	if !ok {
		return
	}
	l := []string{k.network, k.site, k.id, peer, local, remote}
	r := p.report
	for _, s := range states {
		gauge(ch, dPathState, b2f(r.State == s.api), with(l, s.label)...)
	}
	gauge(ch, dPathBFDUp, b2f(r.BFDState == "UP"), l...)
	gauge(ch, dPathScore, r.Score, l...)
	if r.MetricsValid {
		gauge(ch, dPathLatency, r.LatencyMs/1e3, l...)
		gauge(ch, dPathJitter, r.JitterMs/1e3, l...)
		gauge(ch, dPathLoss, r.LossPct/100, l...)
	}
	if r.Counters {
		counter(ch, dPathBytes, float64(r.TxBytes), with(l, "tx")...)
		counter(ch, dPathBytes, float64(r.RxBytes), with(l, "rx")...)
	}
	counter(ch, dPathFailover, float64(p.failovers), l...)
}

func siteLess(a, b siteKey) int {
	return cmp.Or(strings.Compare(a.network, b.network), strings.Compare(a.site, b.site))
}

// pathLess orders as the registry sorts the path series: by label values
// in the order of the label names (local_link, network, path, …, site).
func pathLess(a, b pathKey) int {
	_, la, _, _ := pathEnds(a.id)
	_, lb, _, _ := pathEnds(b.id)
	return cmp.Or(strings.Compare(la, lb), strings.Compare(a.network, b.network), strings.Compare(a.id, b.id), strings.Compare(a.site, b.site))
}

func sortedKeys[K comparable, V any](m map[K]V, less func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, less)
	return keys
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, l ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, l ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, l...)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
