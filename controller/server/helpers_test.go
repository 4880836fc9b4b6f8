package server_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/postgres"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// callTimeout bounds every test's calls; pushWithin is the issue's bound
// for a change to reach a watching edge.
const (
	callTimeout = 20 * time.Second
	pushWithin  = time.Second
)

// clock is a settable clock for the store and the server.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// ctrl is one running controller: a store, a CA, a server on localhost.
type ctrl struct {
	t     *testing.T
	ca    *pki.CA
	st    store.Store
	srv   *server.Server
	addr  string
	clock *clock
	admin pb.AdminClient
}

func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctl-server-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// newCA makes a CA in a fresh directory.
func newCA(t *testing.T) *pki.CA {
	t.Helper()
	ca, _, err := pki.LoadOrCreate(filepath.Join(tempDir(t), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// startSQLite starts a controller on a new SQLite store.
func startSQLite(t *testing.T, opts ...func(*server.Config)) *ctrl {
	t.Helper()
	ca := newCA(t)
	clk := &clock{}
	st, err := sqliteStore(t, ca, clk)
	if err != nil {
		t.Fatal(err)
	}
	return start(t, ca, st, clk, opts...)
}

// sqliteStore opens a new SQLite store, closed at cleanup.
func sqliteStore(t *testing.T, ca *pki.CA, clk *clock) (store.Store, error) {
	st, err := sqlite.Open(context.Background(), filepath.Join(tempDir(t), "controller.db"),
		sqlite.Options{Now: clk.Now, NewToken: server.TokenMaker(ca)})
	if err == nil {
		t.Cleanup(func() { st.Close() })
	}
	return st, err
}

// openPG opens a store on the PostgreSQL database url.
func openPG(t *testing.T, ca *pki.CA, url string, clk *clock) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), url, postgres.Options{Now: clk.Now, NewToken: server.TokenMaker(ca)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// start serves st on a free localhost port; the server stops at cleanup.
func start(t *testing.T, ca *pki.CA, st store.Store, clk *clock, opts ...func(*server.Config)) *ctrl {
	t.Helper()
	cert, _, err := ca.ServerCertificate([]string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{Store: st, CA: ca, Certificate: cert, Endpoints: []string{"localhost:8443"}, Now: clk.Now}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	c := &ctrl{t: t, ca: ca, st: st, srv: srv, addr: ln.Addr().String(), clock: clk}
	creds, err := ca.IssueAdmin("alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c.admin = pb.NewAdminClient(c.dial(creds.ClientTLSConfig("localhost")))
	return c
}

// dial opens a gRPC connection with a TLS configuration.
func (c *ctrl) dial(conf *tls.Config) *grpc.ClientConn {
	c.t.Helper()
	cc, err := grpc.NewClient(c.addr, grpc.WithTransportCredentials(credentials.NewTLS(conf)))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cc.Close() })
	return cc
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// network creates a network in the store (Admin has no call for it: the
// controller's config file declares networks).
func (c *ctrl) network(name string, topo store.Topology) {
	c.t.Helper()
	if _, err := c.st.CreateNetwork(ctxT(c.t), name, topo); err != nil {
		c.t.Fatal(err)
	}
}

// token asks Admin for a join token.
func (c *ctrl) token(network, site string, ttl time.Duration) string {
	c.t.Helper()
	resp, err := c.admin.CreateJoinToken(ctxT(c.t), &pb.CreateJoinTokenRequest{Network: network, SiteName: site, Ttl: durationpb.New(ttl)})
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Token
}

// edge is an enrolled site's credentials and clients.
type edge struct {
	name  string
	id    uint32
	creds *pki.Credentials
	ctl   pb.EdgeControlClient
}

// enrolRequest makes a key, a CSR and a WireGuard key.
func enrolRequest(t *testing.T, token, site string) *pb.EnrollRequest {
	t.Helper()
	key, err := pki.NewEdgeKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		t.Fatal(err)
	}
	wg := make([]byte, 32)
	rand.Read(wg)
	return &pb.EnrollRequest{JoinToken: token, SiteName: site, CsrDer: csr, WireguardPublicKey: wg}
}

// tryEnrol runs Enroll as an edge would: it trusts the controller through
// the token's CA pin only.
func (c *ctrl) tryEnrol(token, site string) (*edge, error) {
	t := c.t
	t.Helper()
	conf, err := pki.EnrolTLSConfig(token, "localhost")
	if err != nil {
		return nil, err
	}
	key, err := pki.NewEdgeKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		t.Fatal(err)
	}
	wg := make([]byte, 32)
	rand.Read(wg)
	cc := c.dial(conf)
	resp, err := pb.NewEnrollmentClient(cc).Enroll(ctxT(t), &pb.EnrollRequest{JoinToken: token, SiteName: site, CsrDer: csr, WireguardPublicKey: wg})
	if err != nil {
		return nil, err
	}
	var chain []*x509.Certificate
	for _, der := range resp.ClientCertChainDer {
		crt, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, crt)
	}
	caCert, err := x509.ParseCertificate(resp.CaCertDer)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tempDir(t), "identity")
	if err := pki.SaveIdentity(dir, key, chain, caCert); err != nil {
		t.Fatal(err)
	}
	creds, err := pki.LoadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &edge{name: site, id: resp.SiteId, creds: creds}
	e.ctl = pb.NewEdgeControlClient(c.dial(creds.ClientTLSConfig("localhost")))
	return e, nil
}

func (c *ctrl) enrol(network, site string) *edge {
	c.t.Helper()
	e, err := c.tryEnrol(c.token(network, site, time.Hour), site)
	if err != nil {
		c.t.Fatalf("enrol %s: %v", site, err)
	}
	return e
}

// watcher is a running WatchConfig stream.
type watcher struct {
	t       *testing.T
	configs chan *pb.EdgeConfig
	err     chan error
}

func (e *edge) watch(t *testing.T, last uint64) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := e.ctl.WatchConfig(ctx, &pb.WatchConfigRequest{LastRevision: last})
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{t: t, configs: make(chan *pb.EdgeConfig, 100), err: make(chan error, 1)}
	go func() {
		for {
			cfg, err := stream.Recv()
			if err != nil {
				w.err <- err
				return
			}
			w.configs <- cfg
		}
	}()
	return w
}

// next waits up to within for a configuration that satisfies ok,
// skipping others.
func (w *watcher) next(within time.Duration, what string, ok func(*pb.EdgeConfig) bool) *pb.EdgeConfig {
	w.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case cfg := <-w.configs:
			if ok(cfg) {
				return cfg
			}
		case err := <-w.err:
			w.t.Fatalf("waiting for %s: stream ended: %v", what, err)
		case <-deadline:
			w.t.Fatalf("no configuration with %s within %v", what, within)
		}
	}
}

// ended waits for the stream to end and returns its error.
func (w *watcher) ended(within time.Duration) error {
	w.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case <-w.configs:
		case err := <-w.err:
			return err
		case <-deadline:
			w.t.Fatalf("stream still open after %v", within)
		}
	}
}

func hasPeer(name string) func(*pb.EdgeConfig) bool {
	return func(c *pb.EdgeConfig) bool { return peer(c, name) != nil }
}

func peer(c *pb.EdgeConfig, name string) *pb.Peer {
	for _, p := range c.Peers {
		if p.Site.Name == name {
			return p
		}
	}
	return nil
}

// wantCode checks a gRPC error's code and that its message contains sub.
func wantCode(t *testing.T, err error, code codes.Code, sub string) {
	t.Helper()
	st, _ := status.FromError(err)
	if err == nil || st.Code() != code || !strings.Contains(st.Message(), sub) {
		t.Fatalf("got %v, want %v containing %q", err, code, sub)
	}
}

func protoMarshal(p proto.Message) ([]byte, error)   { return proto.Marshal(p) }
func protoUnmarshal(b []byte, p proto.Message) error { return proto.Unmarshal(b, p) }
