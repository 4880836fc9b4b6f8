package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// A call whose peer presented a (verified) client certificate may carry
// the parent of its span; any other is anonymous and only linked.
func TestAnonymousPeer(t *testing.T) {
	withCert := peer.NewContext(context.Background(), &peer.Peer{AuthInfo: credentials.TLSInfo{
		State: tls.ConnectionState{PeerCertificates: []*x509.Certificate{{}}}}})
	without := peer.NewContext(context.Background(), &peer.Peer{AuthInfo: credentials.TLSInfo{}})
	if anonymousPeer(withCert, nil) || !anonymousPeer(without, nil) || !anonymousPeer(context.Background(), nil) {
		t.Fatal("anonymousPeer: want false with a certificate, true without one or without a peer")
	}
}
