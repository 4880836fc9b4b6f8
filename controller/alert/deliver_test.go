package alert_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// receiver is a webhook receiver: it records what it got and answers
// with the status fail returns (200 when nil).
type receiver struct {
	mu   sync.Mutex
	got  []delivery
	fail func(n int) int
	ch   chan delivery
}

type delivery struct {
	header http.Header
	body   []byte
	alert  map[string]any
}

func newReceiver() *receiver { return &receiver{ch: make(chan delivery, 100)} }

func (r *receiver) setFail(f func(n int) int) {
	r.mu.Lock()
	r.fail = f
	r.mu.Unlock()
}

// first returns the first request received, accepted or not.
func (r *receiver) first() delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[0]
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := len(r.got)
	d := delivery{header: req.Header.Clone(), body: body}
	json.Unmarshal(body, &d.alert)
	r.got = append(r.got, d)
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if code := fail(n); code != 200 {
			w.WriteHeader(code)
			return
		}
	}
	r.ch <- d
}

// next waits for the next delivery the receiver accepted.
func (r *receiver) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-r.ch:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10 s")
		return delivery{}
	}
}

type rig struct {
	st     store.Store
	bus    *events.Bus
	svc    *alert.Service
	cancel context.CancelFunc
	done   chan struct{}
}

var fast = alert.Config{Webhooks: alert.DeliveryConfig{MinBackoff: "20ms", MaxBackoff: "80ms", Timeout: "2s"},
	SiteUnreachable: alert.Rule{Disabled: true}, EvaluateInterval: "20ms", SweepInterval: "20ms"}

func openStore(t *testing.T, dir string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// start runs a service over st until stop or the test ends.
func start(t *testing.T, st store.Store, c alert.Config) *rig {
	t.Helper()
	return startWith(t, st, c, nil)
}

// startWith is start with more of the service's configuration.
func startWith(t *testing.T, st store.Store, c alert.Config, more func(*alert.ServiceConfig)) *rig {
	t.Helper()
	rules, err := c.Compile()
	if err != nil {
		t.Fatal(err)
	}
	g := &rig{st: st, bus: events.NewBus(nil), done: make(chan struct{})}
	live := manage.NewLive()
	cfg := alert.ServiceConfig{Rules: rules, Store: st, Bus: g.bus, Fleet: live}
	if more != nil {
		more(&cfg)
	}
	g.bus = cfg.Bus
	g.svc, err = alert.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ctx context.Context
	ctx, g.cancel = context.WithCancel(context.Background())
	liveDone := make(chan struct{})
	subs := g.bus.Stats().Subscribers
	go func() { defer close(liveDone); live.Run(ctx, g.bus) }()
	go func() { defer close(g.done); g.svc.Run(ctx); <-liveDone }()
	t.Cleanup(g.stop)
	// Run (without a Leader) and Live subscribe at once; wait for them
	// so that no event is missed.
	want := subs + 2
	if cfg.Leader != nil {
		want = subs + 1
	}
	for g.bus.Stats().Subscribers < want {
		time.Sleep(time.Millisecond)
	}
	return g
}

func (g *rig) stop() {
	g.cancel()
	<-g.done
}

func (g *rig) pathDown(site, path string, down bool) {
	state := events.PathUp
	if down {
		state = events.PathDown
	}
	g.bus.Publish(&events.Event{Kind: events.KindPath, Network: "default", Site: site, At: time.Now(),
		Path: &events.PathChange{PathID: path, State: state, StateChanged: true}})
}

func (g *rig) add(t *testing.T, url, secret string, slack bool) store.Webhook {
	t.Helper()
	h, err := g.svc.AddWebhook(context.Background(), store.WebhookSpec{URL: url, Secret: secret, Slack: slack, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const secret = "0123456789abcdef-secret"

// TestDeliverySigned: a notice reaches the receiver as a JSON POST with
// the contract's fields, signed so that the receiver can verify it (and
// a wrong secret or a changed body is detected); the Slack variant adds
// "text"; every delivery is audited without the secret.
func TestDeliverySigned(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	g := start(t, st, fast)
	plain, slack := newReceiver(), newReceiver()
	sp, ss := httptest.NewServer(plain), httptest.NewServer(slack)
	defer sp.Close()
	defer ss.Close()
	g.add(t, sp.URL+"/hook", secret, false)
	hs := g.add(t, ss.URL+"/services/T0/B0/XYZ", "", true)
	if len(hs.Secret) < alert.MinSecretLength {
		t.Fatalf("drawn secret %q", hs.Secret)
	}
	g.pathDown("a", "a/inet->b/lte", true)

	d := plain.next(t)
	a := d.alert
	if a["kind"] != "path_down" || a["status"] != "firing" || a["site"] != "a" || a["path"] != "a/inet->b/lte" || a["network"] != "default" || a["text"] != nil {
		t.Fatalf("payload %s", d.body)
	}
	if _, err := time.Parse(time.RFC3339, a["at"].(string)); err != nil {
		t.Fatalf("at: %v", err)
	}
	if ct := d.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	sig := d.header.Get(alert.SignatureHeader)
	now := time.Now()
	if err := alert.Verify([]byte(secret), sig, d.body, now, alert.DefaultReplayWindow); err != nil {
		t.Fatalf("verify %q: %v", sig, err)
	}
	for _, tc := range []struct {
		secret, sig string
		body        []byte
		at          time.Time
		want        error
	}{
		{"wrong-secret-0123456", sig, d.body, now, alert.ErrSignatureBad},
		{secret, sig, append([]byte(" "), d.body...), now, alert.ErrSignatureBad},
		{secret, sig, d.body, now.Add(6 * time.Minute), alert.ErrSignatureStale},
		{secret, "v1=00", d.body, now, alert.ErrSignatureFormat},
	} {
		if err := alert.Verify([]byte(tc.secret), tc.sig, tc.body, tc.at, alert.DefaultReplayWindow); !errors.Is(err, tc.want) {
			t.Errorf("verify(%q, %q): %v, want %v", tc.secret, tc.sig, err, tc.want)
		}
	}

	ds := slack.next(t)
	if text, _ := ds.alert["text"].(string); !strings.Contains(text, "FIRING path_down") || ds.alert["kind"] != "path_down" {
		t.Fatalf("slack payload %s", ds.body)
	}
	if err := alert.Verify([]byte(hs.Secret), ds.header.Get(alert.SignatureHeader), ds.body, time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	waitAudit(t, st, 2, func(e store.AuditEntry) bool { return e.Action == "alert.delivery" && e.Outcome == "success" })
	entries, _ := st.AuditLog(context.Background(), store.AuditQuery{Action: "alert.delivery"})
	for _, e := range entries {
		if strings.Contains(string(e.Detail), secret) || strings.Contains(string(e.Detail), "XYZ") || e.Actor != alert.AuditActor {
			t.Fatalf("audit entry %+v %s", e, e.Detail)
		}
	}
	list, _ := g.svc.Webhooks(context.Background())
	if len(list) != 2 || list[0].Secret != "" || list[1].Secret != "" {
		t.Fatalf("list shows secrets: %+v", list)
	}
}

// waitAudit waits until n audit entries match.
func waitAudit(t *testing.T, st store.Store, n int, match func(store.AuditEntry) bool) []store.AuditEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, err := st.AuditLog(context.Background(), store.AuditQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var got []store.AuditEntry
		for _, e := range all {
			if match(e) {
				got = append(got, e)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d matching audit entries, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDeliveryRetries: a receiver answering 500 gets the notice again,
// with backoff, until it takes it; notices keep their order; each
// failure is audited.
func TestDeliveryRetries(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	g := start(t, st, fast)
	r := newReceiver()
	r.setFail(func(n int) int {
		if n < 3 {
			return 500
		}
		return 200
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	h := g.add(t, srv.URL, secret, false)
	g.pathDown("a", "a/inet->b/lte", true)
	g.pathDown("b", "b/x->c/y", true)
	first, second := r.next(t), r.next(t)
	if first.alert["path"] != "a/inet->b/lte" || second.alert["path"] != "b/x->c/y" {
		t.Fatalf("order: %s then %s", first.body, second.body)
	}
	if first.header.Get(alert.DeliveryHeader) == "" || first.header.Get(alert.DeliveryHeader) != r.first().header.Get(alert.DeliveryHeader) {
		t.Fatal("a retried delivery changed its ID")
	}
	fails := waitAudit(t, st, 3, func(e store.AuditEntry) bool {
		return e.Action == "alert.delivery" && e.Outcome == "failure" && e.Target == "webhook/"+itoa(h.ID)
	})
	if !strings.Contains(string(fails[0].Detail), `"http_status":500`) {
		t.Fatalf("failure detail %s", fails[0].Detail)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestDeliverySurvivesRestart: notices for a receiver that is down wait
// in the store; a controller started again delivers them once the
// receiver is back.
func TestDeliverySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the receiver is down
	st := openStore(t, dir)
	g := start(t, st, fast)
	g.add(t, "http://"+addr+"/hook", secret, false)
	g.pathDown("a", "a/inet->b/lte", true)
	waitAudit(t, st, 2, func(e store.AuditEntry) bool { return e.Action == "alert.delivery" && e.Outcome == "failure" })
	g.stop()
	st.Close()

	st = openStore(t, dir)
	defer st.Close()
	start(t, st, fast)
	r := newReceiver()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the receiver's port was taken meanwhile: %v", err)
	}
	srv := &http.Server{Handler: r}
	go srv.Serve(ln)
	defer srv.Close()
	d := r.next(t)
	if d.alert["kind"] != "path_down" || d.alert["status"] != "firing" {
		t.Fatalf("after restart: %s", d.body)
	}
}

// TestQueueBound: a webhook keeps at most Queue deliveries; the oldest
// are dropped and the drop audited.
func TestQueueBound(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	c := fast
	c.Webhooks.Queue = 2
	c.Webhooks.MinBackoff, c.Webhooks.MaxBackoff = "1h", "1h"
	g := start(t, st, c)
	g.add(t, "http://127.0.0.1:9/down", secret, false)
	for _, p := range []string{"a/1->b/1", "a/2->b/2", "a/3->b/3"} {
		g.pathDown("a", p, true)
	}
	got := waitAudit(t, st, 1, func(e store.AuditEntry) bool { return strings.Contains(string(e.Detail), `"dropped":1`) })
	if got[0].Outcome != "failure" {
		t.Fatalf("%+v", got[0])
	}
}

// TestWebhookTestAndValidation: test sends one notice and reports the
// answer; bad URLs and secrets are refused naming the field.
func TestWebhookTestAndValidation(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	g := start(t, st, fast)
	r := newReceiver()
	srv := httptest.NewServer(r)
	defer srv.Close()
	h := g.add(t, srv.URL, secret, true)
	res, err := g.svc.TestWebhook(context.Background(), h.ID)
	if err != nil || !res.Delivered || res.HTTPStatus != 200 {
		t.Fatalf("test: %+v %v", res, err)
	}
	d := r.next(t)
	if d.alert["kind"] != "test" || d.alert["test"] != true || !strings.Contains(d.alert["text"].(string), "TEST") {
		t.Fatalf("test payload %s", d.body)
	}
	r.setFail(func(int) int { return 503 })
	if res, _ := g.svc.TestWebhook(context.Background(), h.ID); res.Delivered || res.HTTPStatus != 503 || res.Error != "HTTP 503" {
		t.Fatalf("test against 503: %+v", res)
	}
	if _, err := g.svc.TestWebhook(context.Background(), 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	for _, tc := range []struct{ url, secret, field string }{
		{"", "", "url"},
		{"ftp://example.net/x", "", "url"},
		{"https://user:pw@example.net/x", "", "url"},
		{"https:///nohost", "", "url"},
		{"https://example.net/x#frag", "", "url"},
		{"https://example.net/a b", "", "url"},
		{"https://example.net/x", "short", "secret"},
		{"https://example.net/x", "has space in the secret", "secret"},
	} {
		_, err := g.svc.AddWebhook(context.Background(), store.WebhookSpec{URL: tc.url, Secret: tc.secret})
		var fe *alert.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("add %q %q: %v, want a %s error", tc.url, tc.secret, err, tc.field)
		}
	}
	if err := g.svc.RemoveWebhook(context.Background(), h.ID); err != nil {
		t.Fatal(err)
	}
	if err := g.svc.RemoveWebhook(context.Background(), h.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
}

// TestEdgeCertExpiring: an edge certificate near its end is an alert
// only once its renewal is overdue (RenewDue), named by network and
// site; the controller's own certificates are judged by "within" alone.
func TestEdgeCertExpiring(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	now := time.Now()
	certs := []alert.Cert{
		// Issued a day ago for 30 days: within 720h of its end, renewal not due.
		{Subject: "cert/edge/default/a", Network: "default", Site: "a", Name: "a's", NotAfter: now.Add(29 * 24 * time.Hour),
			RenewDue: now.Add(-24 * time.Hour).Add(30 * 24 * time.Hour * 3 / 4)},
		// Three quarters of its year gone, not renewed: 20 days left.
		{Subject: "cert/edge/default/b", Network: "default", Site: "b", Name: "b's", NotAfter: now.Add(20 * 24 * time.Hour),
			RenewDue: now.Add(-100 * 24 * time.Hour)},
		{Subject: "cert/server", Name: "server", NotAfter: now.Add(24 * time.Hour)},
	}
	g := startWith(t, st, fast, func(c *alert.ServiceConfig) {
		c.Certs = func(context.Context) ([]alert.Cert, error) { return certs, nil }
	})
	deadline := time.Now().Add(10 * time.Second)
	for len(g.svc.Alerts()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]alert.Alert{}
	for _, a := range g.svc.Alerts() {
		got[a.Subject] = a
	}
	b, ok := got["cert/edge/default/b"]
	if len(got) != 2 || !ok || b.Site != "b" || b.Network != "default" || b.Kind != alert.KindCertExpiring || got["cert/server"].Kind != alert.KindCertExpiring {
		t.Fatalf("alerts %+v: want cert/server and cert/edge/default/b", got)
	}
}

// TestEdgeCertsNewest: of a site's certificates, the newest that is not
// revoked is watched, due for renewal at three quarters of its life.
func TestEdgeCertsNewest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	year := 365 * 24 * time.Hour
	got := alert.EdgeCerts("n", []store.SiteCert{
		{Site: "a", Serial: "1", IssuedAt: t0, NotAfter: t0.Add(year)},
		{Site: "a", Serial: "2", IssuedAt: t0.Add(year * 2 / 3), NotAfter: t0.Add(year * 5 / 3)}, // renewed
		{Site: "b", Serial: "3", IssuedAt: t0, NotAfter: t0.Add(year)},
		{Site: "b", Serial: "4", IssuedAt: t0.Add(time.Hour), NotAfter: t0.Add(2 * year), RevokedAt: t0.Add(2 * time.Hour)},
		{Site: "c", Serial: "5", IssuedAt: t0, NotAfter: t0.Add(year), RevokedAt: t0.Add(time.Hour)},
	})
	if len(got) != 2 || got[0].Subject != "cert/edge/n/a" || !strings.Contains(got[0].Name, "serial 2") ||
		!got[0].RenewDue.Equal(t0.Add(year*2/3+year*3/4)) || got[1].Subject != "cert/edge/n/b" ||
		!strings.Contains(got[1].Name, "serial 3") || got[1].Site != "b" || got[1].Network != "n" {
		t.Fatalf("%+v", got)
	}
}
