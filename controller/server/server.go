// Package server is the controller's gRPC service: Enrollment, EdgeControl
// and Admin (api/patronus/v1) over one TLS listener, on top of the store
// (controller/store) and the CA (controller/pki).
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
package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/auth"
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
	// keepaliveTime: the server pings an idle connection this often, so
	// a vanished edge's streams end.
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
	// Hub reports whether a site enrolling in a network is a hub; nil: none.
	Hub func(network, site string) bool
	// EdgeValidity is the lifetime of edge certificates; 0: pki.DefaultEdgeValidity.
	EdgeValidity time.Duration
	Logger       *slog.Logger     // nil: discard
	Now          func() time.Time // nil: time.Now
	// Users administers the management API's users for Admin's user
	// RPCs (*auth.Service); nil: one made over Store with the defaults.
	Users UserAdmin
}

// Server serves the controller's gRPC services. Make one with New, then
// Serve; Stop ends it.
type Server struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	reg    *registry
	snaps  *snapshots
	ingest *ingester
	cert   atomic.Pointer[tls.Certificate] // served to new handshakes
	grpc   *grpc.Server
	ctx    context.Context // ends at Stop: streams and the watch loop
	cancel context.CancelFunc
	wg     sync.WaitGroup // the watch and renew loops, the telemetry writers
	stop   sync.Once
}

// New checks cfg, loads the sites and starts watching the store.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.CA == nil || len(cfg.Certificate.Certificate) == 0 {
		return nil, errors.New("server: config: store, CA and certificate are required")
	}
	if cfg.EdgeValidity == 0 {
		cfg.EdgeValidity = pki.DefaultEdgeValidity
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.reg = newRegistry(cfg.Store)
	s.snaps = newSnapshots(cfg.Store)
	if err := s.reg.loadAll(s.ctx); err != nil {
		s.cancel()
		return nil, fmt.Errorf("server: load sites: %w", err)
	}
	v := &pki.Verifier{CA: cfg.CA.Certificate(), Revoked: s.reg.revoked, Now: s.now}
	if cfg.RenewInterval == 0 {
		cfg.RenewInterval = DefaultRenewInterval
	}
	s.cfg.RenewInterval = cfg.RenewInterval
	s.cert.Store(&cfg.Certificate)
	tlsConf := v.EnrolmentServerTLSConfig(cfg.Certificate)
	tlsConf.Certificates = nil
	tlsConf.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil }
	s.grpc = grpc.NewServer(
		grpc.Creds(credentials.NewTLS(tlsConf)),
		grpc.UnaryInterceptor(s.unaryAuth),
		grpc.StreamInterceptor(s.streamAuth),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepaliveTime, Timeout: 10 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
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
	pb.RegisterAdminServer(s.grpc, &admin{s: s})
	s.ingest = newIngester(s.ctx, cfg.Store)
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

// Serve accepts connections on ln until Stop. It returns nil after Stop.
func (s *Server) Serve(ln net.Listener) error {
	err := s.grpc.Serve(ln)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Stop ends every stream, waits up to 5 s for calls in flight, then
// closes the connections. It does not close the store. Idempotent.
func (s *Server) Stop() {
	s.stop.Do(func() {
		s.cancel()
		done := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(stopGrace):
			s.grpc.Stop()
			<-done
		}
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
	}
}
