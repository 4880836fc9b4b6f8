package remotewrite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
)

// Options are what New needs besides the configuration.
type Options struct {
	// Registerer takes the exporter's own metrics
	// (patronus_controller_remote_write_*); nil: none.
	Registerer prometheus.Registerer
	// Logger; nil: discard.
	Logger *slog.Logger
	// Now stamps the samples; nil: time.Now.
	Now func() time.Time
}

// Exporter gathers series every Interval and sends them to the receiver.
// Run it once. Safe for concurrent use.
type Exporter struct {
	s        settings
	gather   prometheus.Gatherer
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time
	receiver string // the URL without its query, for logs
	backoff  [2]time.Duration

	mu    sync.Mutex   // guards queue, head and meta
	queue []TimeSeries // one sample each; queue[head:] waits, oldest first
	head  int
	meta  []Metadata    // of the newest gathering
	wake  chan struct{} // capacity 1: a gathering added samples

	sent, dropFull, dropRejected, failures prometheus.Counter
	pending                                prometheus.Gauge
}

// New validates cfg (errors name remote_write.FIELD) and makes an
// exporter of what g gathers.
func New(cfg Config, g prometheus.Gatherer, opts Options) (*Exporter, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	u, _ := url.Parse(s.url)
	u.RawQuery, u.Fragment = "", ""
	e := &Exporter{s: s, gather: g, client: s.client(), log: opts.Logger, now: opts.Now, receiver: u.String(),
		backoff: [2]time.Duration{minBackoff, maxBackoff}, wake: make(chan struct{}, 1)}
	e.newMetrics(opts.Registerer)
	return e, nil
}

func (e *Exporter) newMetrics(r prometheus.Registerer) {
	const ns = "patronus_controller_remote_write_"
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "samples_dropped_total",
		Help: "Samples not sent: queue_full (the oldest, when the queue was full), rejected (the receiver refused them with a 4xx)."}, []string{"reason"})
	e.dropFull, e.dropRejected = dropped.WithLabelValues("queue_full"), dropped.WithLabelValues("rejected")
	e.sent = prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "samples_sent_total", Help: "Samples the receiver accepted."})
	e.failures = prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "send_failures_total",
		Help: "Requests that failed and were retried (network errors, 5xx, 429)."})
	e.pending = prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "queue_samples", Help: "Samples waiting to be sent."})
	if r != nil {
		r.MustRegister(dropped, e.sent, e.failures, e.pending)
	}
}

// Run gathers at once and then every Interval, and sends, until ctx
// ends. Samples still queued then are not sent.
func (e *Exporter) Run(ctx context.Context) {
	e.log.Info("remote write started", "receiver", e.receiver, "interval", e.s.interval)
	var wg sync.WaitGroup
	wg.Go(func() { e.sendLoop(ctx) })
	t := time.NewTicker(e.s.interval)
	defer t.Stop()
	for {
		e.gatherOnce()
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-t.C:
		}
	}
}

// gatherOnce gathers and queues. A part that fails to gather (the store,
// listing the sites) is logged; the rest is queued.
func (e *Exporter) gatherOnce() {
	fams, err := e.gather.Gather()
	if err != nil {
		e.log.Warn("remote write: gathering the series", "err", err)
	}
	series, meta := Convert(fams, e.now().UnixMilli(), e.s.external)
	e.enqueue(series, meta)
}

// enqueue appends series, dropping the oldest past the bound.
func (e *Exporter) enqueue(series []TimeSeries, meta []Metadata) {
	e.mu.Lock()
	if e.head > 0 && e.head >= len(e.queue)/2 {
		n := copy(e.queue, e.queue[e.head:])
		clear(e.queue[n:])
		e.queue, e.head = e.queue[:n], 0
	}
	e.queue = append(e.queue, series...)
	over := len(e.queue) - e.head - e.s.queue
	if over > 0 {
		clear(e.queue[e.head : e.head+over])
		e.head += over
	}
	e.meta = meta
	e.pending.Set(float64(len(e.queue) - e.head))
	e.mu.Unlock()
	if over > 0 {
		e.dropFull.Add(float64(over))
		e.log.Warn("remote write: queue full, oldest samples dropped", "dropped", over, "queue_samples", e.s.queue)
	}
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// take removes up to MaxSamplesPerSend series from the head.
func (e *Exporter) take() ([]TimeSeries, []Metadata) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := min(len(e.queue)-e.head, e.s.perSend)
	if n == 0 {
		return nil, nil
	}
	batch := make([]TimeSeries, n)
	copy(batch, e.queue[e.head:])
	clear(e.queue[e.head : e.head+n])
	e.head += n
	e.pending.Set(float64(len(e.queue) - e.head))
	return batch, e.meta
}

func (e *Exporter) sendLoop(ctx context.Context) {
	for {
		batch, meta := e.take()
		if batch == nil {
			select {
			case <-ctx.Done():
				return
			case <-e.wake:
				continue
			}
		}
		e.deliver(ctx, batch, meta)
	}
}

// deliver posts one batch, retrying what may succeed later.
func (e *Exporter) deliver(ctx context.Context, batch []TimeSeries, meta []Metadata) {
	body := snappy.Encode(nil, AppendWriteRequest(nil, batch, meta))
	wait := e.backoff[0]
	for {
		err := e.post(ctx, body)
		var refused *refusedError
		switch {
		case err == nil:
			e.sent.Add(float64(len(batch)))
			return
		case errors.As(err, &refused):
			e.dropRejected.Add(float64(len(batch)))
			e.log.Warn("remote write: the receiver refused samples; dropped", "receiver", e.receiver, "samples", len(batch), "err", err)
			return
		case ctx.Err() != nil:
			return
		}
		e.failures.Inc()
		e.log.Warn("remote write: send failed; retrying", "receiver", e.receiver, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, e.backoff[1])
	}
}

// refusedError is an answer that retrying will not change (a 4xx but
// 429).
type refusedError struct {
	status int
	msg    string
}

func (r *refusedError) Error() string { return fmt.Sprintf("HTTP %d: %s", r.status, r.msg) }

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 512

func (e *Exporter) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "patronus-controller")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	if err := e.authorize(req); err != nil {
		return err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // reuse the connection
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 5 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return &refusedError{resp.StatusCode, strings.TrimSpace(string(msg))}
}

// authorize reads the credential file at each request: a rotated token
// is used from the next one.
func (e *Exporter) authorize(req *http.Request) error {
	switch {
	case e.s.bearerFile != "":
		tok, err := readSecret(e.s.bearerFile)
		if err != nil {
			return fmt.Errorf("remote_write.bearer_token_file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	case e.s.basic != nil:
		pw, err := readSecret(e.s.basic.PasswordFile)
		if err != nil {
			return fmt.Errorf("remote_write.basic_auth.password_file: %w", err)
		}
		req.SetBasicAuth(e.s.basic.Username, pw)
	}
	return nil
}
