//go:build interop

package interop

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/patronus-sdwan/patronus/controller/alert"
)

// alertReceiver is a webhook receiver listening inside the lab's
// controller namespace (where the controller can reach it), served by
// this test process.
type alertReceiver struct {
	t      *testing.T
	ns     string
	addr   string // 127.0.0.1:PORT in the controller's namespace
	secret []byte
	srv    *http.Server

	mu  sync.Mutex
	got []notice // every delivery, verified or not
}

type notice struct {
	at      time.Time // received
	sigOK   bool
	sig     string
	body    []byte
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Site    string `json:"site"`
	Path    string `json:"path"`
	Subject string `json:"subject"`
	At      string `json:"at"`
}

// listenIn opens a TCP listener on addr inside a named network namespace.
func listenIn(ns, addr string) (net.Listener, error) {
	f, err := os.Open(filepath.Join("/var/run/netns", ns))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type res struct {
		ln  net.Listener
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- res{err: err}
			return
		}
		ln, err := net.Listen("tcp", addr)
		ch <- res{ln, err}
	}()
	r := <-ch
	return r.ln, r.err
}

func newAlertReceiver(t *testing.T, ns string, secret []byte) *alertReceiver {
	r := &alertReceiver{t: t, ns: ns, addr: "127.0.0.1:0", secret: secret}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *alertReceiver) start() {
	r.t.Helper()
	ln, err := listenIn(r.ns, r.addr)
	if err != nil {
		r.t.Fatalf("receiver in %s: %v", r.ns, err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: r}
	go r.srv.Serve(ln)
}

func (r *alertReceiver) stop() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

// ServeHTTP verifies the signature, as a receiver should, and answers
// 401 when it does not match.
func (r *alertReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	n := notice{at: time.Now(), body: body, sig: req.Header.Get(alert.SignatureHeader)}
	json.Unmarshal(body, &n)
	n.sigOK = alert.Verify(r.secret, n.sig, body, time.Now(), alert.DefaultReplayWindow) == nil
	r.mu.Lock()
	r.got = append(r.got, n)
	r.mu.Unlock()
	if !n.sigOK {
		w.WriteHeader(http.StatusUnauthorized)
	}
}

// wait returns the first verified notice after since that match selects.
func (r *alertReceiver) wait(since time.Time, d time.Duration, what string, match func(notice) bool) notice {
	r.t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		r.mu.Lock()
		for _, n := range r.got {
			if n.at.After(since) && n.sigOK && match(n) {
				r.mu.Unlock()
				return n
			}
		}
		got := r.summary()
		r.mu.Unlock()
		if time.Now().After(deadline) {
			r.t.Fatalf("no %s within %v; received:\n%s", what, d, got)
		}
	}
}

// summary lists what was received; r.mu must be held.
func (r *alertReceiver) summary() string {
	var b strings.Builder
	for _, n := range r.got {
		fmt.Fprintf(&b, "  %s %s %s %s (signature ok: %v)\n", n.at.Format("15:04:05.000"), n.Kind, n.Status, n.Subject, n.sigOK)
	}
	return b.String()
}

// settle waits until no alert is firing (patronus ctl alerts list).
func (l *testLab) settle(d time.Duration) {
	l.t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(200 * time.Millisecond) {
		out := l.mustCtl("--json", "alerts", "list")
		var list struct {
			Alerts []struct{ Kind, Subject string } `json:"alerts"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			l.t.Fatalf("alerts list --json: %v\n%s", err, out)
		}
		if len(list.Alerts) == 0 {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("alerts still firing after %v: %+v", d, list.Alerts)
		}
	}
}

func is(kind, status, subject string) func(notice) bool {
	return func(n notice) bool { return n.Kind == kind && n.Status == status && n.Subject == subject }
}

// TestLabAlerts: a webhook receiver gets "path down" within 2 s of a
// link cut, "site offline" when every link of a site is cut, the
// resolved notices after recovery, and, when it was down, the alert once
// it is back; a wrong signature is detected.
func TestLabAlerts(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alerts.yaml")
	// Short hysteresis and backoff, so that the test is short.
	if err := os.WriteFile(cfg, []byte(`alerts:
  path_down: {resolve_after: 2s}
  site_offline: {silence: 4s, resolve_after: 2s}
  site_unreachable: {resolve_after: 2s}
  webhooks: {min_backoff: 200ms, max_backoff: 1s}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "2", "--links", "2", "--controller-config", cfg)
	secret := []byte("lab-alert-receiver-secret")
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, append(secret, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newAlertReceiver(t, "pl-"+l.name+"-ctl", secret)
	l.mustCtl("alerts", "webhook", "add", "http://"+r.addr+"/hook", "--secret-file", secretFile)

	// The paths' start may have fired alerts: wait until they resolve.
	l.settle(20 * time.Second)

	// One link cut: its paths are down within 2 s.
	const p1 = "path/site1/inet->site2/inet"
	t0 := time.Now()
	l.impair("site1", "inet", "--down")
	n := r.wait(t0, 5*time.Second, "path_down of "+p1, is("path_down", "firing", p1))
	t.Logf("path_down delivered %v after the cut", n.at.Sub(t0).Round(time.Millisecond))
	if n.at.Sub(t0) > 2*time.Second {
		t.Errorf("path_down took %v, more than 2 s", n.at.Sub(t0))
	}
	if n.Site != "site1" || n.Path != "site1/inet->site2/inet" {
		t.Errorf("notice %s", n.body)
	}
	if _, err := time.Parse(time.RFC3339, n.At); err != nil {
		t.Errorf("at %q: %v", n.At, err)
	}
	// A wrong secret, a changed body: detected.
	if err := alert.Verify([]byte("not-the-receivers-secret"), n.sig, n.body, time.Now(), alert.DefaultReplayWindow); !errors.Is(err, alert.ErrSignatureBad) {
		t.Errorf("a wrong secret: %v", err)
	}
	tampered := []byte(strings.Replace(string(n.body), `"firing"`, `"resolved"`, 1))
	if err := alert.Verify(secret, n.sig, tampered, time.Now(), alert.DefaultReplayWindow); !errors.Is(err, alert.ErrSignatureBad) {
		t.Errorf("a changed body: %v", err)
	}

	// Every link of site1 cut: the site goes offline, every path to it
	// down. (Its control stream may have run over inet: then the
	// controller heard nothing from it since t0, and site_offline fired
	// before this second cut.)
	t1 := time.Now()
	l.impair("site1", "lte", "--down")
	n = r.wait(t0, 12*time.Second, "site_offline of site1", is("site_offline", "firing", "site/site1"))
	t.Logf("site_offline delivered %v after the first cut, %v after the last", n.at.Sub(t0).Round(time.Millisecond), n.at.Sub(t1).Round(time.Millisecond))
	n = r.wait(t0, 5*time.Second, "site_unreachable of site1", is("site_unreachable", "firing", "site/site1"))
	t.Logf("site_unreachable delivered %v after the last cut", n.at.Sub(t1).Round(time.Millisecond))

	// Recovery: the resolved notices.
	t2 := time.Now()
	l.impair("site1", "inet", "--up")
	l.impair("site1", "lte", "--up")
	r.wait(t2, 20*time.Second, "site_offline resolved", is("site_offline", "resolved", "site/site1"))
	r.wait(t2, 20*time.Second, "path_down resolved", is("path_down", "resolved", p1))
	t.Logf("resolved %v after recovery", time.Since(t2).Round(time.Millisecond))

	// The receiver goes down; a path goes down; it gets the alert when
	// it is back.
	l.settle(20 * time.Second)
	r.stop()
	const p2 = "path/site1/lte->site2/lte"
	t3 := time.Now()
	l.impair("site2", "lte", "--down")
	time.Sleep(3 * time.Second) // attempts fail meanwhile
	r.start()
	n = r.wait(t3, 10*time.Second, "path_down of "+p2+" after the receiver came back", is("path_down", "firing", p2))
	t.Logf("delivered %v after the receiver came back", time.Since(t3.Add(3*time.Second)).Round(time.Millisecond))
	l.impair("site2", "lte", "--up")

	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.got {
		if !n.sigOK {
			t.Errorf("a delivery failed verification: %s %s", n.sig, n.body)
		}
	}
}
