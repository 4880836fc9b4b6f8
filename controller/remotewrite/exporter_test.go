package remotewrite

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// receiver is an HTTP remote-write receiver for the tests: it answers
// with the statuses in script first, then 204, and keeps what it took.
type receiver struct {
	mu      sync.Mutex
	script  []int
	got     []TimeSeries
	meta    []Metadata
	headers []http.Header
	errs    []string
	took    chan struct{}
}

func newReceiver(script ...int) *receiver {
	return &receiver{script: script, took: make(chan struct{}, 100)}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.headers = append(rc.headers, r.Header.Clone())
	if len(rc.script) > 0 {
		code := rc.script[0]
		rc.script = rc.script[1:]
		http.Error(w, "scripted", code)
		return
	}
	body, _ := io.ReadAll(r.Body)
	raw, err := snappy.Decode(nil, body)
	if err == nil {
		var s []TimeSeries
		var m []Metadata
		if s, m, err = decodeWriteRequest(raw); err == nil {
			rc.got, rc.meta = append(rc.got, s...), m
		}
	}
	if err != nil {
		rc.errs = append(rc.errs, err.Error())
		http.Error(w, err.Error(), 400)
		return
	}
	w.WriteHeader(http.StatusNoContent)
	rc.took <- struct{}{}
}

func (rc *receiver) series() []TimeSeries {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]TimeSeries(nil), rc.got...)
}

// gauges is a gatherer of one gauge vector with n sites.
func gauges(n int) (*prometheus.Registry, *prometheus.GaugeVec) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fleet_site_online", Help: "online"}, []string{"site"})
	reg.MustRegister(g)
	for i := range n {
		g.WithLabelValues(string(rune('a' + i))).Set(float64(i))
	}
	return reg, g
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func run(t *testing.T, e *Exporter) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestExporterTLSBearer: over TLS with a CA file and a bearer token
// file, the series arrive with the remote-write headers, labels sorted
// with the external labels, stamped with the clock; a rotated token is
// used from the next request.
func TestExporterTLSBearer(t *testing.T) {
	rc := newReceiver()
	srv := httptest.NewTLSServer(rc)
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte("s3cret\n"), 0o600)
	reg, _ := gauges(2)
	at := time.UnixMilli(1_700_000_000_123)
	e, err := New(Config{URL: srv.URL + "/api/v1/write", Interval: "1s", BearerTokenFile: tok, TLS: TLSConfig{CAFile: ca},
		ExternalLabels: map[string]string{"replica": "a", "cluster": "eu"}}, reg, Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	run(t, e)
	waitFor(t, "series", func() bool { return len(rc.series()) >= 2 })
	got := rc.series()[:2]
	want := []TimeSeries{
		{Labels: []Label{{"__name__", "fleet_site_online"}, {"cluster", "eu"}, {"replica", "a"}, {"site", "a"}}, Samples: []Sample{{0, at.UnixMilli()}}},
		{Labels: []Label{{"__name__", "fleet_site_online"}, {"cluster", "eu"}, {"replica", "a"}, {"site", "b"}}, Samples: []Sample{{1, at.UnixMilli()}}},
	}
	if !equalSeries(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	rc.mu.Lock()
	h, meta := rc.headers[0], rc.meta
	rc.mu.Unlock()
	for k, v := range map[string]string{"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
		"X-Prometheus-Remote-Write-Version": "0.1.0", "Authorization": "Bearer s3cret"} {
		if h.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, h.Get(k), v)
		}
	}
	if len(meta) != 1 || meta[0] != (Metadata{TypeGauge, "fleet_site_online", "online"}) {
		t.Errorf("metadata %+v", meta)
	}
	os.WriteFile(tok, []byte("rotated"), 0o600)
	waitFor(t, "a request with the rotated token", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.headers[len(rc.headers)-1].Get("Authorization") == "Bearer rotated"
	})
	if v := testutil.ToFloat64(e.sent); v < 2 {
		t.Errorf("samples sent %v", v)
	}
}

func equalSeries(a, b []TimeSeries) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slicesEqual(a[i].Labels, b[i].Labels) || !slicesEqual(a[i].Samples, b[i].Samples) {
			return false
		}
	}
	return true
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExporterRetriesAndRefusals: 503, 429 and a closed connection are
// retried with backoff and the batch arrives; a 400 drops the batch
// (counted) and the next gathering is sent.
func TestExporterRetriesAndRefusals(t *testing.T) {
	rc := newReceiver(503, 429)
	srv := httptest.NewServer(rc)
	defer srv.Close()
	reg, _ := gauges(1)
	e, err := New(Config{URL: srv.URL, Interval: "1h"}, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.backoff = [2]time.Duration{time.Millisecond, 4 * time.Millisecond}
	run(t, e)
	<-rc.took
	waitFor(t, "the sample counted as sent", func() bool { return testutil.ToFloat64(e.sent) == 1 })
	if f := testutil.ToFloat64(e.failures); f != 2 {
		t.Fatalf("failures %v, want 2", f)
	}
	rc.mu.Lock()
	rc.script = []int{400}
	rc.mu.Unlock()
	e.gatherOnce() // refused
	waitFor(t, "the refusal counted", func() bool { return testutil.ToFloat64(e.dropRejected) == 1 })
	e.gatherOnce() // taken
	<-rc.took
	waitFor(t, "the second sample counted as sent", func() bool { return testutil.ToFloat64(e.sent) == 2 })
}

// TestExporterUnreachable: with the receiver down, requests are retried
// and fail; once it is up, what waited arrives.
func TestExporterUnreachable(t *testing.T) {
	rc := newReceiver()
	srv := httptest.NewUnstartedServer(rc)
	reg, _ := gauges(1)
	e, err := New(Config{URL: "http://" + srv.Listener.Addr().String(), Interval: "1h"}, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.backoff = [2]time.Duration{time.Millisecond, 20 * time.Millisecond}
	// Refused connections until started: the listener exists but nobody
	// accepts, so close it and listen again on the same address.
	addr := srv.Listener.Addr().String()
	srv.Listener.Close()
	run(t, e)
	waitFor(t, "failures", func() bool { return testutil.ToFloat64(e.failures) >= 2 })
	srv.Listener = mustListen(t, addr)
	srv.Start()
	defer srv.Close()
	<-rc.took
	if len(rc.series()) != 1 {
		t.Errorf("got %d series", len(rc.series()))
	}
}

// TestQueueBound: past QueueSamples the oldest samples go, counted; the
// queue keeps the newest in order and batches are at most
// MaxSamplesPerSend.
func TestQueueBound(t *testing.T) {
	reg, g := gauges(0)
	e, err := New(Config{URL: "http://127.0.0.1:1", QueueSamples: 5, MaxSamplesPerSend: 2}, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		g.WithLabelValues("s").Set(float64(i))
		g.WithLabelValues("t").Set(float64(10 + i))
		e.gatherOnce() // 2 samples each: 8 in all
	}
	if d := testutil.ToFloat64(e.dropFull); d != 3 {
		t.Errorf("dropped %v, want 3", d)
	}
	var values []float64
	for {
		b, _ := e.take()
		if b == nil {
			break
		}
		if len(b) > 2 {
			t.Errorf("batch of %d", len(b))
		}
		for _, s := range b {
			values = append(values, s.Samples[0].Value)
		}
	}
	if want := []float64{11, 2, 12, 3, 13}; !slicesEqual(values, want) {
		t.Errorf("sent %v, want %v", values, want)
	}
	if v := testutil.ToFloat64(e.pending); v != 0 {
		t.Errorf("pending %v", v)
	}
}

// TestConfigErrors: each mistake is refused naming its field.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "tok")
	os.WriteFile(tok, []byte("x"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	for _, c := range []struct {
		cfg   Config
		field string
	}{
		{Config{URL: "ftp://x"}, "remote_write.url"},
		{Config{URL: "http://"}, "remote_write.url"},
		{Config{URL: "https://u:p@x/"}, "remote_write.url"},
		{Config{URL: "https://x", Interval: "10ms"}, "remote_write.interval"},
		{Config{URL: "https://x", Timeout: "soon"}, "remote_write.timeout"},
		{Config{URL: "https://x", QueueSamples: -1}, "remote_write.queue_samples"},
		{Config{URL: "https://x", QueueSamples: 10, MaxSamplesPerSend: 20}, "remote_write.max_samples_per_send"},
		{Config{URL: "https://x", ExternalLabels: map[string]string{"__x": "a"}}, "remote_write.external_labels"},
		{Config{URL: "https://x", ExternalLabels: map[string]string{"1x": "a"}}, "remote_write.external_labels"},
		{Config{URL: "https://x", ExternalLabels: map[string]string{"x": ""}}, "remote_write.external_labels.x"},
		{Config{URL: "http://x", BearerTokenFile: tok}, "remote_write.bearer_token_file"},
		{Config{URL: "https://x", BearerTokenFile: filepath.Join(dir, "missing")}, "remote_write.bearer_token_file"},
		{Config{URL: "https://x", BearerTokenFile: empty}, "remote_write.bearer_token_file"},
		{Config{URL: "https://x", BearerTokenFile: tok, BasicAuth: &BasicAuth{"u", tok}}, "remote_write.basic_auth"},
		{Config{URL: "https://x", BasicAuth: &BasicAuth{"", tok}}, "remote_write.basic_auth.username"},
		{Config{URL: "https://x", BasicAuth: &BasicAuth{"u", ""}}, "remote_write.basic_auth.password_file"},
		{Config{URL: "https://x", TLS: TLSConfig{CAFile: tok}}, "remote_write.tls.ca_file"},
		{Config{URL: "https://x", TLS: TLSConfig{CertFile: tok}}, "remote_write.tls.cert_file"},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("%+v: %v, want an error on %s", c.cfg, err, c.field)
		}
		if err != nil && strings.Contains(err.Error(), ":p@") {
			t.Errorf("%v: the URL's password in the error", err)
		}
	}
	if err := (Config{URL: "https://x", BasicAuth: &BasicAuth{"u", tok}, ExternalLabels: map[string]string{"replica": "a"}}).Validate(); err != nil {
		t.Errorf("a good configuration: %v", err)
	}
}
