package pki

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for the CA and the verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestCA makes a CA in a fresh directory.
func newTestCA(t testing.TB, opts ...Option) *CA {
	t.Helper()
	ca, created, err := LoadOrCreate(t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatal("created = false for a fresh directory")
	}
	return ca
}

// enrol makes an edge key, a CSR, and has ca sign it for the site.
func enrol(t *testing.T, ca *CA, name string, id int64, validity time.Duration) *Credentials {
	t.Helper()
	key, err := NewEdgeKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := CreateCSR(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.SignEdge(csr, name, id, validity)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := newCredentials(key, chainOf(cert), ca.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

// serverCert is the controller's certificate for the test names.
func serverCert(t *testing.T, ca *CA) tls.Certificate {
	t.Helper()
	c, _, err := ca.ServerCertificate([]string{"controller.test", "127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type handshakeResult struct {
	serverErr error    // the server's handshake
	clientErr error    // the client's handshake, or its first read
	peer      Identity // what the server saw, when serverErr is nil
	resumed   bool     // the client resumed a session
	client    tls.ConnectionState
}

// handshake runs one TLS connection over localhost TCP: the server
// completes the handshake and, if it accepted the client, writes "ok";
// the client handshakes and reads it (in TLS 1.3 the client learns of a
// refused client certificate only on its first read).
func handshake(t *testing.T, server, client *tls.Config) handshakeResult {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type srv struct {
		err  error
		peer Identity
	}
	done := make(chan srv, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- srv{err: err}
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			done <- srv{err: err}
			return
		}
		peer, err := PeerIdentity(tc.ConnectionState())
		if err == nil {
			_, err = tc.Write([]byte("ok"))
		}
		done <- srv{err: err, peer: peer}
	}()
	var res handshakeResult
	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", ln.Addr().String(), client)
	if err == nil {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 2)
		_, err = conn.Read(buf)
		if err == nil && string(buf) != "ok" {
			err = errors.New("unexpected server reply")
		}
		res.client = conn.ConnectionState()
		res.resumed = res.client.DidResume
		conn.Close()
	}
	res.clientErr = err
	s := <-done
	res.serverErr, res.peer = s.err, s.peer
	return res
}
