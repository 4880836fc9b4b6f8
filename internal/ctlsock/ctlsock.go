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
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// SocketEnv names the edge control socket for patronus status, pin and the
// like when --control-socket is not given; patronus lab exec sets it for the
// edge node it runs in.
const SocketEnv = "PATRONUS_CONTROL_SOCKET"

// Serve serves the handlers (by net/http pattern, e.g. "GET /status") on
// the unix socket at sock. The returned func stops serving and removes the
// socket.
//
// Only the daemon's own user and root may use it, three times over: the
// directory (made 0700 if missing) must be a real directory owned by the
// daemon's user or root and writable by nobody else; the socket is bound
// under a temporary name, made 0600 and only then renamed into place, so
// it never exists at sock with a wider mode; and every connection's peer
// credentials (SO_PEERCRED) are checked, so a socket exposed by a mistake
// (a chmod, a bind mount) still refuses other users.
func Serve(sock string, handlers map[string]http.HandlerFunc) (func(), error) {
	dir := filepath.Dir(sock)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := listen(sock)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for pattern, h := range handlers {
		mux.HandleFunc(pattern, h)
	}
	// IdleTimeout: a client that keeps connections open without using
	// them does not hold the edge's descriptors for ever.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(peerChecked{ln}) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = os.Remove(sock)
	}, nil
}

// listen binds sock's temporary sibling, makes it 0600 and renames it to
// sock.
func listen(sock string) (*net.UnixListener, error) {
	tmp := fmt.Sprintf("%s.%d.tmp", sock, os.Getpid())
	_ = os.Remove(tmp)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false) // it is renamed; Serve's stop removes sock
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, sock); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, err
	}
	return ln, nil
}

// checkDir refuses a socket directory that others could write to (and so
// replace the socket) or that is not what it seems (a symbolic link).
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("control socket directory %s: not a directory (a symbolic link?)", dir)
	case !ok:
		return fmt.Errorf("control socket directory %s: no owner information", dir)
	case int(st.Uid) != os.Geteuid() && st.Uid != 0:
		return fmt.Errorf("control socket directory %s: owned by uid %d, not by this user (%d) or root", dir, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("control socket directory %s: mode %04o lets others write to it: chmod go-w it or use another directory", dir, fi.Mode().Perm())
	}
	return nil
}

// peerChecked accepts only connections from the daemon's own user or root.
type peerChecked struct{ *net.UnixListener }

func (l peerChecked) Accept() (net.Conn, error) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			return nil, err
		}
		if allowedPeer(c) {
			return c, nil
		}
		c.Close()
	}
}

func allowedPeer(c *net.UnixConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || credErr != nil {
		return false
	}
	return cred.Uid == 0 || int(cred.Uid) == os.Geteuid()
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

// client makes one request: without keep-alives, as its Transport is
// never used again (an idle connection kept would be a descriptor and two
// goroutines here, and a descriptor in the edge, for each call).
func client(sock string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
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
