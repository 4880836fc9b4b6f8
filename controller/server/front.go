package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The front: one TLS listener for gRPC and HTTPS.
//
// Serve runs a net/http server (HTTP/1.1 and h2 over TLS 1.3) and sends
// each request with ProtoMajor 2 and an application/grpc content type to
// grpc.Server.ServeHTTP, every other request to Config.HTTP. Why this and
// not grpc's own transport behind a connection splitter: a connection
// cannot be told apart before its first request (gRPC clients and browsers
// both negotiate h2, and grpc-go waits for the server's SETTINGS before it
// sends a request, so peeking at the first HEADERS frame deadlocks unless
// the splitter speaks HTTP/2 itself). What changes against grpc's own
// transport, and what replaces it:
//   - keepalive: grpc.KeepaliveParams do not apply; the HTTP/2 server sends
//     a PING after Config.Keepalive (30 s) without a frame from the client
//     and closes the connection when no answer comes within
//     Config.KeepaliveTimeout (10 s). HTTP/1.1 connections have TCP's.
//   - keepalive enforcement: none; the HTTP/2 server answers every PING
//     (it bounds its queue of control frames).
//   - the peer's TLS state reaches the interceptors as credentials.TLSInfo,
//     as before, so authorize is unchanged; the handshake is the same
//     tls.Config (pki.Verifier, revocation on resumed sessions too).
//   - stop: streams end on the server's context; http.Server.Shutdown sends
//     GOAWAY, waits up to stopGrace for requests in flight, then closes.
//
// Locking: front.mu guards servers; handlers is the count of handler
// calls running (gRPC and HTTP, hijacked connections included).
type front struct {
	mu      sync.Mutex
	servers []*http.Server // every http.Server made by Serve and ServePlainHTTP
	closed  bool           // Stop began: no new servers

	// base is the context every request's derives from; it ends at Stop
	// after the graceful part, so that handlers of hijacked connections
	// (WebSockets), which Shutdown does not wait for, end too.
	base     context.Context
	endBase  context.CancelFunc
	handlers sync.WaitGroup
}

// Timeouts of the front.
const (
	// keepaliveTimeout: a connection whose PING is not answered within
	// this is closed.
	keepaliveTimeout = 10 * time.Second
	// readHeaderTimeout bounds the TLS handshake and an HTTP/1.1 request's
	// header; there is no read or write timeout, as streams are long.
	readHeaderTimeout = 10 * time.Second
	// idleTimeout closes a connection without a request or stream.
	idleTimeout = 5 * time.Minute
	// handlersGrace bounds the wait for handlers after their context ended.
	handlersGrace = 5 * time.Second
)

func newFront() *front {
	f := &front{}
	f.base, f.endBase = context.WithCancel(context.Background())
	return f
}

// isGRPC reports whether r is a gRPC call: HTTP/2 with an application/grpc
// content type (application/grpc+proto and the like included).
func isGRPC(r *http.Request) bool {
	return r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc")
}

// route sends gRPC calls to the gRPC services and the rest to Config.HTTP.
// A client certificate is checked again at every HTTP request (the gRPC
// interceptors do so for calls), so that a handler may trust r.TLS: a
// site or operator revoked after the handshake is refused on connections
// already open too.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if isGRPC(r) {
		s.grpc.ServeHTTP(w, r)
		return
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		if _, err := s.verifier.Verify(r.TLS.PeerCertificates); err != nil {
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "client certificate refused: "+err.Error())
			return
		}
	}
	s.httpHandler().ServeHTTP(w, r)
}

func (s *Server) httpHandler() http.Handler {
	if s.cfg.HTTP != nil {
		return s.cfg.HTTP
	}
	return http.HandlerFunc(notFound)
}

// notFound is the answer to every HTTP request when Config.HTTP is nil.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "NOT_FOUND", "nothing is served at "+r.URL.Path)
}

// writeError answers with a JSON error {"code", "message"}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
}

// counted wraps h so that Stop can wait for its calls.
func (f *front) counted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.handlers.Add(1)
		defer f.handlers.Done()
		h.ServeHTTP(w, r)
	})
}

// newHTTPServer makes an http.Server for h; nil when Stop has begun.
func (s *Server) newHTTPServer(h http.Handler, tlsConf *tls.Config) *http.Server {
	f := s.front
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(tlsConf != nil)
	hs := &http.Server{
		Handler:           f.counted(h),
		TLSConfig:         tlsConf,
		Protocols:         &p,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		HTTP2: &http.HTTP2Config{
			SendPingTimeout: s.cfg.Keepalive,
			PingTimeout:     s.cfg.KeepaliveTimeout,
		},
		// TLS handshake errors (scanners, revoked certificates) are
		// expected on an open port: debug.
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext: func(net.Listener) context.Context { return f.base },
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.servers = append(f.servers, hs)
	return hs
}

// Serve accepts connections on ln until Stop: TLS 1.3 with this server's
// certificate (renewed while it runs), a client certificate requested and
// checked when sent; gRPC calls go to the services, other requests to
// Config.HTTP (a JSON 404 when nil). It returns nil after Stop.
func (s *Server) Serve(ln net.Listener) error {
	hs := s.newHTTPServer(http.HandlerFunc(s.route), s.tlsConf.Clone())
	if hs == nil {
		ln.Close()
		return nil
	}
	return serveResult(hs.ServeTLS(ln, "", ""))
}

// ServePlainHTTP serves Config.HTTP (a JSON 404 when nil) on ln without
// TLS, for a reverse proxy in front; never gRPC. It returns nil after
// Stop.
func (s *Server) ServePlainHTTP(ln net.Listener) error {
	hs := s.newHTTPServer(s.httpHandler(), nil)
	if hs == nil {
		ln.Close()
		return nil
	}
	return serveResult(hs.Serve(ln))
}

func serveResult(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// stopFront shuts the HTTP servers down: no new connections, GOAWAY,
// requests in flight given until ctx ends; then every connection closed,
// every request's context ended, and the handlers awaited (bounded).
func (s *Server) stopFront(ctx context.Context) {
	f := s.front
	f.mu.Lock()
	f.closed = true
	servers := f.servers
	f.mu.Unlock()
	var wg sync.WaitGroup
	for _, hs := range servers {
		wg.Go(func() {
			if err := hs.Shutdown(ctx); err != nil {
				hs.Close()
			}
		})
	}
	wg.Wait()
	f.endBase()
	done := make(chan struct{})
	go func() {
		f.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(handlersGrace):
		s.log.Error("HTTP handlers still running after their context ended", "waited", handlersGrace)
	}
}
