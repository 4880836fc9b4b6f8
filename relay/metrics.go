package relay

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Registration results and drop reasons, the values of the metrics'
// labels.
const (
	resultOK        = "ok"
	resultBadMAC    = "bad_mac"   // a forged or wrong token
	resultMalformed = "malformed" // not a registration of this version
	resultStale     = "stale"     // its time is outside the clock skew
	resultReplay    = "replay"    // not later than the side's last one
	resultLimit     = "limit"     // the session would pass a bound

	reasonMalformed     = "malformed"
	reasonNoSession     = "no_session"
	reasonUnknownSource = "unknown_source" // not from an address bound to the session
	reasonNotWireGuard  = "not_wireguard"
	reasonPeerUnbound   = "peer_unbound" // the other side has not registered
	reasonRate          = "rate"
	reasonSendError     = "send_error"
)

// metrics are the relay's Prometheus metrics.
type metrics struct {
	sessions      prometheus.Gauge
	registrations *prometheus.CounterVec
	drops         *prometheus.CounterVec
	packets       prometheus.Counter
	bytes         prometheus.Counter
	expired       prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{Name: "patronus_relay_sessions",
			Help: "Relayed paths (sessions) the relay holds."}),
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "patronus_relay_registrations_total",
			Help: "Registrations of a session side, by result (ok, bad_mac, malformed, stale, replay, limit)."}, []string{"result"}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "patronus_relay_dropped_packets_total",
			Help: "Data datagrams not forwarded, by reason."}, []string{"reason"}),
		packets: prometheus.NewCounter(prometheus.CounterOpts{Name: "patronus_relay_forwarded_packets_total",
			Help: "Datagrams forwarded."}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "patronus_relay_forwarded_bytes_total",
			Help: "Bytes of the datagrams forwarded, relay header included."}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{Name: "patronus_relay_sessions_expired_total",
			Help: "Sessions forgotten after Idle without traffic."}),
	}
	for _, r := range []string{resultOK, resultBadMAC, resultMalformed, resultStale, resultReplay, resultLimit} {
		m.registrations.WithLabelValues(r)
	}
	for _, r := range []string{reasonMalformed, reasonNoSession, reasonUnknownSource, reasonNotWireGuard, reasonPeerUnbound, reasonRate, reasonSendError} {
		m.drops.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.sessions, m.registrations, m.drops, m.packets, m.bytes, m.expired} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(errors.New("relay: metrics"), err)
		}
	}
	return m, nil
}

func (m *metrics) drop(reason string)   { m.drops.WithLabelValues(reason).Inc() }
func (m *metrics) refuse(result string) { m.registrations.WithLabelValues(result).Inc() }
