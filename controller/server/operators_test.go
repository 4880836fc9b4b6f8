package server_test

import (
	"crypto/x509"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// issueOperator asks Admin for an operator certificate for name and
// returns its credentials.
func (c *ctrl) issueOperator(name string) (*pki.Credentials, error) {
	key, err := pki.NewKey()
	if err != nil {
		c.t.Fatal(err)
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		c.t.Fatal(err)
	}
	r, err := c.admin.IssueOperator(ctxT(c.t), &pb.IssueOperatorRequest{Name: name, CsrDer: csr})
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(r.CertChainDer[0])
	if err != nil {
		c.t.Fatal(err)
	}
	if leaf.SerialNumber.String() != r.Certificate.Serial {
		c.t.Fatalf("serial %s in the response, %s in the certificate", r.Certificate.Serial, leaf.SerialNumber)
	}
	ca, err := x509.ParseCertificate(r.CaCertDer)
	if err != nil {
		c.t.Fatal(err)
	}
	dir := filepath.Join(tempDir(c.t), "operator")
	if err := pki.SaveIdentity(dir, key, []*x509.Certificate{leaf}, ca); err != nil {
		c.t.Fatal(err)
	}
	creds, err := pki.LoadIdentity(dir)
	if err != nil {
		c.t.Fatal(err)
	}
	return creds, nil
}

// TestOperatorCertificates: an operator certificate issued through Admin
// works over mutual TLS; a second one for the name is refused while the
// first is in force; revoking it refuses the next call on a connection
// already open and the handshake of a new one; bad requests name the
// field.
func TestOperatorCertificates(t *testing.T) {
	c := startSQLite(t)
	bob, err := c.issueOperator("bob")
	if err != nil {
		t.Fatal(err)
	}
	if bob.Identity != pki.AdminIdentity("bob") {
		t.Fatalf("identity %v", bob.Identity)
	}
	asBob := pb.NewAdminClient(c.dial(bob.ClientTLSConfig("localhost")))
	if _, err := asBob.ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err != nil {
		t.Fatalf("bob's first call: %v", err)
	}
	_, err = c.issueOperator("bob")
	wantCode(t, err, codes.AlreadyExists, `operator "bob" has a certificate in force`)
	for _, tc := range []struct {
		req  *pb.IssueOperatorRequest
		want string
	}{
		{&pb.IssueOperatorRequest{CsrDer: []byte{1}}, "name: required"},
		{&pb.IssueOperatorRequest{Name: "Bob", CsrDer: []byte{1}}, "name: \"Bob\""},
		{&pb.IssueOperatorRequest{Name: "carol", CsrDer: []byte{1}}, "csr_der"},
		{&pb.IssueOperatorRequest{Name: "carol", Validity: durationpb.New(1000 * 24 * time.Hour)}, "validity"},
	} {
		_, err := c.admin.IssueOperator(ctxT(t), tc.req)
		wantCode(t, err, codes.InvalidArgument, tc.want)
	}

	r, err := c.admin.RevokeOperator(ctxT(t), &pb.RevokeOperatorRequest{Name: "bob", Reason: "left"})
	if err != nil || len(r.Certificates) != 1 || r.Certificates[0].Reason != "revoked by spiffe://patronus/admin/alice: left" {
		t.Fatalf("revoke: %v, %v", r, err)
	}
	// The connection bob has open: its next call is refused.
	_, err = asBob.ListNetworks(ctxT(t), &pb.ListNetworksRequest{})
	wantCode(t, err, codes.PermissionDenied, "is revoked")
	// A new connection fails the handshake.
	fresh := pb.NewAdminClient(c.dial(bob.ClientTLSConfig("localhost")))
	if _, err := fresh.ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("a new connection with a revoked certificate: %v, want the handshake refused", err)
	}
	_, err = c.admin.RevokeOperator(ctxT(t), &pb.RevokeOperatorRequest{Name: "bob"})
	wantCode(t, err, codes.NotFound, "no certificate in force")
	// bob may be issued a new one now; the list has both.
	bob2, err := c.issueOperator("bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pb.NewAdminClient(c.dial(bob2.ClientTLSConfig("localhost"))).ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err != nil {
		t.Fatalf("bob's new certificate: %v", err)
	}
	list, err := c.admin.ListOperators(ctxT(t), &pb.ListOperatorsRequest{})
	if err != nil || len(list.Certificates) != 2 {
		t.Fatalf("list: %v, %v", list, err)
	}
	for _, oc := range list.Certificates {
		revoked := oc.Serial != bob2.Chain[0].SerialNumber.String()
		if oc.Name != "bob" || oc.IssuedBy != "alice" || (oc.RevokedAt != nil) != revoked {
			t.Fatalf("list: %v", list)
		}
	}
	// An edge's certificate cannot issue operators.
	c.network("corp", store.FullMesh)
	e := c.enrol("corp", "b1")
	_, err = pb.NewAdminClient(c.dial(e.creds.ClientTLSConfig("localhost"))).ListOperators(ctxT(t), &pb.ListOperatorsRequest{})
	wantCode(t, err, codes.PermissionDenied, "")
}
