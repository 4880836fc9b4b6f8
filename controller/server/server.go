// Package server is the controller's gRPC service: Enrollment, EdgeControl
// and Admin (api/patronus/v1) over one TLS listener, on top of the store
// (controller/store) and the CA (controller/pki). The listener is shared
// with an HTTP handler (Config.HTTP: the management API): see front.go for
// how requests are told apart and what that changes for gRPC.
//
// One listener serves all three: the TLS handshake asks for a client
// certificate and checks it when one is sent (pki.Verifier, revocation
// included, on resumed sessions too) but does not require it, so that an
// edge without credentials can enrol. Every EdgeControl call then needs an
// enrolled site's certificate and every Admin call an operator's; others
// get UNAUTHENTICATED or PERMISSION_DENIED before any handler runs.
//
// Configuration push: the server watches the store's revisions
// (store.Watch: in-process on SQLite, LISTEN/NOTIFY across replicas on
// PostgreSQL). On each revision of a network it refreshes its table of
// sites (which decides revocation) and wakes every WatchConfig stream of
// that network; each computes its site's EdgeConfig from a snapshot of the
// network, loaded once per revision, and sends it when it differs from the
// last one sent. A revoked site's streams end with PERMISSION_DENIED.
// Path pins expire through a revision too (expiry.go).
package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Defaults.
const (
	// DefaultTokenTTL is a join token's lifetime when the request names none.
	DefaultTokenTTL = 24 * time.Hour
	// DefaultRenewInterval is how often RenewCertificate is called.
	DefaultRenewInterval = 24 * time.Hour
	// stopGrace bounds a graceful stop; then connections are closed.
	stopGrace = 5 * time.Second
	// keepaliveTime: the server pings a connection silent for this long,
	// so a vanished edge's streams end.
	keepaliveTime = 30 * time.Second
)

// Config is what a Server needs.
type Config struct {
	Store store.Store
	CA    *pki.CA
	// Certificate is the TLS server certificate (pki.CA.ServerCertificate).
	Certificate tls.Certificate
	// RenewCertificate, when set, is called every RenewInterval (default
	// daily) for the certificate to serve from then on: pass one that
	// calls pki.CA.ServerCertificate, which re-issues it when fewer than
	// 30 days are left. Connections open keep theirs.
	RenewCertificate func() (tls.Certificate, error)
	RenewInterval    time.Duration
	// Endpoints are the controller addresses given to enrolling edges.
	Endpoints []string
	// Relay is given to the edges with their paths' allocations
	// (relay.go); zero: no path is relayed.
	Relay Relay
	// Hub reports whether a site enrolling in a network is a hub; nil: none.
	Hub func(network, site string) bool
	// EdgeValidity is the lifetime of edge certificates; 0: pki.DefaultEdgeValidity.
	EdgeValidity time.Duration
	// Enrolment bounds enrolment attempts per source address; zero
	// fields take DefaultEnrolLimit's.
	Enrolment EnrolLimit
	// HTTP serves every request on the listener that is not a gRPC call
	// (the management API, the web UI); nil: a JSON 404.
	HTTP http.Handler
	// Keepalive: a connection silent this long is sent a PING, and closed
	// when no answer comes within KeepaliveTimeout, so a vanished edge's
	// streams end. 0: 30 s and 10 s.
	Keepalive        time.Duration
	KeepaliveTimeout time.Duration
	Logger           *slog.Logger     // nil: discard
	Now              func() time.Time // nil: time.Now

	// Events receives the live events (publish.go); nil: none.
	Events *events.Bus
	// Users administers the management API's users for Admin's user
	// RPCs (*auth.Service); nil: one made over Store with the defaults.
	Users UserAdmin
	// Alerts serves Admin's alert RPCs (*manage.Service); nil: they
	// answer UNIMPLEMENTED.
	Alerts AlertAdmin
	// Observer is told about streams, ingest, store calls and
	// enrolments (the controller's metrics); nil: nothing.
	Observer Observer
	// Tracing adds OpenTelemetry's gRPC stats handler (otelgrpc): a span
	// per call, the edge's trace context as its parent. Off: none, at no
	// cost. The configuration push spans (edge.go) do not depend on it.
	Tracing bool
	// Manage performs the Admin calls that the management API has too
	// (DeleteSite, ResetSite), with its checks and audit entries; nil: one
	// made over Store.
	Manage *manage.Service
	// NAT is endpoint discovery as the edges are told it (nat.go); the
	// zero value: none.
	NAT NATConfig
}

// Server serves the controller's gRPC services. Make one with New, then
// Serve; Stop ends it.
type Server struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	obs    Observer
	reg    *registry
	snaps  *snapshots
	ingest *ingester
	pub    *publisher
	// enrolGate limits enrolment attempts per source address and logs
	// refusals at most once a second.
	enrolGate *enrolGate
	// streams bounds the EdgeControl streams per site.
	streams siteStreams
	// pinWake wakes expiryLoop at every revision (buffered, coalesced).
	pinWake  chan struct{}
	cert     atomic.Pointer[tls.Certificate] // served to new handshakes
	grpc     *grpc.Server                    // served through the front (grpc.Server.ServeHTTP)
	tlsConf  *tls.Config                     // the front's: certificate from cert, pki.Verifier
	verifier *pki.Verifier                   // the handshake's; again at each HTTP request
	front    *front
	ctx      context.Context // ends at Stop: streams and the watch loop
	cancel   context.CancelFunc
	wg       sync.WaitGroup // the watch and renew loops, the telemetry writers
	stop     sync.Once
}

// New checks cfg, loads the sites and starts watching the store.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.CA == nil || len(cfg.Certificate.Certificate) == 0 {
		return nil, errors.New("server: config: store, CA and certificate are required")
	}
	if cfg.EdgeValidity == 0 {
		cfg.EdgeValidity = pki.DefaultEdgeValidity
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, obs: cfg.Observer, pinWake: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.enrolGate = newEnrolGate(cfg.Enrolment, s.log)
	s.reg = newRegistry(cfg.Store, s.obs)
	s.pub = newPublisher(cfg.Events, s.log)
	s.snaps = newSnapshots(cfg.Store, s.obs, s.log)
	if err := s.reg.loadAll(s.ctx); err != nil {
		s.cancel()
		return nil, fmt.Errorf("server: load sites: %w", err)
	}
	v := &pki.Verifier{CA: cfg.CA.Certificate(), Revoked: s.reg.revoked, Now: s.now}
	s.verifier = v
	if cfg.RenewInterval == 0 {
		cfg.RenewInterval = DefaultRenewInterval
	}
	s.cfg.RenewInterval = cfg.RenewInterval
	if s.cfg.Keepalive == 0 {
		s.cfg.Keepalive = keepaliveTime
	}
	if s.cfg.KeepaliveTimeout == 0 {
		s.cfg.KeepaliveTimeout = keepaliveTimeout
	}
	s.cert.Store(&cfg.Certificate)
	s.tlsConf = v.EnrolmentServerTLSConfig(cfg.Certificate)
	s.tlsConf.Certificates = nil
	s.tlsConf.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil }
	s.front = newFront()
	gopts := append(grpcLimits(), grpc.UnaryInterceptor(s.unaryAuth), grpc.StreamInterceptor(s.streamAuth))
	if cfg.Tracing {
		gopts = append(gopts, grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithPublicEndpointFn(anonymousPeer))))
	}
	s.grpc = grpc.NewServer(gopts...)
	pb.RegisterEnrollmentServer(s.grpc, &enrollment{s: s})
	pb.RegisterEdgeControlServer(s.grpc, &edgeControl{s: s})
	if s.cfg.Users == nil {
		users, err := auth.New(auth.Config{Store: cfg.Store, Logger: s.log, Now: s.now})
		if err != nil {
			s.cancel()
			return nil, fmt.Errorf("server: users: %w", err)
		}
		s.cfg.Users = users
	}
	if s.cfg.Manage == nil {
		m, err := manage.New(manage.Config{Store: cfg.Store, Log: s.log, Now: s.now})
		if err != nil {
			s.cancel()
			return nil, fmt.Errorf("server: manage: %w", err)
		}
		s.cfg.Manage = m
	}
	pb.RegisterAdminServer(s.grpc, &admin{s: s})
	s.ingest = newIngester(s.ctx, cfg.Store, s.obs)
	for range ingestWriters(cfg.Store) {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.ingest.run()
		}()
	}
	watch := cfg.Store.Watch(s.ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.watchLoop(watch)
	}()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.expiryLoop()
	}()
	if cfg.RenewCertificate != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.renewLoop()
		}()
	}
	return s, nil
}

// renewLoop asks for the server certificate every RenewInterval.
func (s *Server) renewLoop() {
	t := time.NewTicker(s.cfg.RenewInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			cert, err := s.cfg.RenewCertificate()
			if err != nil {
				s.log.Error("renew the server certificate; keeping the current one", "err", err)
				continue
			}
			if old := s.cert.Swap(&cert); len(old.Certificate) == 0 || !bytes.Equal(old.Certificate[0], cert.Certificate[0]) {
				s.log.Info("serving a new server certificate")
			}
		}
	}
}

// Stop ends every stream, waits up to 5 s for calls and requests in
// flight, then closes the connections and waits for the handlers. It does
// not close the store. Idempotent.
func (s *Server) Stop() {
	s.stop.Do(func() {
		s.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
		s.stopFront(ctx)
		cancel()
		s.grpc.Stop()
		s.wg.Wait()
	})
}

// watchLoop refreshes the site table of each network whose revision moved
// and wakes its streams.
func (s *Server) watchLoop(revs <-chan store.Revision) {
	for r := range revs {
		if err := s.reg.refresh(s.ctx, r.NetworkID); err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.log.Warn("refresh sites", "network_id", r.NetworkID, "revision", r.Number, "err", err)
		}
		s.reg.wake(r.NetworkID)
		if name, ok := s.reg.networkName(r.NetworkID); ok {
			s.pub.revision(s.ctx, s.snaps, name, r.Number)
		}
		s.wakeExpiry()
	}
}

// Certificate is the TLS server certificate served to new connections.
func (s *Server) Certificate() *x509.Certificate { return s.cert.Load().Leaf }

// Verifier is the client certificate verifier of the handshake (the
// controller's CA, revocation included), for the management API's
// operator certificates.
func (s *Server) Verifier() *pki.Verifier { return s.verifier }

// anonymousPeer reports whether a call's peer presented no client
// certificate (an enrolling edge, or a caller about to be refused): its
// trace context is then only linked, not taken as the parent of the
// call's span, so that no one unauthenticated chooses the controller's
// trace IDs or sampling. A certificate presented was verified in the
// handshake.
func anonymousPeer(ctx context.Context, _ *stats.RPCTagInfo) bool {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return true
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	return !ok || len(info.State.PeerCertificates) == 0
}
