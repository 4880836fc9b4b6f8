package agent

import (
	"context"
	"crypto/ecdh"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/keepalive"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// Defaults of Options.
const (
	DefaultTelemetryInterval = time.Second
	// DefaultTelemetryBuffer bounds the batches kept until acknowledged:
	// five minutes at one batch a second. Beyond it the oldest go.
	DefaultTelemetryBuffer = 300
	// MinUrgentInterval bounds the batches sent at once for Urgent: at
	// most one per interval, the requests in between coalesced.
	MinUrgentInterval = 50 * time.Millisecond
)

// Options configure an Agent.
type Options struct {
	// Controller is the controller's "HOST:PORT"; HOST must be a name or
	// address in its server certificate. Empty after enrolment: the
	// address enrolment used. The controller endpoints enrolment returned
	// are tried after it when it cannot be reached.
	Controller string
	// JoinToken is needed only when StateDir holds no identity yet. It is
	// a secret: the agent never logs it, never writes it to disk, and no
	// error it returns contains it.
	JoinToken string
	// StateDir holds the identity, the WireGuard key and the last
	// configuration (DefaultStateDir in patronus edge).
	StateDir string
	// Apply puts a valid configuration in force; it must accept the same
	// configuration twice. An error keeps the previous configuration as
	// the one the edge runs. It is called from one goroutine at a time.
	Apply func(*config.Valid) error
	// Telemetry, when set, is called every TelemetryInterval for a batch
	// to report; the agent fills in boot_id, sequence, sent_at and
	// config_revision. A nil batch is skipped.
	Telemetry         func() *pb.Telemetry
	TelemetryInterval time.Duration // 0: DefaultTelemetryInterval
	TelemetryBuffer   int           // 0: DefaultTelemetryBuffer
	// Urgent, when set, asks for a batch at once rather than at the next
	// interval: the edge sends on it (without blocking) when a path's
	// state or BFD state changes, so that the controller learns it
	// within milliseconds. The agent then takes a batch from
	// UrgentTelemetry (nil: Telemetry), at most one per
	// MinUrgentInterval. Urgent and periodic batches share one numbering.
	Urgent          <-chan struct{}
	UrgentTelemetry func() *pb.Telemetry
	// Links, when set, returns the WAN links of the configuration in
	// force: the control channel is bound to one of them, the cheapest
	// that reaches the controller, and moves to another within seconds
	// when its link dies (ctlink.go). Nil, or no links: the host's
	// routing chooses. Called from the agent's goroutines.
	Links func() []Link
	// Backoff paces the reconnections; zero: DefaultBackoff.
	Backoff Backoff
	// Log receives the agent's records; nil: none. Once the edge's
	// identity is known, every record carries its "site".
	Log *slog.Logger
	// Tracing adds OpenTelemetry's gRPC client handler to the calls to
	// the controller (their trace context travels to it).
	Tracing bool
	// TracerProvider makes the agent's spans (trace.go); nil: the global
	// one (a no-op until one is installed).
	TracerProvider trace.TracerProvider
	// RotateKey moves the data plane to a new WireGuard key without
	// losing traffic (dataplane.RotateKey), for the key rotations the
	// controller asks for (keyrot.go); nil: the edge refuses them.
	RotateKey func(ctx context.Context, next *ecdh.PrivateKey) error
}

// Agent is an enrolled edge's side of the control channel.
type Agent struct {
	opts    Options
	log     *slog.Logger
	tracer  trace.Tracer
	credsMu sync.Mutex
	creds   *pki.Credentials // guarded by credsMu once Run has started (renew.go)
	wgKey   *ecdh.PrivateKey // guarded by credsMu once Run has started (keyrot.go)
	// rotateKick (capacity 1) wakes the key rotation loop: a configuration
	// was put in force.
	rotateKick chan struct{}
	targets    []string // controller addresses, in the order tried (targets.go)
	keyFile    string
	rep        *reporter
	link       *ctlink // the control channel's link (ctlink.go)

	mu          sync.Mutex
	current     *pb.EdgeConfig    // guarded by mu: the configuration in force; nil: none
	appliedSpan trace.SpanContext // guarded by mu: the span that applied current
}

// New loads the edge's identity from opts.StateDir or, when there is
// none, enrols with opts.JoinToken (waiting for an unreachable
// controller until ctx ends). A refused token is ErrTokenRefused.
func New(ctx context.Context, opts Options) (*Agent, error) {
	if opts.Apply == nil {
		return nil, errors.New("agent: Options.Apply: required")
	}
	opts.Backoff = opts.Backoff.orDefault()
	if opts.TelemetryInterval <= 0 {
		opts.TelemetryInterval = DefaultTelemetryInterval
	}
	if opts.TelemetryBuffer <= 0 {
		opts.TelemetryBuffer = DefaultTelemetryBuffer
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := ensureStateDir(opts.StateDir); err != nil {
		return nil, err
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = otel.GetTracerProvider()
	}
	a := &Agent{opts: opts, log: log, tracer: opts.TracerProvider.Tracer(tracing.ScopeName), keyFile: filepath.Join(opts.StateDir, WireGuardKeyFile),
		rotateKick: make(chan struct{}, 1)}
	var err error
	if a.wgKey, err = loadOrCreateWireGuardKey(opts.StateDir); err != nil {
		return nil, err
	}
	if err := a.loadOrEnrol(ctx); err != nil {
		return nil, err
	}
	rep, err := newReporter(opts.TelemetryBuffer)
	if err != nil {
		return nil, err
	}
	a.rep = rep
	a.link = newCtlink(opts.Links, log)
	return a, nil
}

func (a *Agent) loadOrEnrol(ctx context.Context) error {
	creds, err := pki.LoadIdentity(a.opts.StateDir)
	switch {
	case err == nil:
		a.creds = creds
		e, err := loadEnrolment(a.opts.StateDir)
		if err != nil {
			return err
		}
		a.targets = controllerTargets(a.opts.Controller, e)
		a.log = a.log.With("site", creds.Identity.SiteName)
		if len(a.targets) == 0 {
			return errors.New("agent: no controller address given and none saved from the enrolment")
		}
		if a.opts.JoinToken != "" {
			a.log.Info("already enrolled: the join token is not needed and was not used", "identity", creds.Identity)
		}
		if time.Now().After(creds.NotAfter()) {
			// Renewal (renew.go) needs a certificate in force: the
			// controller refuses the handshake of an expired one.
			a.log.Error("the edge's certificate has expired: run 'patronus ctl sites reset "+creds.Identity.SiteName+
				"' on the controller and start the edge with the join token it prints and an empty state directory",
				"identity", creds.Identity, "not_after", creds.NotAfter(), "state_dir", a.opts.StateDir)
		}
		return nil
	case !errors.Is(err, pki.ErrNoIdentity):
		return err
	case a.opts.JoinToken == "":
		return fmt.Errorf("agent: %w: state directory %s", ErrNoToken, a.opts.StateDir)
	case a.opts.Controller == "":
		return errors.New("agent: enrolment: no controller address given")
	}
	a.log.Info("enrolling", "controller", a.opts.Controller, "state_dir", a.opts.StateDir)
	ctx, span := a.tracer.Start(ctx, "edge.enrol") // never the token
	creds, e, err := enrol(ctx, enrolRequest{controller: a.opts.Controller, token: a.opts.JoinToken,
		stateDir: a.opts.StateDir, wgKey: a.wgKey, backoff: a.opts.Backoff, log: a.log, dial: a.opts.traceDialOptions()})
	if err == nil {
		span.SetAttributes(tracing.AttrNetwork.String(e.Network), tracing.AttrSite.String(creds.Identity.SiteName))
	}
	tracing.End(span, err)
	if err != nil {
		return err
	}
	a.creds, a.targets = creds, controllerTargets(a.opts.Controller, e)
	a.log = a.log.With("site", creds.Identity.SiteName)
	a.log.Info("enrolled", "identity", creds.Identity, "network", e.Network, "not_after", creds.NotAfter())
	return nil
}

// Identity is the edge's identity, from its certificate.
func (a *Agent) Identity() pki.Identity { return a.credentials().Identity }

// WireGuardPublicKey is the public key enrolment sent the controller.
func (a *Agent) WireGuardPublicKey() []byte { return a.wireGuardKey().PublicKey().Bytes() }

// Revision is the revision of the configuration in force; 0: none.
func (a *Agent) Revision() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current.GetRevision()
}

// Run applies the configuration saved by the last run, if any, then
// watches the controller's configuration and reports telemetry until ctx
// ends. A controller that cannot be reached is retried with backoff
// while the edge keeps the configuration it has. Run returns nil when
// ctx ends.
//
// The certificate is renewed at two thirds of its lifetime (renew.go);
// the streams then move to channels that present the new one, and the
// telemetry not acknowledged yet is sent again on them.
func (a *Agent) Run(ctx context.Context) error {
	a.applySaved()
	cs, err := a.dialControllers()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { a.link.run(ctx) })
	if a.opts.Telemetry != nil {
		wg.Go(func() { a.collectLoop(ctx) })
	}
	for a.runStreams(ctx, cs) {
		if cs, err = a.dialControllers(); err != nil {
			break
		}
	}
	cancel()
	wg.Wait()
	return err
}

// runStreams runs the configuration watch and the telemetry stream over
// cs until ctx ends (false) or the certificate was renewed (true: the
// caller runs them again over channels that present the new one). It
// closes cs.
func (a *Agent) runStreams(ctx context.Context, cs *controllers) (renewed bool) {
	defer cs.close()
	gen, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { a.watchLoop(gen, cs) })
	wg.Go(func() { a.keyRotationLoop(gen, cs) })
	if a.opts.Telemetry != nil {
		wg.Go(func() { a.reportLoop(gen, cs) })
	}
	renewed = a.renewLoop(gen, cs)
	cancel()
	wg.Wait()
	return renewed && ctx.Err() == nil
}

// connectTimeout bounds one connection attempt to the controller.
const connectTimeout = 10 * time.Second

// keepaliveParams make the agent ping the controller on an idle
// connection, so that a controller that vanished without closing the
// connection (power loss, a partition) is noticed within Time + Timeout
// and the streams reconnect; the data plane keeps its configuration
// meanwhile. Time respects the controller's enforcement policy (pings
// at most every 10 s). A variable for tests.
var keepaliveParams = keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second, PermitWithoutStream: true}

// connectParams gives gRPC's reconnection of the channel the bounds of b,
// so that a stream the agent retries finds a channel that retried too.
func connectParams(b Backoff) grpc.DialOption {
	bc := backoff.DefaultConfig
	bc.BaseDelay, bc.MaxDelay = b.Min, b.Max
	return grpc.WithConnectParams(grpc.ConnectParams{Backoff: bc, MinConnectTimeout: connectTimeout})
}

// applySaved puts the configuration of the last run in force, so that the
// edge forwards before (and without) the controller.
func (a *Agent) applySaved() {
	cfg, err := loadConfig(a.opts.StateDir)
	switch {
	case err != nil:
		a.log.Error("saved configuration unreadable; waiting for the controller's", "err", err)
		return
	case cfg == nil:
		a.log.Info("no saved configuration; waiting for the controller's")
		return
	}
	if span, ok := a.apply(cfg, "saved"); ok {
		a.setCurrent(cfg, span)
		a.kickRotation()
		a.log.Info("saved configuration applied", "revision", cfg.GetRevision())
	}
}
