package metrics

import (
	"crypto/x509"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/patronus-sdwan/patronus/controller/server"
)

// Namespace prefixes every metric of the controller.
const Namespace = "patronus_controller"

// Config is what New needs.
type Config struct {
	// Sites lists the networks and their sites at each scrape (the
	// store); required.
	Sites SiteLister
	// Certificates returns the controller's own certificates (the CA's,
	// the TLS server's) for their expiry gauge; nil: none.
	Certificates func() []Certificate
	// Logger; nil: discard.
	Logger *slog.Logger
	// Now; nil: time.Now.
	Now func() time.Time
}

// Certificate is a certificate the controller knows, by kind.
type Certificate struct {
	Kind string // "ca", "server"
	Cert *x509.Certificate
}

// Metrics holds the controller's metrics and serves them. It implements
// server.Observer and the API's request observer. Safe for concurrent
// use.
type Metrics struct {
	reg      *prometheus.Registry
	fleetReg *prometheus.Registry // the fleet's series only
	fleet    *Fleet

	streams        *prometheus.GaugeVec
	ingestPending  prometheus.Gauge
	ingestGroup    prometheus.Histogram
	ingestDuration prometheus.Histogram
	storeDuration  *prometheus.HistogramVec
	storeErrors    *prometheus.CounterVec
	enrolments     *prometheus.CounterVec
	apiRequests    *prometheus.CounterVec
	apiDuration    *prometheus.HistogramVec
}

var _ server.Observer = (*Metrics)(nil)

// Registerer takes further collectors into what /metrics serves (the
// relay's, package relay).
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

// latencyBuckets are the buckets of every duration histogram: 1 ms to
// about 16 s.
var latencyBuckets = prometheus.ExponentialBuckets(0.001, 2, 15)

// New makes the metrics and registers them with the Go runtime's and the
// process's.
func New(cfg Config) *Metrics {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), fleet: newFleet(cfg)}
	f := prometheus.WrapRegistererWithPrefix(Namespace+"_", m.reg)
	m.streams = newGaugeVec(f, "grpc_streams_open", "gRPC streams open, by method (WatchConfig, Report).", "method")
	m.ingestPending = newGauge(f, "telemetry_ingest_pending_batches", "Telemetry batches handed to the ingest writers and not yet answered: the ingest backlog.")
	m.ingestGroup = newHistogram(f, "telemetry_ingest_group_batches", "Telemetry batches stored per group commit.",
		prometheus.ExponentialBuckets(1, 2, 9))
	m.ingestDuration = newHistogram(f, "telemetry_ingest_group_duration_seconds", "Time to store one group of telemetry batches.", latencyBuckets)
	m.storeDuration = newHistogramVec(f, "store_call_duration_seconds", "Time of the store calls the controller makes on its own, by operation.", latencyBuckets, "op")
	m.storeErrors = newCounterVec(f, "store_call_errors_total", "Store calls that failed for the store's fault, by operation.", "op")
	m.enrolments = newCounterVec(f, "enrolments_total", "Enrolments, by result (accepted, refused) and reason of refusal.", "result", "reason")
	m.apiRequests = newCounterVec(f, "api_requests_total", "HTTP requests of the management API, by method, route template and status code.", "method", "route", "code")
	m.apiDuration = newHistogramVec(f, "api_request_duration_seconds", "Time to answer an HTTP request of the management API, by method and route template.", latencyBuckets, "method", "route")
	m.fleet.storeCall = m.StoreCall
	m.fleetReg = prometheus.NewRegistry()
	m.fleetReg.MustRegister(m.fleet)
	m.reg.MustRegister(m.fleet, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, op := range []string{server.OpRecordTelemetry, server.OpLoadSnapshot, server.OpLoadSites, server.OpEnrolSite, OpMaintain, OpReadyCheck, OpListSites} {
		m.storeErrors.WithLabelValues(op) // every op has a series from the start
	}
	m.enrolments.WithLabelValues("accepted", "")
	return m
}

// Store operations of the daemon and of this package (server.Op… are
// the server's).
const (
	OpMaintain   = "maintain"    // rolling up and deleting old rows
	OpReadyCheck = "ready_check" // /health/ready
	OpListSites  = "list_sites"  // the fleet's read of the sites, at each scrape
)

// Handler serves the metrics in the Prometheus text format. A failing
// part (the store, when listing the fleet's sites) is logged and left
// out; the rest is served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError,
		ErrorLog: slog.NewLogLogger(m.fleet.log.Handler(), slog.LevelWarn)})
}

// FleetGatherer gathers the fleet's series only (patronus_controller_fleet_*
// and the certificates' expiry), for remote write.
func (m *Metrics) FleetGatherer() prometheus.Gatherer { return m.fleetReg }

// Fleet is the fleet's state, fed by the event bus: run Fleet().Run.
func (m *Metrics) Fleet() *Fleet { return m.fleet }

// StreamOpened implements server.Observer.
func (m *Metrics) StreamOpened(method string) func() {
	g := m.streams.WithLabelValues(method)
	g.Inc()
	return g.Dec
}

// EdgeCertificate implements server.Observer.
func (m *Metrics) EdgeCertificate(network, site string, notAfter time.Time) {
	m.fleet.edgeCertificate(network, site, notAfter)
}

// IngestPending implements server.Observer.
func (m *Metrics) IngestPending(delta int) { m.ingestPending.Add(float64(delta)) }

// IngestGroup implements server.Observer.
func (m *Metrics) IngestGroup(n int, d time.Duration) {
	m.ingestGroup.Observe(float64(n))
	m.ingestDuration.Observe(d.Seconds())
}

// StoreCall implements server.Observer.
func (m *Metrics) StoreCall(op string, d time.Duration, err error) {
	m.storeDuration.WithLabelValues(op).Observe(d.Seconds())
	if err != nil {
		m.storeErrors.WithLabelValues(op).Inc()
	}
}

// Enrolment implements server.Observer.
func (m *Metrics) Enrolment(reason string) {
	if reason == "" {
		m.enrolments.WithLabelValues("accepted", "").Inc()
		return
	}
	m.enrolments.WithLabelValues("refused", reason).Inc()
}

// ObserveRequest counts an API request: route is the template it
// matched ("/api/v1/networks/{network}"), never the raw path.
func (m *Metrics) ObserveRequest(method, route string, code int, d time.Duration) {
	method = foldMethod(method)
	m.apiRequests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.apiDuration.WithLabelValues(method, route).Observe(d.Seconds())
}

// foldMethod keeps the standard methods and folds the rest to "other",
// so that a client cannot add series by inventing methods.
func foldMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

func newGauge(r prometheus.Registerer, name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	r.MustRegister(g)
	return g
}

func newGaugeVec(r prometheus.Registerer, name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	r.MustRegister(g)
	return g
}

func newCounterVec(r prometheus.Registerer, name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	r.MustRegister(c)
	return c
}

func newHistogram(r prometheus.Registerer, name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	r.MustRegister(h)
	return h
}

func newHistogramVec(r prometheus.Registerer, name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	r.MustRegister(h)
	return h
}
