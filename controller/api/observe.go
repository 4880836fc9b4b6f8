package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
)

// RequestObserver is told about every request the API answers (the
// controller's metrics). route is the template of the route it matched
// ("/api/v1/networks/{network}"; "/" when none), never its raw path.
type RequestObserver interface {
	ObserveRequest(method, route string, code int, d time.Duration)
}

// observeRequests reports each request's route template, status and
// duration to s.cfg.Requests.
func (s *server) observeRequests(next http.Handler) http.Handler {
	if s.cfg.Requests == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, route := apierr.WithRoute(r.Context())
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			_, tmpl, ok := strings.Cut(*route, " ") // "GET /x" → "/x"
			if !ok {
				tmpl = *route
			}
			if tmpl == "" {
				tmpl = "/"
			}
			s.cfg.Requests.ObserveRequest(r.Method, tmpl, sw.code(), time.Since(start))
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// statusWriter remembers the status written; it passes Flush and Hijack
// on (streaming responses, WebSocket upgrades: 101).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the status answered: 200 when the handler wrote nothing.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// readyTimeout bounds the readiness check.
const readyTimeout = 2 * time.Second

// live answers GET /health/live: the process serves HTTP.
func live(w http.ResponseWriter, _ *http.Request) {
	writeHealth(w, http.StatusOK, "ok")
}

// ready answers GET /health/ready: ok when s.cfg.Ready succeeds within
// readyTimeout, else 503 "not ready" (the cause is logged, not told).
func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			if !errors.Is(r.Context().Err(), context.Canceled) {
				s.log.Warn("api: not ready", "err", err)
			}
			writeHealth(w, http.StatusServiceUnavailable, "not ready")
			return
		}
	}
	writeHealth(w, http.StatusOK, "ok")
}

func writeHealth(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"status": status})
}
