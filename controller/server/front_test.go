package server_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/server"
)

// relay forwards TCP between a client and addr until frozen; then it
// forwards nothing more and keeps both connections open, as a vanished
// peer behind a NAT does.
type relay struct {
	ln     net.Listener
	frozen atomic.Bool
	done   chan struct{}
	wg     sync.WaitGroup
}

func newRelay(t *testing.T, addr string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, done: make(chan struct{})}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			r.wg.Add(2)
			go r.pipe(c, s)
			go r.pipe(s, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		close(r.done)
		r.wg.Wait()
	})
	return r
}

// pipe copies src to dst until frozen or closed; both are closed at the
// end of the test.
func (r *relay) pipe(src, dst net.Conn) {
	defer r.wg.Done()
	go func() {
		<-r.done
		src.Close()
		dst.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil || r.frozen.Load() {
			return
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// TestKeepaliveEndsVanishedPeer: a connection whose peer stops answering
// is closed by the server's PING after Keepalive + KeepaliveTimeout, and
// the request on it ends (the same HTTP/2 server carries gRPC streams).
func TestKeepaliveEndsVanishedPeer(t *testing.T) {
	entered, ended := make(chan struct{}), make(chan time.Time, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		close(entered)
		<-r.Context().Done()
		ended <- time.Now()
	})
	c := startSQLite(t, func(cfg *server.Config) {
		cfg.HTTP = handler
		cfg.Keepalive = 300 * time.Millisecond
		cfg.KeepaliveTimeout = 300 * time.Millisecond
	})
	rl := newRelay(t, c.addr)
	pool := x509.NewCertPool()
	pool.AddCert(c.ca.Certificate())
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + rl.ln.Addr().String() + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("protocol %s, want HTTP/2", resp.Proto)
	}
	<-entered
	// Still open over a few keepalive periods while the peer answers.
	select {
	case <-ended:
		t.Fatal("the request ended while the peer answered the pings")
	case <-time.After(time.Second):
	}
	frozeAt := time.Now()
	rl.frozen.Store(true)
	select {
	case at := <-ended:
		t.Logf("request ended %v after the peer vanished", at.Sub(frozeAt).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("the request is still open 5 s after the peer vanished (keepalive 300 ms + 300 ms)")
	}
	go io.Copy(io.Discard, resp.Body)
	// The server still serves others.
	if _, err := c.admin.ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err != nil {
		t.Fatal(err)
	}
}
