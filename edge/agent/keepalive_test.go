package agent

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/keepalive"
)

// silencer is a TCP relay to the controller that can go silent: the
// connections it holds stay open but carry nothing more, as when the
// controller's host loses power or a network partition drops packets.
// Connections made after that work.
type silencer struct {
	lis    net.Listener
	target string

	mu    sync.Mutex
	conns []*relayed // guarded by mu
	wg    sync.WaitGroup
}

type relayed struct {
	client, server net.Conn
	silent         atomic.Bool
}

func newSilencer(t *testing.T, target string) *silencer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silencer{lis: lis, target: target}
	s.wg.Go(s.accept)
	t.Cleanup(s.close)
	return s
}

func (s *silencer) addr() string { return s.lis.Addr().String() }

func (s *silencer) accept() {
	for {
		c, err := s.lis.Accept()
		if err != nil {
			return
		}
		srv, err := net.Dial("tcp", s.target)
		if err != nil {
			c.Close()
			continue
		}
		r := &relayed{client: c, server: srv}
		s.mu.Lock()
		s.conns = append(s.conns, r)
		s.mu.Unlock()
		s.wg.Go(func() { r.copy(srv, c) })
		s.wg.Go(func() { r.copy(c, srv) })
	}
}

// copy relays from → to until either closes; once silent it reads and
// drops.
func (r *relayed) copy(to, from net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if err != nil {
			to.Close()
			return
		}
		if r.silent.Load() {
			continue
		}
		if _, err := to.Write(buf[:n]); err != nil {
			from.Close()
			return
		}
	}
}

// silence makes every connection open now carry nothing more.
func (s *silencer) silence() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.conns {
		r.silent.Store(true)
	}
}

func (s *silencer) close() {
	s.lis.Close()
	s.mu.Lock()
	for _, r := range s.conns {
		r.client.Close()
		r.server.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// A controller that goes silent without closing the connection is
// noticed by the keepalive pings; the agent reconnects and gets the
// configuration changed meanwhile. Without the pings the agent would wait
// on the dead stream (TCP's own keepalive is answered by the relay). It
// takes gRPC's shortest ping interval, 10 s.
func TestSilentControllerDetected(t *testing.T) {
	if testing.Short() {
		t.Skip("10 s: gRPC's shortest keepalive interval")
	}
	saved := keepaliveParams
	keepaliveParams = keepalive.ClientParameters{Time: 10 * time.Second, Timeout: time.Second, PermitWithoutStream: true}
	defer func() { keepaliveParams = saved }()

	ctl, dir := enrolled(t)
	relay := newSilencer(t, ctl.addr)
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.Controller = relay.addr()
	a := newAgent(t, opts)
	run(t, a)
	ctl.push(siteConfig(5))
	e.next(t)

	relay.silence()
	ctl.push(siteConfig(6))
	select {
	case v := <-e.applied:
		t.Fatalf("revision 6 arrived over a silent connection: %v", v.Name)
	case <-time.After(500 * time.Millisecond):
	}
	select {
	case <-e.applied:
	case <-time.After(20 * time.Second):
		t.Fatalf("no reconnection after the controller went silent; log:\n%s", e.logs)
	}
}
