package server_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/edge/agent"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// TestEdgeCertificateRenewed: with edge certificates of 6 s, the edge
// agent renews its certificate over the control channel at two thirds of
// its lifetime, again and again, without a gap in control: a change made
// every half second reaches it within two seconds, and every telemetry
// batch it made is stored. Each renewal is recorded (site_certs), for the
// same identity, and the CA's name constraint still holds.
func TestEdgeCertificateRenewed(t *testing.T) {
	const validity = 6 * time.Second
	c := startSQLite(t, func(cfg *server.Config) { cfg.EdgeValidity = validity })
	c.network("corp", store.FullMesh)
	c.enrol("corp", "b")

	applied := make(chan *config.Valid, 256)
	var made atomic.Int64
	var stopMaking atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := filepath.Join(tempDir(t), "state")
	a, err := agent.New(ctx, agent.Options{
		Controller: strings.Replace(c.addr, "127.0.0.1", "localhost", 1),
		JoinToken:  c.token("corp", "a", time.Hour),
		StateDir:   dir,
		Log:        slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Apply: func(v *config.Valid) error {
			applied <- v
			return nil
		},
		TelemetryInterval: 50 * time.Millisecond,
		Telemetry: func() *pb.Telemetry {
			if stopMaking.Load() {
				return nil
			}
			n := made.Add(1)
			return &pb.Telemetry{SteeringEvents: []*pb.SteeringEvent{{At: timestamppb.Now(),
				Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_PATH_STATE, Reason: fmt.Sprintf("batch %d", n)}}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.mustAdmin(c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{
		SiteName: "a", Name: "inet", Color: "inet", LocalAddress: "198.51.100.1", Endpoint: "198.51.100.1:51820"}}))
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	// For 15 s, a new prefix every half second; each must reach the edge
	// within two seconds (under the race detector), across the renewals.
	serials := map[string]time.Time{}
	var mu sync.Mutex
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() { // the identity file, as the renewals replace it
		defer close(watched)
		for {
			if leaf := readLeaf(dir); leaf != nil {
				mu.Lock()
				serials[leaf.SerialNumber.String()] = leaf.NotAfter
				mu.Unlock()
				if err := checkRenewed(leaf); err != nil {
					t.Error(err)
				}
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var slowest time.Duration
	for i := 1; i <= 30; i++ {
		p := fmt.Sprintf("10.1.%d.0/24", i)
		t0 := time.Now()
		c.mustAdmin(c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "a", Prefix: p}}))
		waitApplied(t, applied, 2*time.Second, "prefix "+p, func(v *config.Valid) bool { return len(v.LANPrefixes) == i })
		slowest = max(slowest, time.Since(t0))
		time.Sleep(500*time.Millisecond - time.Since(t0))
	}
	close(stopWatch)
	<-watched
	stopMaking.Store(true)
	mu.Lock()
	n := len(serials)
	mu.Unlock()
	if n < 3 {
		t.Fatalf("%d certificates seen in 15 s of 6 s certificates: %v", n, serials)
	}
	certs, err := c.st.SiteCerts(ctxT(t), "corp")
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for _, sc := range certs {
		if sc.Site == "a" {
			recorded++
		}
	}
	if recorded < n {
		t.Fatalf("%d certificates recorded for site a, %d seen", recorded, n)
	}
	// Every batch made is stored, none lost in the reconnections.
	want := made.Load()
	// The acknowledgements may lag under load: the batches pending at the
	// end are sent and stored within a drain time (a lost batch never is).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		evs, err := c.st.Events(ctxT(t), "corp", store.EventQuery{Site: "a", Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, e := range evs {
			got[e.Reason] = true
		}
		var missing []int64
		for i := int64(1); i <= want; i++ {
			if !got[fmt.Sprintf("batch %d", i)] {
				missing = append(missing, i)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d telemetry batches not stored: %v", len(missing), want, missing)
		}
	}
	t.Logf("%d certificates in 15 s; 30 changes, the slowest reached the edge in %v; %d telemetry batches all stored",
		n, slowest.Round(time.Millisecond), want)
}

// readLeaf reads the leaf of the state directory's identity.crt; nil while
// it is being replaced.
func readLeaf(dir string) *x509.Certificate {
	raw, err := os.ReadFile(filepath.Join(dir, pki.IdentityCertFile))
	if err != nil {
		return nil
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil
	}
	return c
}

// checkRenewed: a renewed certificate is site a's, for client
// authentication only.
func checkRenewed(leaf *x509.Certificate) error {
	id, err := pki.IdentityFromCert(leaf)
	if err != nil || id.Kind != pki.KindSite || id.SiteName != "a" {
		return fmt.Errorf("certificate %s: identity %v %v", leaf.SerialNumber, id, err)
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		return fmt.Errorf("certificate %s: usages %v", leaf.SerialNumber, leaf.ExtKeyUsage)
	}
	return nil
}

// TestOperatorRenewed: an operator renews its own certificate with a new
// key; both the new and the old certificate work until the old expires
// (or is revoked); the new one is for the caller's name whatever the CSR
// says; renewals are bounded by the certificates in force; each is
// audited.
func TestOperatorRenewed(t *testing.T) {
	c := startSQLite(t)
	bob, err := c.issueOperator("bob")
	if err != nil {
		t.Fatal(err)
	}
	asBob := pb.NewAdminClient(c.dial(bob.ClientTLSConfig("localhost")))
	renew := func() (*pki.Credentials, error) {
		key, err := pki.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		csr, err := pki.CreateCSR(key)
		if err != nil {
			t.Fatal(err)
		}
		r, err := asBob.RenewOperator(ctxT(t), &pb.RenewOperatorRequest{CsrDer: csr, Validity: durationpb.New(time.Hour)})
		if err != nil {
			return nil, err
		}
		leaf, err := x509.ParseCertificate(r.CertChainDer[0])
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(tempDir(t), "renewed")
		if err := pki.SaveIdentity(dir, key, []*x509.Certificate{leaf}, c.ca.Certificate()); err != nil {
			t.Fatal(err)
		}
		return pki.LoadIdentity(dir)
	}
	_, err = asBob.RenewOperator(ctxT(t), &pb.RenewOperatorRequest{CsrDer: []byte{1}})
	wantCode(t, err, codes.InvalidArgument, "csr_der")
	bob2, err := renew()
	if err != nil {
		t.Fatal(err)
	}
	if bob2.Identity != bob.Identity || bob2.Chain[0].SerialNumber.Cmp(bob.Chain[0].SerialNumber) == 0 ||
		time.Until(bob2.NotAfter()) > time.Hour {
		t.Fatalf("renewed %v (serial %s, until %v), was %v", bob2.Identity, bob2.Chain[0].SerialNumber, bob2.NotAfter(), bob.Identity)
	}
	for name, creds := range map[string]*pki.Credentials{"new": bob2, "old": bob} {
		if _, err := pb.NewAdminClient(c.dial(creds.ClientTLSConfig("localhost"))).ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err != nil {
			t.Fatalf("bob's %s certificate: %v", name, err)
		}
	}
	for range server.MaxOperatorCertsInForce - 2 {
		if _, err := renew(); err != nil {
			t.Fatal(err)
		}
	}
	_, err = renew()
	wantCode(t, err, codes.FailedPrecondition, "4 certificates in force")
	entries, err := c.st.AuditLog(ctxT(t), store.AuditQuery{Action: "operator.renew"})
	if err != nil || len(entries) != 5 {
		t.Fatalf("audit of operator.renew: %v, %d entries", err, len(entries))
	}
	// Revoking the name ends them all.
	if _, err := c.admin.RevokeOperator(ctxT(t), &pb.RevokeOperatorRequest{Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	_, err = pb.NewAdminClient(c.dial(bob2.ClientTLSConfig("localhost"))).ListNetworks(ctxT(t), &pb.ListNetworksRequest{})
	wantCode(t, err, codes.Unavailable, "")
}
