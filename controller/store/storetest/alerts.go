package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testWebhooks: webhooks are created, listed with their secrets, and
// deleted with their deliveries; a delivery queue keeps its order,
// its bound (dropping the oldest) and its retries across a reopen.
func testWebhooks(t *testing.T, h Harness) {
	e := newEnv(t, h)
	_, err := e.s.CreateWebhook(e.ctx, store.WebhookSpec{URL: "", Secret: "s"})
	wantErr(t, err, store.ErrInvalid, "url")
	_, err = e.s.CreateWebhook(e.ctx, store.WebhookSpec{URL: "https://a.example/h"})
	wantErr(t, err, store.ErrInvalid, "secret")
	w1 := must(e.s.CreateWebhook(e.ctx, store.WebhookSpec{URL: "https://a.example/h", Secret: "s1", Slack: true, CreatedBy: "alice"}))(t)
	w2 := must(e.s.CreateWebhook(e.ctx, store.WebhookSpec{URL: "http://b.example/h", Secret: "s2"}))(t)
	list := must(e.s.Webhooks(e.ctx))(t)
	if len(list) != 2 || list[0] != w1 || list[1].ID != w2.ID || list[0].Secret != "s1" || !list[0].Slack || list[1].Slack || !w1.CreatedAt.Equal(epoch) {
		t.Fatalf("webhooks %+v", list)
	}
	_, _, err = e.s.EnqueueDelivery(e.ctx, 999, []byte("{}"), 0)
	wantErr(t, err, store.ErrNotFound, "")

	for i, p := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		_, dropped := must2(e.s.EnqueueDelivery(e.ctx, w1.ID, []byte(p), 2))(t)
		if want := max(0, i-1); dropped != want {
			t.Fatalf("enqueue %d: dropped %d, want %d", i, dropped, want)
		}
	}
	d, found := must2(e.s.NextDelivery(e.ctx, w1.ID))(t)
	if !found || !bytes.Equal(d.Payload, []byte(`{"n":2}`)) || d.Attempts != 0 || !d.NextAt.Equal(epoch) {
		t.Fatalf("next %+v %v", d, found)
	}
	next := epoch.Add(4 * time.Second)
	ok(t, e.s.RetryDelivery(e.ctx, d.ID, 3, next, "HTTP 500"))
	e.s.Close()
	e.s = e.open(0)
	d2, _ := must2(e.s.NextDelivery(e.ctx, w1.ID))(t)
	if d2.ID != d.ID || d2.Attempts != 3 || !d2.NextAt.Equal(next) || d2.LastError != "HTTP 500" {
		t.Fatalf("after retry and reopen: %+v", d2)
	}
	ok(t, e.s.DeleteDelivery(e.ctx, d.ID))
	wantErr(t, e.s.DeleteDelivery(e.ctx, d.ID), store.ErrNotFound, "")
	wantErr(t, e.s.RetryDelivery(e.ctx, d.ID, 1, next, ""), store.ErrNotFound, "")
	d3, _ := must2(e.s.NextDelivery(e.ctx, w1.ID))(t)
	if !bytes.Equal(d3.Payload, []byte(`{"n":3}`)) {
		t.Fatalf("third %+v", d3)
	}
	if _, found := must2(e.s.NextDelivery(e.ctx, w2.ID))(t); found {
		t.Fatal("w2 has a delivery")
	}
	ok(t, e.s.DeleteWebhook(e.ctx, w1.ID))
	wantErr(t, e.s.DeleteWebhook(e.ctx, w1.ID), store.ErrNotFound, "")
	if _, found := must2(e.s.NextDelivery(e.ctx, w1.ID))(t); found {
		t.Fatal("deliveries outlived their webhook")
	}
	if list := must(e.s.Webhooks(e.ctx))(t); len(list) != 1 || list[0].ID != w2.ID {
		t.Fatalf("after delete %+v", list)
	}
}

// testFiringAlerts: a firing alert is recorded once per kind, network
// and subject (a second put replaces it), listed oldest first, deleted
// when it resolves (deleting one that is not there is no error).
func testFiringAlerts(t *testing.T, h Harness) {
	e := newEnv(t, h)
	a := store.FiringAlert{Kind: "path_down", Network: "n", Subject: "path/a/x->b/y", Body: []byte(`{"id":"1"}`), FiredAt: epoch.Add(time.Second)}
	b := store.FiringAlert{Kind: "cert_expiring", Subject: "cert/server", Body: []byte(`{"id":"2"}`), FiredAt: epoch}
	for _, f := range []store.FiringAlert{a, b, a} {
		if err := e.s.PutFiringAlert(e.ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	a.Body = []byte(`{"id":"3"}`)
	if err := e.s.PutFiringAlert(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	got := must(e.s.FiringAlerts(e.ctx))(t)
	if len(got) != 2 || got[0].Subject != "cert/server" || got[1].Kind != "path_down" || got[1].Network != "n" ||
		string(got[1].Body) != `{"id":"3"}` || !got[1].FiredAt.Equal(a.FiredAt) {
		t.Fatalf("firing alerts %+v", got)
	}
	if err := e.s.DeleteFiringAlert(e.ctx, "path_down", "n", a.Subject); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteFiringAlert(e.ctx, "path_down", "n", a.Subject); err != nil {
		t.Fatal(err)
	}
	if got := must(e.s.FiringAlerts(e.ctx))(t); len(got) != 1 || got[0].Kind != "cert_expiring" {
		t.Fatalf("after delete %+v", got)
	}
}
