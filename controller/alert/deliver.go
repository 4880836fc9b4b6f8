package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Delivery: one worker per webhook takes the webhook's oldest pending
// delivery from the store, POSTs it, and deletes it on a 2xx answer; on
// anything else (an error, a timeout, another status, a redirect) it
// records the attempt and waits MinBackoff, doubling to MaxBackoff,
// before trying it again. So a webhook's notices arrive in order, a
// receiver that is down gets them when it is back (after a controller
// restart too: they are in the store), and a delivery older than MaxAge
// is given up. Every attempt is audited.

// storeRetryWait is the wait after the store failed a worker.
const storeRetryWait = 5 * time.Second

// maxResponse bounds what is read of a receiver's answer.
const maxResponse = 64 << 10

type worker struct {
	hook   store.Webhook
	wake   chan struct{} // capacity 1
	cancel context.CancelFunc
	done   chan struct{}
}

// poke wakes the worker without blocking.
func (w *worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// work delivers the webhook's queue until ctx ends.
func (s *Service) work(ctx context.Context, w *worker) {
	defer close(w.done)
	for ctx.Err() == nil {
		d, ok, err := s.cfg.Store.NextDelivery(ctx, w.hook.ID)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.Warn("alert delivery: reading the queue", "webhook", w.hook.ID, "err", err)
			}
			s.sleep(ctx, w, storeRetryWait)
		case !ok:
			s.sleep(ctx, w, -1)
		default:
			s.workOn(ctx, w, d)
		}
	}
}

// workOn gives up, waits for or attempts one delivery.
func (s *Service) workOn(ctx context.Context, w *worker, d store.Delivery) {
	now := s.now()
	if now.Sub(d.CreatedAt) > s.cfg.Rules.Delivery.MaxAge {
		s.audit(w.hook, d.Payload, map[string]any{"delivery": d.ID, "attempts": d.Attempts, "gave_up": true, "error": d.LastError}, false)
		s.log.Warn("alert delivery given up", "webhook", w.hook.ID, "delivery", d.ID, "attempts", d.Attempts)
		s.storeErr(s.cfg.Store.DeleteDelivery(ctx, d.ID))
		return
	}
	if wait := d.NextAt.Sub(now); wait > 0 {
		s.sleep(ctx, w, wait)
		return
	}
	status, err := s.post(ctx, w.hook, strconv.FormatInt(d.ID, 10), d.Payload)
	if ctx.Err() != nil {
		return // stopping: the attempt is not the receiver's fault
	}
	detail := map[string]any{"delivery": d.ID, "attempt": d.Attempts + 1}
	if status != 0 {
		detail["http_status"] = status
	}
	if err != nil {
		detail["error"] = err.Error()
	}
	s.audit(w.hook, d.Payload, detail, err == nil)
	if err == nil {
		s.storeErr(s.cfg.Store.DeleteDelivery(ctx, d.ID))
		return
	}
	next := s.now().Add(s.backoff(d.Attempts + 1))
	s.log.Info("alert delivery failed: will retry", "webhook", w.hook.ID, "delivery", d.ID, "attempt", d.Attempts+1, "next", next, "err", err)
	s.storeErr(s.cfg.Store.RetryDelivery(ctx, d.ID, d.Attempts+1, next, err.Error()))
}

func (s *Service) storeErr(err error) {
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, context.Canceled) {
		s.log.Warn("alert delivery: store", "err", err)
	}
}

// backoff is the wait after the n-th failed attempt.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.Rules.Delivery
	b := d.MinBackoff
	for i := 1; i < n && b < d.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.MaxBackoff)
}

// sleep waits for d (negative: until woken), a wake-up or ctx's end.
func (s *Service) sleep(ctx context.Context, w *worker, d time.Duration) {
	var tc <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-ctx.Done():
	case <-w.wake:
	case <-tc:
	}
}

// post makes one attempt; err is nil for a 2xx answer. Errors never
// hold the URL (its path may be a secret, as Slack's are).
func (s *Service) post(ctx context.Context, hook store.Webhook, delivery string, body []byte) (status int, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Rules.Delivery.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("the webhook's URL cannot be requested")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "patronus-controller")
	req.Header.Set(DeliveryHeader, delivery)
	req.Header.Set(SignatureHeader, Sign([]byte(hook.Secret), s.now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// newClient: no redirects (a 3xx is a failed attempt), no proxy from
// the environment surprises beyond Go's defaults.
func newClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// audit records one delivery attempt (or giving up) of a payload.
func (s *Service) audit(hook store.Webhook, payload []byte, detail map[string]any, ok bool) {
	var a Alert
	if json.Unmarshal(payload, &a) == nil {
		detail["alert_id"], detail["kind"], detail["status"], detail["site"], detail["subject"] = a.ID, a.Kind, a.Status, a.Site, a.Subject
		if a.Test {
			detail["test"] = true
		}
	}
	e := store.AuditEntry{At: s.now(), Actor: AuditActor, Role: "system", Method: "alert", Action: "alert.delivery",
		Target: webhookTarget(hook.ID), Outcome: "success"}
	if !ok {
		e.Outcome = "failure"
	}
	e.Detail, _ = json.Marshal(detail)
	if _, err := s.cfg.Store.AddAudit(context.Background(), e); err != nil {
		s.log.Error("audit entry not recorded", "action", e.Action, "target", e.Target, "err", err)
	}
}

// AuditActor is the actor of the audit entries of deliveries.
const AuditActor = "controller"

func webhookTarget(id int64) string { return "webhook/" + strconv.FormatInt(id, 10) }

// render is a notice's body for a webhook.
func render(a Alert, slack bool) ([]byte, error) {
	if slack {
		a.Text = a.SlackText()
	}
	return json.Marshal(a)
}
