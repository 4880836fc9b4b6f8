package daemon

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/metrics"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/remotewrite"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/stun"
	"github.com/patronus-sdwan/patronus/relay"
)

// Messages written to Config.Out; tests and scripts wait for them.
const (
	ServingMessage     = "patronus controller: serving on "
	ServingHTTPMessage = "patronus controller: serving plain HTTP (no TLS) on "
)

// Daemon is a running controller: its store, CA, server and listeners.
// Make one with New, run it with Serve, end it with Stop.
type Daemon struct {
	cfg       Config
	log       *slog.Logger
	out       io.Writer
	ca        *pki.CA
	st        store.Store
	srv       *server.Server
	bus       *events.Bus           // live events: the server publishes, GraphQL subscribes
	live      *manage.Live          // paths' latest state, from bus
	auth      *auth.Service         // sign-in, users, API keys
	metrics   *metrics.Metrics      // /metrics: the server and API report to it
	remote    *remotewrite.Exporter // nil: remote_write off
	alerts    *alert.Service        // the alert rules and webhook deliveries
	mgr       *manage.Service       // the management operations: the API, Admin's alert and site RPCs
	api       http.Handler          // the management API: cfg.HTTP, or the one built here
	ln        net.Listener          // TLS: gRPC and HTTPS
	httpLn    net.Listener          // plain HTTP; nil when off
	relay     *relay.Server         // the relay section's relay; nil when not run here
	relayConn *net.UDPConn          // its socket, closed at Stop
	stun      *stun.Server          // the STUN responder; nil when off (stun.go)

	ctx    context.Context // ends at Stop: the maintenance loop, the live paths, the event relay
	cancel context.CancelFunc
	wg     sync.WaitGroup // the maintenance loop, the live paths, the alerts
	stop   sync.Once
}

// Run starts a controller with cfg and serves until ctx ends or serving
// fails; then it stops it.
func Run(ctx context.Context, cfg Config) error {
	d, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- d.Serve() }()
	select {
	case <-ctx.Done():
		d.log.Info("shutting down")
		d.Stop()
		return <-served
	case err := <-served:
		d.Stop()
		return err
	}
}

// New fills cfg's defaults, validates it, and makes everything ready to
// serve: the data directory, the CA and first operator credentials (said
// on cfg.Out when new), the store, the configured networks, the server
// certificate, the listeners. Nothing is served until Serve. ctx bounds
// the start only.
func New(ctx context.Context, cfg Config) (*Daemon, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, log: cfg.Logger, out: cfg.Out}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.out == nil {
		d.out = io.Discard
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if err := d.open(ctx); err != nil {
		d.cancel()
		d.close()
		return nil, err
	}
	return d, nil
}

// open makes the parts in order; close undoes what was made.
func (d *Daemon) open(ctx context.Context) error {
	if err := os.MkdirAll(d.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	var err error
	if d.ca, err = setupCredentials(d.out, d.cfg); err != nil {
		return err
	}
	if d.st, err = openStore(ctx, d.cfg, d.ca); err != nil {
		return err
	}
	timeout, _ := time.ParseDuration(d.cfg.StoreTimeout)
	d.st = store.WithDeadline(d.st, store.Deadlines{Call: timeout})
	if d.cfg.Tracing {
		d.st = store.Traced(d.st)
	}
	if err := recordFirstOperator(ctx, d.st, d.cfg.DataDir); err != nil {
		return err
	}
	if err := reconcileNetworks(ctx, d.st, d.cfg.Networks); err != nil {
		return err
	}
	if err := d.openEvents(); err != nil {
		return err
	}
	if err := d.openAuth(ctx); err != nil {
		return err
	}
	if err := d.openAlerts(); err != nil {
		return err
	}
	d.openMetrics()
	if err := d.openRemoteWrite(); err != nil {
		return err
	}
	cert, err := d.serverCertificate("issued")
	if err != nil {
		return err
	}
	if d.ln, err = net.Listen("tcp", d.cfg.Listen); err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	if d.cfg.HTTPListen != "" {
		if d.httpLn, err = net.Listen("tcp", d.cfg.HTTPListen); err != nil {
			return fmt.Errorf("--http-listen: %w", err)
		}
	}
	// The API needs the server's certificate verifier, the server an HTTP
	// handler: it calls d.api, set before anything is served.
	enrolLimit, err := d.cfg.Enrolment.limit()
	if err != nil {
		return err
	}
	relayGrant, err := d.openRelay()
	if err != nil {
		return err
	}
	natCfg, err := d.openSTUN()
	if err != nil {
		return err
	}
	d.srv, err = server.New(server.Config{Store: d.st, NAT: natCfg, CA: d.ca, Certificate: cert, Enrolment: enrolLimit,
		RenewCertificate: func() (tls.Certificate, error) { return d.serverCertificate("re-issued") },
		Endpoints:        d.endpoints(), Relay: relayGrant, Hub: d.cfg.isHub, Logger: d.log, Events: d.bus, Users: d.auth, Alerts: d.mgr, Manage: d.mgr,
		Observer: d.metrics, Tracing: d.cfg.Tracing, EdgeValidity: d.edgeValidity(),
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.api.ServeHTTP(w, r) })})
	if err != nil {
		return err
	}
	if d.api = d.cfg.HTTP; d.api == nil {
		d.api, err = d.apiHandler(d.srv)
	}
	return err
}

// close releases what open made, in reverse order.
func (d *Daemon) close() {
	if d.relayConn != nil {
		d.relayConn.Close()
	}
	if d.stun != nil {
		d.stun.Close()
	}
	for _, ln := range []net.Listener{d.httpLn, d.ln} {
		if ln != nil {
			ln.Close()
		}
	}
	if d.bus != nil {
		d.bus.Close()
	}
	if d.st != nil {
		d.st.Close()
	}
}

// serverCertificate loads or (re-)issues the TLS server certificate for
// the configured names, and logs when it is new.
func (d *Daemon) serverCertificate(verb string) (tls.Certificate, error) {
	names := d.cfg.serverNames()
	cert, reissued, err := d.ca.ServerCertificate(names)
	if err != nil {
		return cert, fmt.Errorf("--server-name / server_names: %w", err)
	}
	if reissued {
		d.log.Info(verb+" the TLS server certificate", "names", names, "file", filepath.Join(d.ca.Dir(), pki.ServerCertFile), "not_after", cert.Leaf.NotAfter)
	}
	return cert, nil
}

// endpoints are the addresses told to enrolling edges. Edges keep dialling
// the address they enrolled with; endpoints are further addresses
// (replicas). Without server_names the controller does not know a name
// edges can reach, so it names none.
func (d *Daemon) endpoints() []string {
	if len(d.cfg.Endpoints) > 0 || len(d.cfg.ServerNames) == 0 {
		return d.cfg.Endpoints
	}
	_, port, _ := net.SplitHostPort(d.ln.Addr().String())
	return []string{net.JoinHostPort(d.cfg.ServerNames[0], port)}
}

// Addr is the address of the TLS listener (gRPC and HTTPS), with the port
// bound when Listen asked for port 0.
func (d *Daemon) Addr() net.Addr { return d.ln.Addr() }

// HTTPAddr is the address of the plain HTTP listener; nil when off.
func (d *Daemon) HTTPAddr() net.Addr {
	if d.httpLn == nil {
		return nil
	}
	return d.httpLn.Addr()
}

// Serve serves the listeners and runs the store's maintenance until Stop
// (then it returns nil) or until a listener fails (then it returns the
// error; call Stop).
func (d *Daemon) Serve() error {
	d.wg.Go(d.maintainLoop)
	if every, _ := d.cfg.WireGuard.rotateEvery(); every > 0 {
		d.wg.Go(func() { d.keyScheduleLoop(every) })
	}
	if d.stun != nil {
		go d.stun.Serve() // returns when close closes its sockets
		d.log.Info("stun responder started", "listen", d.stun.Addrs())
	}
	d.wg.Go(func() { d.alerts.Run(d.ctx) })
	d.wg.Go(func() { d.live.Run(d.ctx, d.bus) })
	d.wg.Go(func() { d.metrics.Fleet().Run(d.ctx, d.bus) })
	if d.remote != nil {
		d.wg.Go(func() { d.remote.Run(d.ctx) })
	}
	d.serveRelay()
	served := make(chan error, 2)
	n := 1
	if d.httpLn != nil {
		n++
		go func() { served <- d.srv.ServePlainHTTP(d.httpLn) }()
		d.log.Warn("serving plain HTTP without TLS: put it behind a reverse proxy that terminates TLS, never on an open network", "http_listen", d.httpLn.Addr().String())
		fmt.Fprintln(d.out, ServingHTTPMessage+d.httpLn.Addr().String())
	}
	go func() { served <- d.srv.Serve(d.ln) }()
	d.log.Info("controller started", "listen", d.ln.Addr().String(), "store", StoreLabel(d.cfg.Store), "ca", d.ca.CertPath(), "endpoints", d.endpoints())
	// The last line: who waits for it may connect at once.
	fmt.Fprintln(d.out, ServingMessage+d.ln.Addr().String())
	var first error
	for range n {
		if err := <-served; err != nil && first == nil {
			first = err
			d.srv.Stop() // the other listener too
		}
	}
	return first
}

// Stop ends the streams and the listeners (calls in flight get up to 5 s),
// the maintenance loop, and closes the store. Idempotent.
func (d *Daemon) Stop() {
	d.stop.Do(func() {
		d.cancel()
		d.srv.Stop()
		d.wg.Wait()
		d.close()
	})
}

// maintainLoop rolls metrics up and deletes old rows every
// MaintainInterval.
func (d *Daemon) maintainLoop() {
	every, _ := time.ParseDuration(d.cfg.MaintainInterval)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
			start := time.Now()
			stats, err := d.st.Maintain(d.ctx, d.cfg.retention())
			if d.ctx.Err() == nil {
				d.metrics.StoreCall(metrics.OpMaintain, time.Since(start), err)
			}
			if err != nil {
				if d.ctx.Err() == nil {
					d.log.Warn("maintain store", "err", err)
				}
				continue
			}
			d.log.Debug("maintained store", "rolled_minute", stats.RolledMinute, "rolled_hour", stats.RolledHour, "deleted", stats.Deleted, "dropped_partitions", stats.DroppedPartitions)
		}
	}
}

// edgeValidity is the lifetime of edge certificates (validated).
func (d *Daemon) edgeValidity() time.Duration {
	v, _ := time.ParseDuration(d.cfg.EdgeCertificateValidity)
	return v
}
