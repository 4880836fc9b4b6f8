// Package ctlsock serves a daemon's local control API as JSON over HTTP on
// a unix socket that only its owner may use, and reads it back for the
// command-line tools (patronus bfd show, patronus status).
package ctlsock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SocketEnv names the edge control socket for patronus status, pin and the
// like when --control-socket is not given; patronus lab exec sets it for the
// edge node it runs in.
const SocketEnv = "PATRONUS_CONTROL_SOCKET"

// Serve serves the handlers (by net/http pattern, e.g. "GET /status") on
// the unix socket at sock; the socket is created with mode 0600 (its
// directory 0700 if missing). The returned func stops serving and removes
// the socket.
func Serve(sock string, handlers map[string]http.HandlerFunc) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		return nil, err
	}
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	for pattern, h := range handlers {
		mux.HandleFunc(pattern, h)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = os.Remove(sock)
	}, nil
}

// JSON answers with get() as JSON.
func JSON(get func() any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(get())
	}
}

// PutJSON decodes the request body (strictly: unknown fields are errors)
// into a T and hands it to set; set's error is answered as 400 with its
// text.
func PutJSON[T any](set func(T) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var v T
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		err := dec.Decode(&v)
		if err == nil {
			err = set(v)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// Put sends in as JSON with PUT; an error answer's text is the error.
func Put(sock, path string, in any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPut, "http://patronus"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := client(sock).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return errors.New(strings.TrimSpace(string(msg)))
	}
	return nil
}

// PutBody sends body as it is with PUT and returns the answer's body; an
// error answer's text is the error.
func PutBody(sock, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPut, "http://patronus"+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := client(sock).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return nil, errors.New(strings.TrimSpace(string(out)))
	}
	return out, err
}

func client(sock string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
}

// Get fetches path from the socket, decodes it into v and returns the raw
// JSON too.
func Get(sock, path string, v any) ([]byte, error) {
	resp, err := client(sock).Get("http://patronus" + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", path, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		return nil, fmt.Errorf("bad answer: %w", err)
	}
	return raw, nil
}
