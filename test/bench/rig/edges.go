package rig

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// HubName and the links make the paths: each edge site has localLinks,
// the hub hubLinks; a path is one pair.
const HubName = "hq"

var (
	localLinks = []string{"inet", "lte", "mpls", "sat", "dsl"}
	hubLinks   = []string{"inet", "mpls"}
)

// SiteName is the name of the i-th simulated site (e0001, …).
func SiteName(i int) string { return fmt.Sprintf("e%04d", i+1) }

// PathIDs are the edge's path ids as `patronus edge` names them
// ("local-site/link->remote-site/link").
func PathIDs(site string, n int) []string {
	var out []string
	for _, l := range localLinks {
		for _, h := range hubLinks {
			if len(out) == n {
				return out
			}
			out = append(out, fmt.Sprintf("%s/%s->%s/%s", site, l, HubName, h))
		}
	}
	for len(out) < n { // more paths than names: number them
		out = append(out, fmt.Sprintf("%s/l%d->%s/inet", site, len(out), HubName))
	}
	return out
}

// Admin is a client of the controller's Admin API with the operator
// credentials it made; close it with the returned function.
func Admin(c *Controller) (pb.AdminClient, func(), error) {
	creds, err := pki.LoadIdentity(filepath.Join(c.DataDir, "admin"))
	if err != nil {
		return nil, nil, err
	}
	conn, err := grpc.NewClient(c.Addr, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig(ServerName))))
	if err != nil {
		return nil, nil, err
	}
	return pb.NewAdminClient(conn), func() { conn.Close() }, nil
}

// CreateTokens makes one join token per site through the Admin API.
func CreateTokens(ctx context.Context, c *Controller, sites []string, conc int) ([]string, error) {
	admin, done, err := Admin(c)
	if err != nil {
		return nil, err
	}
	defer done()
	tokens := make([]string, len(sites))
	err = Parallel(len(sites), conc, func(i int) error {
		resp, err := admin.CreateJoinToken(ctx, &pb.CreateJoinTokenRequest{Network: "default", SiteName: sites[i]})
		if err != nil {
			return fmt.Errorf("create token for %s: %w", sites[i], err)
		}
		tokens[i] = resp.Token
		return nil
	})
	return tokens, err
}

// Enrol trades a join token for the edge's credentials, as edge/agent
// does: the token's CA pin authenticates the controller, the edge sends a
// CSR and a WireGuard public key.
func Enrol(ctx context.Context, addr, token string) (*pki.Credentials, error) {
	tlsCfg, err := pki.EnrolTLSConfig(token, ServerName)
	if err != nil {
		return nil, err
	}
	key, err := pki.NewEdgeKey()
	if err != nil {
		return nil, err
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		return nil, err
	}
	wg, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	resp, err := pb.NewEnrollmentClient(conn).Enroll(ctx, &pb.EnrollRequest{JoinToken: token, CsrDer: csr, WireguardPublicKey: wg.PublicKey().Bytes()})
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(resp.CaCertDer)
	if err != nil {
		return nil, err
	}
	var chain []*x509.Certificate
	for _, der := range resp.ClientCertChainDer {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("no certificate in the answer")
	}
	id, err := pki.IdentityFromCert(chain[0])
	if err != nil {
		return nil, err
	}
	return &pki.Credentials{Key: key, Chain: chain, CA: ca, Identity: id}, nil
}

// Parallel runs fn(0..n-1) with at most conc at once; the first error wins.
func Parallel(n, conc int, fn func(i int) error) error {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// Window is the measured interval; batches sent in it count.
type Window struct {
	open, closed atomic.Bool
}

// Open opens the window.
func (w *Window) Open() { w.open.Store(true) }

// Close closes the window; it stays closed.
func (w *Window) Close() { w.closed.Store(true) }

// In reports whether the window is open now.
func (w *Window) In() bool { return w.open.Load() && !w.closed.Load() }

// Closed reports whether the window has closed.
func (w *Window) Closed() bool { return w.closed.Load() }

// Recorder collects what all edges measured.
type Recorder struct {
	mu        sync.Mutex
	latencies []time.Duration // guarded by mu: send → ack of batches sent in the window
	Sent      atomic.Int64    // batches sent in the window
	Acked     atomic.Int64    // acks received in the window (any batch)
	Events    atomic.Int64    // steering events sent in the window
	Errors    atomic.Int64
	errSample atomic.Value // string: one error, for the report
}

func (r *Recorder) fail(err error) {
	r.Errors.Add(1)
	r.errSample.CompareAndSwap(nil, err.Error())
}

// ErrorSample is one of the errors, or "".
func (r *Recorder) ErrorSample() string {
	s, _ := r.errSample.Load().(string)
	return s
}

// Latencies is a copy of the send → ack latencies of the window's batches.
func (r *Recorder) Latencies() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.latencies)
}

// BatchHook may change a batch just before an edge sends it (sentAt is
// the time the send is measured from). It is called on the edge's own
// goroutine, one batch at a time per edge.
type BatchHook func(t *pb.Telemetry, sentAt time.Time)

// Edge is one simulated edge: its own connection and Report stream.
type Edge struct {
	name    string
	paths   []string
	conn    *grpc.ClientConn
	stream  pb.EdgeControl_ReportClient
	bootID  []byte
	seq     uint64
	rng     *mrand.Rand
	started time.Time // counters_since

	// counters, cumulative per path
	tx, rx []uint64

	hook BatchHook // nil: batches as built

	mu       sync.Mutex
	inflight []sent // guarded by mu: sent, not acked, oldest first
}

type sent struct {
	seq      uint64
	at       time.Time
	inWindow bool
}

// NewEdge connects an edge with creds and opens its Report stream; its
// paths are PathIDs(site, nPaths), all UP unless hook changes them; seed
// makes its random metrics.
func NewEdge(ctx context.Context, addr string, creds *pki.Credentials, nPaths int, seed uint64, hook BatchHook) (*Edge, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig(ServerName))))
	if err != nil {
		return nil, err
	}
	stream, err := pb.NewEdgeControlClient(conn).Report(ctx)
	if err != nil {
		conn.Close()
		return nil, err
	}
	e := &Edge{hook: hook, name: creds.Identity.SiteName, conn: conn, stream: stream, bootID: make([]byte, 16),
		rng: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), started: time.Now(),
		tx: make([]uint64, nPaths), rx: make([]uint64, nPaths)}
	e.paths = PathIDs(e.name, nPaths)
	rand.Read(e.bootID)
	return e, nil
}

// telemetry is the batch `patronus edge` would send: each path's sample
// and counters, and a steering event with probability p.
func (e *Edge) telemetry(now time.Time, eventP float64) *pb.Telemetry {
	e.seq++
	t := &pb.Telemetry{BootId: e.bootID, Sequence: e.seq, SentAt: timestamppb.New(now), ConfigRevision: 1}
	ts := timestamppb.New(now)
	since := timestamppb.New(e.started)
	for i, p := range e.paths {
		lat := 5 + 40*e.rng.Float64()
		t.PathSamples = append(t.PathSamples, &pb.PathSample{PathId: p, MeasuredAt: ts, State: pb.PathState_PATH_STATE_UP,
			BfdState: pb.BfdState_BFD_STATE_UP, MetricsValid: true, LatencyMs: lat, JitterMs: lat / 10 * e.rng.Float64(),
			LossPct: 0.5 * e.rng.Float64(), Score: 80 + 20*e.rng.Float64(), ActiveFlows: uint32(e.rng.IntN(200))})
		e.tx[i] += uint64(e.rng.IntN(5_000_000))
		e.rx[i] += uint64(e.rng.IntN(20_000_000))
		t.PathCounters = append(t.PathCounters, &pb.PathCounters{PathId: p, CountersSince: since,
			TxBytes: e.tx[i], RxBytes: e.rx[i], TxPackets: e.tx[i] / 800, RxPackets: e.rx[i] / 900,
			CompressOfferedPackets: e.tx[i] / 1600, CompressedPackets: e.tx[i] / 3200,
			CompressInBytes: e.tx[i] / 3, CompressOutBytes: e.tx[i] / 5})
	}
	if eventP > 0 && e.rng.Float64() < eventP {
		from, to := e.paths[0], e.paths[len(e.paths)-1]
		t.SteeringEvents = append(t.SteeringEvents, &pb.SteeringEvent{At: ts, PathId: from,
			Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION, Reason: "latency 180ms > 150ms",
			FlowsMoved: uint32(e.rng.IntN(50)), SiteId: 1, Policy: "voice", FromPathIds: []string{from}, ToPathIds: []string{to}})
	}
	return t
}

// Name is the edge's site name.
func (e *Edge) Name() string { return e.name }

// Paths are the edge's path ids.
func (e *Edge) Paths() []string { return e.paths }

// Run sends a batch every interval, starting after phase, until ctx ends;
// a goroutine takes the acks.
func (e *Edge) Run(ctx context.Context, phase, interval time.Duration, eventP float64, w *Window, rec *Recorder) {
	go e.receive(w, rec)
	select {
	case <-time.After(phase):
	case <-ctx.Done():
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		now := time.Now()
		t := e.telemetry(now, eventP)
		in := w.In()
		if e.hook != nil {
			e.hook(t, now)
		}
		e.mu.Lock()
		e.inflight = append(e.inflight, sent{seq: t.Sequence, at: now, inWindow: in})
		e.mu.Unlock()
		if err := e.stream.Send(t); err != nil {
			if ctx.Err() == nil {
				rec.fail(fmt.Errorf("%s: send: %w", e.name, err))
			}
			return
		}
		if in {
			rec.Sent.Add(1)
			rec.Events.Add(int64(len(t.SteeringEvents)))
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

func (e *Edge) receive(w *Window, rec *Recorder) {
	for {
		ack, err := e.stream.Recv()
		if err != nil {
			if err != io.EOF && !w.Closed() {
				rec.fail(fmt.Errorf("%s: recv: %w", e.name, err))
			}
			return
		}
		now := time.Now()
		if w.In() {
			rec.Acked.Add(1)
		}
		e.mu.Lock()
		i := 0
		for ; i < len(e.inflight) && e.inflight[i].seq <= ack.AckedSequence; i++ {
			if s := e.inflight[i]; s.inWindow {
				rec.mu.Lock()
				rec.latencies = append(rec.latencies, now.Sub(s.at))
				rec.mu.Unlock()
			}
		}
		e.inflight = append(e.inflight[:0], e.inflight[i:]...)
		e.mu.Unlock()
	}
}

// Unacked counts batches sent in the window and not acknowledged.
func (e *Edge) Unacked() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, s := range e.inflight {
		if s.inWindow {
			n++
		}
	}
	return n
}

// Close ends the stream and the connection.
func (e *Edge) Close() {
	e.stream.CloseSend()
	e.conn.Close()
}
