package main

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
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// serverName is the name the clients dial the controller as.
const serverName = "127.0.0.1"

// hubName and the links make the paths: each edge site has localLinks,
// the hub hubLinks; a path is one pair.
const hubName = "hq"

var (
	localLinks = []string{"inet", "lte", "mpls", "sat"}
	hubLinks   = []string{"inet", "mpls"}
)

func siteName(i int) string { return fmt.Sprintf("e%04d", i+1) }

// pathIDs are the edge's path ids as `patronus edge` names them
// ("local-site/link->remote-site/link").
func pathIDs(site string, n int) []string {
	var out []string
	for _, l := range localLinks {
		for _, h := range hubLinks {
			if len(out) == n {
				return out
			}
			out = append(out, fmt.Sprintf("%s/%s->%s/%s", site, l, hubName, h))
		}
	}
	for len(out) < n { // more paths than names: number them
		out = append(out, fmt.Sprintf("%s/l%d->%s/inet", site, len(out), hubName))
	}
	return out
}

// createTokens makes one join token per site through the Admin API with
// the operator credentials the controller made.
func createTokens(ctx context.Context, c *controller, n, conc int) ([]string, error) {
	creds, err := pki.LoadIdentity(filepath.Join(c.dataDir, "admin"))
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(c.addr, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig(serverName))))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	admin := pb.NewAdminClient(conn)
	tokens := make([]string, n)
	err = parallel(n, conc, func(i int) error {
		resp, err := admin.CreateJoinToken(ctx, &pb.CreateJoinTokenRequest{Network: "default", SiteName: siteName(i)})
		if err != nil {
			return fmt.Errorf("create token for %s: %w", siteName(i), err)
		}
		tokens[i] = resp.Token
		return nil
	})
	return tokens, err
}

// enrol trades a join token for the edge's credentials, as edge/agent
// does: the token's CA pin authenticates the controller, the edge sends a
// CSR and a WireGuard public key.
func enrol(ctx context.Context, addr, token string) (*pki.Credentials, error) {
	tlsCfg, err := pki.EnrolTLSConfig(token, serverName)
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

// parallel runs fn(0..n-1) with at most conc at once; the first error wins.
func parallel(n, conc int, fn func(i int) error) error {
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

// window is the measured interval; batches sent in it count.
type window struct {
	open, closed atomic.Bool
}

// recorder collects what all edges measured.
type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration // send → ack of batches sent in the window
	sent      atomic.Int64    // batches sent in the window
	acked     atomic.Int64    // acks received in the window (any batch)
	events    atomic.Int64    // steering events sent in the window
	errors    atomic.Int64
	errSample atomic.Value // string: one error, for the report
}

func (r *recorder) fail(err error) {
	r.errors.Add(1)
	r.errSample.CompareAndSwap(nil, err.Error())
}

// edge is one simulated edge: its own connection and Report stream.
type edge struct {
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

	mu       sync.Mutex
	inflight []sent // guarded by mu: sent, not acked, oldest first
}

type sent struct {
	seq      uint64
	at       time.Time
	inWindow bool
}

func newEdge(ctx context.Context, addr string, creds *pki.Credentials, nPaths int, seed uint64) (*edge, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig(serverName))))
	if err != nil {
		return nil, err
	}
	stream, err := pb.NewEdgeControlClient(conn).Report(ctx)
	if err != nil {
		conn.Close()
		return nil, err
	}
	e := &edge{name: creds.Identity.SiteName, conn: conn, stream: stream, bootID: make([]byte, 16),
		rng: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), started: time.Now(),
		tx: make([]uint64, nPaths), rx: make([]uint64, nPaths)}
	e.paths = pathIDs(e.name, nPaths)
	rand.Read(e.bootID)
	return e, nil
}

// telemetry is the batch `patronus edge` would send: each path's sample
// and counters, and a steering event with probability p.
func (e *edge) telemetry(now time.Time, eventP float64) *pb.Telemetry {
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

// run sends a batch every interval, starting after phase, until ctx ends;
// a goroutine takes the acks.
func (e *edge) run(ctx context.Context, phase, interval time.Duration, eventP float64, w *window, rec *recorder) {
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
		in := w.open.Load() && !w.closed.Load()
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
			rec.sent.Add(1)
			rec.events.Add(int64(len(t.SteeringEvents)))
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

func (e *edge) receive(w *window, rec *recorder) {
	for {
		ack, err := e.stream.Recv()
		if err != nil {
			if err != io.EOF && !w.closed.Load() {
				rec.fail(fmt.Errorf("%s: recv: %w", e.name, err))
			}
			return
		}
		now := time.Now()
		in := w.open.Load() && !w.closed.Load()
		if in {
			rec.acked.Add(1)
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

// unacked counts batches sent in the window and not acknowledged.
func (e *edge) unacked() int {
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

func (e *edge) close() {
	e.stream.CloseSend()
	e.conn.Close()
}
