package daemon_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/internal/syncbuf"
)

const callTimeout = 20 * time.Second

func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctl-daemon-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// running is a daemon serving in this process.
type running struct {
	t      *testing.T
	d      *daemon.Daemon
	dir    string
	out    *syncbuf.Buffer // Config.Out
	log    *syncbuf.Buffer // Config.Logger, debug level
	served chan error
	stop   sync.Once
}

// baseConfig is a configuration on localhost port 0 in dir.
func baseConfig(dir string) daemon.Config {
	return daemon.Config{DataDir: dir, Listen: "127.0.0.1:0", ServerNames: []string{"127.0.0.1"}}
}

// start runs New and Serve; the daemon stops at cleanup.
func start(t *testing.T, cfg daemon.Config) *running {
	t.Helper()
	r := &running{t: t, dir: cfg.DataDir, out: &syncbuf.Buffer{}, log: &syncbuf.Buffer{}, served: make(chan error, 1)}
	cfg.Out = r.out
	cfg.Logger = slogTo(r.log)
	d, err := daemon.New(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.d = d
	go func() { r.served <- d.Serve() }()
	t.Cleanup(r.Stop)
	// Serve says so last, after its warnings.
	deadline := time.Now().Add(callTimeout)
	for !strings.Contains(r.out.String(), daemon.ServingMessage) {
		if time.Now().After(deadline) {
			t.Fatalf("not serving after %v:\n%s", callTimeout, r.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return r
}

// Stop stops the daemon and checks that Serve returned nil.
func (r *running) Stop() {
	r.stop.Do(func() {
		r.d.Stop()
		select {
		case err := <-r.served:
			if err != nil {
				r.t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			r.t.Error("Serve did not return 10 s after Stop")
		}
	})
}

func (r *running) addr() string { return r.d.Addr().String() }

// caPool trusts the daemon's CA.
func (r *running) caPool() *x509.CertPool {
	r.t.Helper()
	ca, _, err := pki.LoadOrCreate(filepath.Join(r.dir, daemon.PKIDir))
	if err != nil {
		r.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Certificate())
	return pool
}

// dial opens a gRPC connection to the TLS listener.
func (r *running) dial(conf *tls.Config) *grpc.ClientConn {
	r.t.Helper()
	cc, err := grpc.NewClient(r.addr(), grpc.WithTransportCredentials(credentials.NewTLS(conf)))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { cc.Close() })
	return cc
}

// admin is an Admin client with the first operator's credentials.
func (r *running) admin() pb.AdminClient {
	r.t.Helper()
	creds, err := pki.LoadIdentity(filepath.Join(r.dir, daemon.AdminDir))
	if err != nil {
		r.t.Fatal(err)
	}
	return pb.NewAdminClient(r.dial(creds.ClientTLSConfig("127.0.0.1")))
}

// enrol makes a token for site with Admin and enrols as an edge does;
// it returns the edge's credentials.
func (r *running) enrol(network, site string) *pki.Credentials {
	t := r.t
	t.Helper()
	tok, err := r.admin().CreateJoinToken(ctxT(t), &pb.CreateJoinTokenRequest{Network: network, SiteName: site})
	if err != nil {
		t.Fatal(err)
	}
	conf, err := pki.EnrolTLSConfig(tok.Token, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := pki.NewEdgeKey()
	csr, _ := pki.CreateCSR(key)
	wg := make([]byte, 32)
	rand.Read(wg)
	resp, err := pb.NewEnrollmentClient(r.dial(conf)).Enroll(ctxT(t), &pb.EnrollRequest{JoinToken: tok.Token, SiteName: site, CsrDer: csr, WireguardPublicKey: wg})
	if err != nil {
		t.Fatalf("enrol %s: %v", site, err)
	}
	leaf, err := x509.ParseCertificate(resp.ClientCertChainDer[0])
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(resp.CaCertDer)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tempDir(t), "identity")
	if err := pki.SaveIdentity(dir, key, []*x509.Certificate{leaf}, caCert); err != nil {
		t.Fatal(err)
	}
	creds, err := pki.LoadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	return creds
}
