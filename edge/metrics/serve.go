package metrics

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"
)

// MinTokenLength is the shortest bearer token Serve accepts (32 hex
// digits: 128 bits).
const MinTokenLength = 32

// readHeaderTimeout bounds a scrape request's header.
const readHeaderTimeout = 5 * time.Second

// ServeConfig says where and how Serve serves /metrics.
type ServeConfig struct {
	// Addr is HOST:PORT to listen on (--metrics-listen).
	Addr string
	// TokenFile holds the bearer token a scrape must send
	// (Authorization: Bearer TOKEN; one trailing newline ignored;
	// --metrics-token-file). Empty: no token, which only a loopback
	// Addr may do: the metrics name the site's peers and links.
	TokenFile string
	Logger    *slog.Logger // nil: discard
}

// Serve serves GET /metrics of src on the address it returns until the
// returned function runs. A non-loopback Addr without a TokenFile is
// refused.
func Serve(cfg ServeConfig, src Source) (addr net.Addr, stop func(), err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := Handler(src)
	switch {
	case cfg.TokenFile != "":
		token, err := readToken(cfg.TokenFile)
		if err != nil {
			return nil, nil, err
		}
		h = requireToken(h, token)
	case !loopback(cfg.Addr):
		return nil, nil, fmt.Errorf("--metrics-listen %s: not a loopback address: give --metrics-token-file, as the metrics name the site's peers and links", cfg.Addr)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-listen %s: %w", cfg.Addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Logger.Error("metrics server stopped", "err", err)
		}
	}()
	return ln.Addr(), func() { _ = srv.Close() }, nil
}

// readToken reads a bearer token file; errors name the flag, never the
// token.
func readToken(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--metrics-token-file: %w", err)
	}
	tok := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if len(tok) < MinTokenLength || strings.ContainsAny(tok, " \t\r\n") {
		return nil, fmt.Errorf("--metrics-token-file %s: the token must be one line of at least %d characters without spaces (e.g. openssl rand -hex 32)", file, MinTokenLength)
	}
	return []byte(tok), nil
}

// requireToken answers 401 unless the request carries the bearer token
// (compared in constant time).
func requireToken(next http.Handler, token []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patronus-edge-metrics"`)
			http.Error(w, "a bearer token is needed: Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopback reports whether addr's host is a loopback address or
// "localhost"; an empty host (every interface) is not.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
