package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"math/big"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// testController serves Enrollment and EdgeControl on localhost over real
// TLS, with a CA of controller/pki: the tokens, certificates and
// handshake checks are the real ones; the store is a few maps. It
// survives stop and start on the same address, as a restarted controller
// would.
type testController struct {
	t    *testing.T
	ca   *pki.CA
	cert tls.Certificate
	addr string

	srvMu sync.Mutex
	srvs  map[string]*grpc.Server // guarded by srvMu; by address, while serving

	mu         sync.Mutex
	tokens     map[string]*pki.TokenRecord // guarded by mu; by hash
	enrolCalls int                         // guarded by mu
	wgKeys     map[int64][]byte            // guarded by mu; by site id
	nextSite   int64                       // guarded by mu
	revoked    map[int64]bool              // guarded by mu
	current    *pb.EdgeConfig              // guarded by mu
	changed    chan struct{}               // guarded by mu; closed on a change of current
	watches    []watchCall                 // guarded by mu
	streams    [][]*pb.Telemetry           // guarded by mu; the batches of each Report stream
	noAck      bool                        // guarded by mu: receive batches without acknowledging them
	refuseSeq  uint64                      // guarded by mu: end the stream with INVALID_ARGUMENT at this sequence
	denyWatch  bool                        // guarded by mu: WatchConfig fails with PERMISSION_DENIED (a revoked site)
	validity   time.Duration               // guarded by mu: of edge certificates; 0: pki.DefaultEdgeValidity
	enrolFails []error                     // guarded by mu: the next Enroll calls fail with these, in turn
	editEnrol  func(*pb.EnrollResponse)    // guarded by mu: changes Enroll's answers
	endpoints  []string                    // guarded by mu: Enroll's controller_endpoints; nil: addr
}

// watchCall is one WatchConfig call as the controller saw it.
type watchCall struct {
	site         pki.Identity
	lastRevision uint64
}

func newTestController(t *testing.T) *testController {
	t.Helper()
	ca, _, err := pki.LoadOrCreate(filepath.Join(tempDir(t), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := ca.ServerCertificate([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c := &testController{t: t, ca: ca, cert: cert, srvs: map[string]*grpc.Server{}, tokens: map[string]*pki.TokenRecord{},
		wgKeys: map[int64][]byte{}, nextSite: 7, revoked: map[int64]bool{}, changed: make(chan struct{})}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.addr = lis.Addr().String()
	c.serve(lis)
	t.Cleanup(c.stop)
	return c
}

// serve starts a gRPC server on lis with one listener for enrolling and
// enrolled edges (pki's EnrolmentServerTLSConfig).
func (c *testController) serve(lis net.Listener) {
	v := &pki.Verifier{CA: c.ca.Certificate(), Allow: []pki.Kind{pki.KindSite}, Revoked: func(id pki.Identity, _ *big.Int) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.revoked[id.SiteID]
	}}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(v.EnrolmentServerTLSConfig(c.cert))),
		// The controller's policy (controller/server): pings every 10 s at most.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}))
	pb.RegisterEnrollmentServer(srv, enrollmentServer{testController: c})
	pb.RegisterEdgeControlServer(srv, edgeControlServer{testController: c})
	c.srvMu.Lock()
	c.srvs[lis.Addr().String()] = srv
	c.srvMu.Unlock()
	go srv.Serve(lis)
}

// replica serves on another address too, like a second controller on
// the same store, and returns the address.
func (c *testController) replica() string {
	c.t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	c.serve(lis)
	return lis.Addr().String()
}

// stop ends every connection and stream on every address, like a
// controller going away.
func (c *testController) stop() {
	c.srvMu.Lock()
	defer c.srvMu.Unlock()
	for addr, srv := range c.srvs {
		srv.Stop()
		delete(c.srvs, addr)
	}
}

// stopAt stops serving on one address.
func (c *testController) stopAt(addr string) {
	c.srvMu.Lock()
	defer c.srvMu.Unlock()
	if srv, ok := c.srvs[addr]; ok {
		srv.Stop()
		delete(c.srvs, addr)
	}
}

// start serves again on the same address.
func (c *testController) start() {
	c.t.Helper()
	var lis net.Listener
	var err error
	for range 50 { // the port was ours a moment ago
		if lis, err = net.Listen("tcp", c.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	c.serve(lis)
}

// newToken makes a join token for site, edited by edit (used, expired…).
func (c *testController) newToken(site string, edit func(*pki.TokenRecord)) string {
	c.t.Helper()
	tok, rec, err := pki.NewToken(site, c.ca.Certificate(), time.Now().Add(time.Hour))
	if err != nil {
		c.t.Fatal(err)
	}
	if edit != nil {
		edit(&rec)
	}
	c.mu.Lock()
	c.tokens[rec.Hash] = &rec
	c.mu.Unlock()
	return tok
}

// push makes cfg the site's configuration and wakes the watchers.
func (c *testController) push(cfg *pb.EdgeConfig) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current = proto.Clone(cfg).(*pb.EdgeConfig)
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *testController) watchCalls() []watchCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.watches)
}

// reports returns the batches received, by Report stream.
func (c *testController) reports() [][]*pb.Telemetry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][]*pb.Telemetry, len(c.streams))
	for i, s := range c.streams {
		out[i] = slices.Clone(s)
	}
	return out
}

func (c *testController) setNoAck(v bool) {
	c.mu.Lock()
	c.noAck = v
	c.mu.Unlock()
}

// siteOf is the caller's identity from its verified certificate.
func siteOf(ctx context.Context) (pki.Identity, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return pki.Identity{}, status.Error(codes.Unauthenticated, "no peer")
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		return pki.Identity{}, status.Error(codes.Unauthenticated, "no TLS")
	}
	id, err := pki.PeerIdentity(info.State)
	if err != nil {
		return pki.Identity{}, status.Error(codes.Unauthenticated, err.Error())
	}
	return id, nil
}

type enrollmentServer struct {
	*testController
	pb.UnimplementedEnrollmentServer
}

// Enroll follows the controller's order in docs/PKI.md: the token's form,
// the record, CheckToken, the atomic consume, SignEdge.
func (c enrollmentServer) Enroll(_ context.Context, req *pb.EnrollRequest) (*pb.EnrollResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enrolCalls++
	if len(c.enrolFails) > 0 {
		err := c.enrolFails[0]
		c.enrolFails = c.enrolFails[1:]
		return nil, err
	}
	if _, err := pki.ParseToken(req.GetJoinToken()); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	rec, ok := c.tokens[pki.HashToken(req.GetJoinToken())]
	if !ok {
		return nil, status.Error(codes.PermissionDenied, "join token unknown: no such token was issued")
	}
	if err := pki.CheckToken(req.GetJoinToken(), req.GetSiteName(), *rec, time.Now()); err != nil {
		return nil, status.Error(codes.PermissionDenied, err.Error())
	}
	if len(req.GetWireguardPublicKey()) != 32 {
		return nil, status.Error(codes.InvalidArgument, "wireguard_public_key: want 32 bytes")
	}
	id := c.nextSite
	validity := c.validity
	if validity == 0 {
		validity = pki.DefaultEdgeValidity
	}
	cert, err := c.ca.SignEdge(req.GetCsrDer(), rec.SiteName, id, validity)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	rec.UsedAt = time.Now()
	c.nextSite++
	c.wgKeys[id] = bytes.Clone(req.GetWireguardPublicKey())
	endpoints := c.endpoints
	if endpoints == nil {
		endpoints = []string{c.addr}
	}
	resp := &pb.EnrollResponse{SiteId: uint32(id), Network: "corp", ClientCertChainDer: [][]byte{cert.Raw},
		CaCertDer: c.ca.Certificate().Raw, ControllerEndpoints: endpoints}
	if c.editEnrol != nil {
		c.editEnrol(resp)
	}
	return resp, nil
}

type edgeControlServer struct {
	*testController
	pb.UnimplementedEdgeControlServer
}

func (c edgeControlServer) WatchConfig(req *pb.WatchConfigRequest, stream grpc.ServerStreamingServer[pb.EdgeConfig]) error {
	id, err := siteOf(stream.Context())
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.watches = append(c.watches, watchCall{site: id, lastRevision: req.GetLastRevision()})
	deny := c.denyWatch
	c.mu.Unlock()
	if deny {
		return status.Errorf(codes.PermissionDenied, "site %q (id %d) was revoked", id.SiteName, id.SiteID)
	}
	sent := req.GetLastRevision()
	for {
		c.mu.Lock()
		cur, changed := c.current, c.changed
		c.mu.Unlock()
		if cur != nil && cur.GetRevision() != sent {
			if err := stream.Send(cur); err != nil {
				return err
			}
			sent = cur.GetRevision()
		}
		select {
		case <-changed:
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
	}
}

func (c edgeControlServer) Report(stream grpc.BidiStreamingServer[pb.Telemetry, pb.ReportAck]) error {
	if _, err := siteOf(stream.Context()); err != nil {
		return err
	}
	c.mu.Lock()
	n := len(c.streams)
	c.streams = append(c.streams, nil)
	c.mu.Unlock()
	for {
		t, err := stream.Recv()
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.streams[n] = append(c.streams[n], t)
		noAck, refuse := c.noAck, c.refuseSeq == t.GetSequence()
		c.mu.Unlock()
		if refuse {
			return status.Errorf(codes.InvalidArgument, "telemetry sequence %d: refused", t.GetSequence())
		}
		if noAck {
			continue
		}
		if err := stream.Send(&pb.ReportAck{BootId: t.GetBootId(), AckedSequence: t.GetSequence()}); err != nil {
			return err
		}
	}
}

var errTimeout = errors.New("timed out")

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, errTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
