package lab

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The lab's dashboard: the controller's HTTPS API (and web UI) reached
// from the machine the lab runs on. The controller lives in its own
// namespace at an address of the underlay that every lab shares, so a
// proxy in the host namespace listens on loopback (127.0.0.1:8443, or a
// free port when that is taken by another lab) and carries each TCP
// connection into the controller's namespace. TLS passes through it
// untouched: the certificate names 127.0.0.1.

// DashboardUser is the administrator that lab up creates.
const DashboardUser = "admin"

// dashboardPort is the proxy's first choice of port on 127.0.0.1.
const dashboardPort = 8443

// Dashboard says how to sign in to the lab's controller.
type Dashboard struct {
	URL          string `json:"url"`           // https://127.0.0.1:PORT
	CAFile       string `json:"ca_file"`       // the controller's CA certificate
	Username     string `json:"username"`      // an admin
	PasswordFile string `json:"password_file"` // its password (mode 0600)
	ProxyPID     int    `json:"proxy_pid"`
	ProxyLog     string `json:"proxy_log"`
}

// startDashboard starts the proxy and creates the administrator with a
// random password.
func (st *State) startDashboard(binary string, deadline time.Time) error {
	d := &Dashboard{Username: DashboardUser, CAFile: filepath.Join(st.Controller.DataDir, "pki", "ca.crt"),
		PasswordFile: filepath.Join(st.Dir, "dashboard-password"), ProxyLog: filepath.Join(st.Dir, "dashboard-proxy.log")}
	st.Dashboard = d
	if err := st.startProxy(binary, deadline); err != nil {
		return err
	}
	pw, err := newPassword()
	if err != nil {
		return err
	}
	if err := os.WriteFile(d.PasswordFile, []byte(pw+"\n"), 0o600); err != nil {
		return err
	}
	_, err = st.ctl(binary, "users", "add", d.Username, "--role", "admin", "--password-file", d.PasswordFile)
	return err
}

// startProxy starts patronus lab dashboard-proxy in the host namespace
// and waits for the address it listens on.
func (st *State) startProxy(binary string, deadline time.Time) error {
	d := st.Dashboard
	portFile := filepath.Join(st.Dir, "dashboard-proxy.addr")
	_ = os.Remove(portFile)
	pid, done, err := spawnHost(d.ProxyLog, binary, "lab", "dashboard-proxy", "--netns", nsCtl(st.Name),
		"--to", st.Controller.Address, "--addr-file", portFile)
	if err != nil {
		return err
	}
	d.ProxyPID = pid
	for {
		if b, err := os.ReadFile(portFile); err == nil && strings.HasSuffix(string(b), "\n") {
			d.URL = "https://" + strings.TrimSpace(string(b))
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("the dashboard proxy exited; its log (%s):\n%s", d.ProxyLog, tail(d.ProxyLog, 20))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the dashboard proxy did not start; its log (%s):\n%s", d.ProxyLog, tail(d.ProxyLog, 20))
		}
	}
}

func newPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// RunProxy listens on 127.0.0.1 (dashboardPort, else a free port), writes
// HOST:PORT and a newline to addrFile, and carries every connection to
// the address to inside namespace netns, until ctx ends.
func RunProxy(ctx context.Context, netns, to, addrFile string, log io.Writer) error {
	dial, err := nsDialer(netns)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(dashboardPort)))
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	context.AfterFunc(ctx, func() { ln.Close() })
	if err := os.WriteFile(addrFile, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "dashboard proxy: %s -> %s in namespace %s\n", ln.Addr(), to, netns)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Go(func() { proxyConn(ctx, c, dial, to, log) })
	}
}

func proxyConn(ctx context.Context, c net.Conn, dial func(string) (net.Conn, error), to string, log io.Writer) {
	defer c.Close()
	up, err := dial(to)
	if err != nil {
		fmt.Fprintf(log, "dashboard proxy: %s: %v\n", to, err)
		return
	}
	defer up.Close()
	stop := context.AfterFunc(ctx, func() { c.Close(); up.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { copyHalf(up, c) })
	copyHalf(c, up)
	wg.Wait()
}

// copyHalf copies src to dst, then half-closes dst's write side.
func copyHalf(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	} else {
		dst.Close()
	}
}

// nsDialer returns a function that dials TCP from inside namespace ns:
// one OS thread is moved into the namespace for good and does the dials
// (a socket stays in the namespace it was made in).
func nsDialer(ns string) (func(string) (net.Conn, error), error) {
	f, err := os.Open(filepath.Join("/var/run/netns", ns))
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", ns, err)
	}
	type req struct {
		addr string
		resp chan<- dialResult
	}
	reqs := make(chan req)
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		ready <- err
		if err != nil {
			return
		}
		for r := range reqs {
			c, err := net.DialTimeout("tcp", r.addr, 5*time.Second)
			r.resp <- dialResult{c, err}
		}
	}()
	if err := <-ready; err != nil {
		return nil, fmt.Errorf("setns %s: %w", ns, err)
	}
	return func(addr string) (net.Conn, error) {
		resp := make(chan dialResult, 1)
		reqs <- req{addr, resp}
		r := <-resp
		return r.c, r.err
	}, nil
}

type dialResult struct {
	c   net.Conn
	err error
}

// ProxyPIDs returns the processes running lab name's dashboard proxy
// (patronus lab dashboard-proxy --netns pl-NAME-ctl), found in /proc by
// their arguments.
func ProxyPIDs(name string) []int {
	want := "\x00lab\x00dashboard-proxy\x00--netns\x00" + nsCtl(name) + "\x00"
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && strings.Contains(string(b), want) {
			out = append(out, pid)
		}
	}
	return out
}
