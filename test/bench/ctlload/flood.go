package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// floodConns is how many connections carry the forged enrolments: an
// attacker need not pay a TLS handshake per attempt, so the flood measures
// what each Enroll call costs the controller.
const floodConns = 8

// floodStats counts the forged enrolments of a window by answer.
type floodStats struct {
	Sent, Refused, Limited, Other atomic.Int64
}

// flood sends rate forged enrolments a second until ctx ends: join tokens
// of the right form, pinned to the controller's CA (which is public), but
// never issued, each with a valid CSR and WireGuard key, so that the
// controller can refuse them only by looking the token up.
func flood(ctx context.Context, c *rig.Controller, rate int, st *floodStats) error {
	ca, err := readCA(filepath.Join(c.DataDir, "pki", "ca.crt"))
	if err != nil {
		return err
	}
	tok, _, err := pki.NewToken("forged", ca, time.Now().Add(time.Hour))
	if err != nil {
		return err
	}
	tlsCfg, err := pki.EnrolTLSConfig(tok, rig.ServerName)
	if err != nil {
		return err
	}
	key, err := pki.NewEdgeKey()
	if err != nil {
		return err
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		return err
	}
	wg := make([]byte, 32)
	rand.Read(wg)
	var clients []pb.EnrollmentClient
	for range floodConns {
		conn, err := grpc.NewClient(c.Addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
		if err != nil {
			return err
		}
		defer conn.Close()
		clients = append(clients, pb.NewEnrollmentClient(conn))
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var inflight sync.WaitGroup
	defer inflight.Wait()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		// Each attempt its own token: a new secret, the same CA pin.
		forged, _, err := pki.NewToken("forged", ca, time.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		cl := clients[i%len(clients)]
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			st.Sent.Add(1)
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := cl.Enroll(cctx, &pb.EnrollRequest{JoinToken: forged, SiteName: "forged", CsrDer: csr, WireguardPublicKey: wg})
			switch status.Code(err) {
			case codes.PermissionDenied, codes.NotFound, codes.InvalidArgument, codes.Unauthenticated:
				st.Refused.Add(1)
			case codes.ResourceExhausted:
				st.Limited.Add(1)
			default:
				st.Other.Add(1)
			}
		}()
	}
}

func readCA(file string) (*x509.Certificate, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil, fmt.Errorf("%s: no PEM block", file)
	}
	return x509.ParseCertificate(b.Bytes)
}
