package patronusv1_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// These tests prove the definitions usable over a real surface: gRPC on
// localhost TCP with TLS, a throwaway CA made here. The servers are test
// doubles, not the controller.

// callTimeout bounds every test's calls.
const callTimeout = 10 * time.Second

const (
	testToken = "join-token-for-branch-1"
	testSite  = "branch-1"
)

// pki is a throwaway CA.
type pki struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

var serial atomic.Int64

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newPKI(t *testing.T, name string) *pki {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &pki{cert: cert, key: key, pool: pool}
}

// issue signs a leaf certificate for pub.
func (p *pki) issue(t *testing.T, cn string, pub any, usage x509.ExtKeyUsage, ips ...net.IP) []byte {
	t.Helper()
	der, err := p.sign(cn, pub, usage, ips...)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// sign is issue for a server's goroutine, where t.Fatal must not be
// called.
func (p *pki) sign(cn string, pub any, usage x509.ExtKeyUsage, ips ...net.IP) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
	}
	return x509.CreateCertificate(rand.Reader, tmpl, p.cert, pub, p.key)
}

// leaf returns a key and a certificate for it, ready for tls.Config.
func (p *pki) leaf(t *testing.T, cn string, usage x509.ExtKeyUsage, ips ...net.IP) tls.Certificate {
	t.Helper()
	key := newKey(t)
	return tls.Certificate{Certificate: [][]byte{p.issue(t, cn, &key.PublicKey, usage, ips...)}, PrivateKey: key}
}

// enrollment is a test double of the Enrollment service: it signs the
// CSR of whoever has testToken.
type enrollment struct {
	pb.UnimplementedEnrollmentServer
	ca        *pki
	endpoints []string
}

func (e *enrollment) Enroll(_ context.Context, req *pb.EnrollRequest) (*pb.EnrollResponse, error) {
	if req.GetJoinToken() != testToken || req.GetSiteName() != testSite {
		return nil, status.Error(codes.PermissionDenied, "unknown join token")
	}
	if len(req.GetWireguardPublicKey()) != 32 {
		return nil, status.Error(codes.InvalidArgument, "wireguard_public_key: want 32 bytes")
	}
	csr, err := x509.ParseCertificateRequest(req.GetCsrDer())
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "csr_der: %v", err)
	}
	der, err := e.ca.sign(req.GetSiteName(), csr.PublicKey, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pb.EnrollResponse{
		SiteId:              7,
		Network:             "corp",
		ClientCertChainDer:  [][]byte{der},
		CaCertDer:           e.ca.cert.Raw,
		ControllerEndpoints: e.endpoints,
	}, nil
}

// edgeControl is a test double of the EdgeControl service: it sends the
// site testSite the configurations in configs, and acknowledges every
// telemetry batch.
type edgeControl struct {
	pb.UnimplementedEdgeControlServer
	configs []*pb.EdgeConfig
	calls   atomic.Int32 // calls that reached a handler

	mu      sync.Mutex
	lastRev []uint64        // guarded by mu: WatchConfigRequest.last_revision of each call
	batches []*pb.Telemetry // guarded by mu
}

// siteOf returns the common name of the caller's verified certificate:
// enough for a test double; the controller reads the SPIFFE identity of
// controller/pki instead.
func siteOf(ctx context.Context) (string, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return "", status.Error(codes.Unauthenticated, "no peer")
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 {
		return "", status.Error(codes.Unauthenticated, "no verified client certificate")
	}
	return info.State.VerifiedChains[0][0].Subject.CommonName, nil
}

func (s *edgeControl) WatchConfig(req *pb.WatchConfigRequest, stream grpc.ServerStreamingServer[pb.EdgeConfig]) error {
	s.calls.Add(1)
	site, err := siteOf(stream.Context())
	if err != nil {
		return err
	}
	if site != testSite {
		return status.Errorf(codes.PermissionDenied, "site %q is not enrolled", site)
	}
	s.mu.Lock()
	s.lastRev = append(s.lastRev, req.GetLastRevision())
	s.mu.Unlock()
	for _, c := range s.configs {
		if c.GetRevision() == req.GetLastRevision() {
			continue
		}
		if err := stream.Send(c); err != nil {
			return err
		}
	}
	<-stream.Context().Done()
	return nil
}

func (s *edgeControl) Report(stream grpc.BidiStreamingServer[pb.Telemetry, pb.ReportAck]) error {
	s.calls.Add(1)
	if _, err := siteOf(stream.Context()); err != nil {
		return err
	}
	for {
		batch, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.batches = append(s.batches, batch)
		s.mu.Unlock()
		if err := stream.Send(&pb.ReportAck{BootId: batch.GetBootId(), AckedSequence: batch.GetSequence()}); err != nil {
			return err
		}
	}
}

// controller is the two listeners of the test: enrolment with server
// authentication only, and EdgeControl requiring a client certificate of
// the CA.
type controller struct {
	ca         *pki
	enrollAddr string
	ctlAddr    string
	ctl        *edgeControl
}

func serve(t *testing.T, creds credentials.TransportCredentials, register func(*grpc.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(creds))
	register(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return ln.Addr().String()
}

func startController(t *testing.T, configs []*pb.EdgeConfig) *controller {
	t.Helper()
	ca := newPKI(t, "patronus test CA")
	serverCert := ca.leaf(t, "controller", x509.ExtKeyUsageServerAuth, net.IPv4(127, 0, 0, 1))
	c := &controller{ca: ca, ctl: &edgeControl{configs: configs}}
	c.ctlAddr = serve(t, credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientCAs:    ca.pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
	}), func(s *grpc.Server) { pb.RegisterEdgeControlServer(s, c.ctl) })
	enr := &enrollment{ca: ca, endpoints: []string{c.ctlAddr}}
	c.enrollAddr = serve(t, credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{serverCert},
		MinVersion:   tls.VersionTLS13,
	}), func(s *grpc.Server) { pb.RegisterEnrollmentServer(s, enr) })
	return c
}

func dial(t *testing.T, addr string, cfg *tls.Config) *grpc.ClientConn {
	t.Helper()
	cfg.MinVersion = tls.VersionTLS13
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// enroll does what `patronus edge --join-token` will do: make a key,
// send a CSR with the join token, and build a client certificate from
// the answer.
func enroll(t *testing.T, ctx context.Context, c *controller) (tls.Certificate, *x509.CertPool, *pb.EnrollResponse) {
	t.Helper()
	key := newKey(t)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: testSite}}, key)
	if err != nil {
		t.Fatal(err)
	}
	conn := dial(t, c.enrollAddr, &tls.Config{RootCAs: c.ca.pool})
	resp, err := pb.NewEnrollmentClient(conn).Enroll(ctx, &pb.EnrollRequest{
		JoinToken:          testToken,
		SiteName:           testSite,
		CsrDer:             csr,
		WireguardPublicKey: make([]byte, 32),
	})
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	ca, err := x509.ParseCertificate(resp.GetCaCertDer())
	if err != nil {
		t.Fatalf("ca_cert_der: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: resp.GetClientCertChainDer(), PrivateKey: key}, pool, resp
}

func testConfigs() []*pb.EdgeConfig {
	rev1 := &pb.EdgeConfig{
		Revision:    1,
		CreatedAt:   timestamppb.New(time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)),
		Site:        &pb.Site{Name: testSite, Id: 7},
		Role:        pb.TopologyRole_TOPOLOGY_ROLE_SPOKE,
		LanPrefixes: []string{"10.7.0.0/16"},
		Overlay:     &pb.Overlay{Interface: "patronus0", Mtu: 1420},
		Links: []*pb.Link{
			{Name: "inet", Interface: "eth1", ListenPort: 51820, Color: "inet", BandwidthBps: 100e6},
			{Name: "lte", Interface: "wwan0", ListenPort: 51821, Color: "lte", Cost: 10},
		},
		Peers: []*pb.Peer{{
			Site:        &pb.Site{Name: "hub-1", Id: 1},
			PublicKey:   make([]byte, 32),
			Prefixes:    []string{"10.1.0.0/16", "10.8.0.0/16"},
			Links:       []*pb.PeerLink{{Name: "inet", Endpoint: "198.51.100.1:51820", Color: "inet"}},
			Compression: proto.Bool(true),
		}},
		Defaults: &pb.Defaults{Bfd: &pb.BfdTimers{
			TxInterval: durationpb.New(300 * time.Millisecond),
			RxInterval: durationpb.New(300 * time.Millisecond),
			Multiplier: 3,
		}},
		SlaClasses: []*pb.SlaClass{{Name: "voice", MaxLatency: durationpb.New(150 * time.Millisecond), MaxJitter: durationpb.New(30 * time.Millisecond), MaxLossPct: 1}},
		Applications: []*pb.Application{{
			Name: "voip", Class: "voice",
			Match: &pb.MatchRule{Protocols: []string{"udp"}, Ports: []string{"5060", "10000-20000"}},
		}},
		Policies: []*pb.Policy{{Name: "voice", SlaClass: "voice", Colors: []string{"inet", "lte"}, Mode: pb.SteeringMode_STEERING_MODE_BEST_PATH}},
		Steering: &pb.SteeringTimers{Damping: durationpb.New(3 * time.Second), HoldDown: durationpb.New(20 * time.Second)},
	}
	rev2 := proto.Clone(rev1).(*pb.EdgeConfig)
	rev2.Revision = 5
	rev2.Policies[0].Mode = pb.SteeringMode_STEERING_MODE_DUPLICATE
	return []*pb.EdgeConfig{rev1, rev2}
}

func TestEnrollWatchConfigReport(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	want := testConfigs()
	c := startController(t, want)

	cert, roots, resp := enroll(t, ctx, c)
	if resp.GetSiteId() != 7 || len(resp.GetControllerEndpoints()) != 1 {
		t.Fatalf("EnrollResponse = %v", resp)
	}
	conn := dial(t, resp.GetControllerEndpoints()[0], &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}})
	client := pb.NewEdgeControlClient(conn)

	t.Run("WatchConfig", func(t *testing.T) {
		wctx, wcancel := context.WithCancel(ctx)
		defer wcancel()
		stream, err := client.WatchConfig(wctx, &pb.WatchConfigRequest{LastRevision: 0})
		if err != nil {
			t.Fatalf("WatchConfig: %v", err)
		}
		for i, w := range want {
			got, err := stream.Recv()
			if err != nil {
				t.Fatalf("Recv %d: %v", i, err)
			}
			if !proto.Equal(got, w) {
				t.Fatalf("config %d:\ngot  %v\nwant %v", i, got, w)
			}
		}
		c.ctl.mu.Lock()
		defer c.ctl.mu.Unlock()
		if len(c.ctl.lastRev) != 1 || c.ctl.lastRev[0] != 0 {
			t.Fatalf("server saw last_revision %v, want [0]", c.ctl.lastRev)
		}
	})

	t.Run("Report", func(t *testing.T) {
		stream, err := client.Report(ctx)
		if err != nil {
			t.Fatalf("Report: %v", err)
		}
		sent := testBatches()
		for _, b := range sent {
			if err := stream.Send(b); err != nil {
				t.Fatalf("Send: %v", err)
			}
			ack, err := stream.Recv()
			if err != nil {
				t.Fatalf("Recv: %v", err)
			}
			if ack.GetAckedSequence() != b.GetSequence() || string(ack.GetBootId()) != string(b.GetBootId()) {
				t.Fatalf("ack %v for batch %d", ack, b.GetSequence())
			}
		}
		if err := stream.CloseSend(); err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
			t.Fatalf("Recv after CloseSend: %v, want EOF", err)
		}
		c.ctl.mu.Lock()
		defer c.ctl.mu.Unlock()
		if len(c.ctl.batches) != len(sent) {
			t.Fatalf("server got %d batches, want %d", len(c.ctl.batches), len(sent))
		}
		for i := range sent {
			if !proto.Equal(c.ctl.batches[i], sent[i]) {
				t.Errorf("batch %d:\ngot  %v\nwant %v", i, c.ctl.batches[i], sent[i])
			}
		}
	})
}

func testBatches() []*pb.Telemetry {
	boot := []byte("0123456789abcdef")
	at := timestamppb.New(time.Date(2026, 11, 23, 22, 0, 1, 0, time.UTC))
	path := "branch-1/inet->hub-1/inet"
	return []*pb.Telemetry{
		{
			BootId: boot, Sequence: 1, SentAt: at, ConfigRevision: 5,
			PathSamples: []*pb.PathSample{{
				PathId: path, MeasuredAt: at, State: pb.PathState_PATH_STATE_UP, BfdState: pb.BfdState_BFD_STATE_UP,
				MetricsValid: true, LatencyMs: 21.5, JitterMs: 1.25, LossPct: 0.5, Score: 92.1, ActiveFlows: 12,
			}},
			SteeringEvents: []*pb.SteeringEvent{{
				At: at, PathId: path, Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION,
				Reason: "bfd down", FlowsMoved: 12, SiteId: 1, Policy: "voice",
				FromPathIds: []string{"branch-1/lte->hub-1/inet"}, ToPathIds: []string{path},
			}},
			PathCounters: []*pb.PathCounters{{
				PathId: path, CountersSince: at, TxBytes: 1 << 30, RxBytes: 1 << 29, TxPackets: 1e6, RxPackets: 5e5,
				CompressOfferedPackets: 1e6, CompressedPackets: 4e5, CompressInBytes: 4e8, CompressOutBytes: 2e8,
			}},
			FlowSummaries: []*pb.FlowSummary{{WindowStart: at, Application: "voip", PathId: path, Flows: 3, TxBytes: 1e6, RxBytes: 9e5}},
		},
		{BootId: boot, Sequence: 2, SentAt: at, ConfigRevision: 5},
	}
}

// TestEdgeControlRefusesWithoutClientCertificate: a client without a
// certificate, or with one of another CA, is refused in the TLS
// handshake, before any handler runs.
func TestEdgeControlRefusesWithoutClientCertificate(t *testing.T) {
	c := startController(t, testConfigs())
	forger := newPKI(t, "forger CA")
	for _, tc := range []struct {
		name  string
		certs []tls.Certificate
	}{
		{"no certificate", nil},
		{"certificate of another CA", []tls.Certificate{forger.leaf(t, testSite, x509.ExtKeyUsageClientAuth)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
			defer cancel()
			conn := dial(t, c.ctlAddr, &tls.Config{RootCAs: c.ca.pool, Certificates: tc.certs})
			stream, err := pb.NewEdgeControlClient(conn).WatchConfig(ctx, &pb.WatchConfigRequest{})
			if err == nil {
				_, err = stream.Recv()
			}
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("WatchConfig: %v, want Unavailable (refused handshake)", err)
			}
		})
	}
	if n := c.ctl.calls.Load(); n != 0 {
		t.Fatalf("%d calls reached a handler", n)
	}
}
