package alert_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/internal/syncbuf"
)

// quick: path_down resolves 100 ms after the path is back; sites are not
// judged (the tests' sites report nothing but the paths they name).
var quick = alert.Config{Webhooks: alert.DeliveryConfig{MinBackoff: "20ms", MaxBackoff: "80ms", Timeout: "2s"},
	EvaluateInterval: "20ms", SweepInterval: "20ms", PathDown: alert.Rule{ResolveAfter: "100ms"},
	SiteUnreachable: alert.Rule{Disabled: true}, SiteOffline: alert.SiteOfflineRule{Rule: alert.Rule{Disabled: true}}}

// noMore fails if r gets a delivery within d.
func noMore(t *testing.T, r *receiver, d time.Duration) {
	t.Helper()
	select {
	case got := <-r.ch:
		t.Fatalf("an unexpected notice: %s", got.body)
	case <-time.After(d):
	}
}

func waitAlerts(t *testing.T, svc *alert.Service, n int) []alert.Alert {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(svc.Alerts()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("alerts %+v, want %d", svc.Alerts(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return svc.Alerts()
}

// TestRestartKeepsFiringAlerts: alerts firing when the controller stops
// are in the store; the next run neither fires them again (a path still
// down keeps its alert and ID, with no second notice) nor forgets them
// (a path that came back while it was stopped is resolved under its ID
// once a report says so).
func TestRestartKeepsFiringAlerts(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	defer st.Close()
	r := newReceiver()
	srv := httptest.NewServer(r)
	defer srv.Close()
	g := start(t, st, quick)
	h := g.add(t, srv.URL, secret, false)
	g.pathDown("a", "a/inet->b/lte", true)
	g.pathDown("c", "c/inet->d/lte", true)
	first, second := r.next(t), r.next(t)
	ids := map[any]any{first.alert["path"]: first.alert["id"], second.alert["path"]: second.alert["id"]}
	// Stopped once the deliveries are done (one in flight at the stop
	// would be delivered again after the restart, as it should be).
	for {
		_, pending, err := st.NextDelivery(context.Background(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !pending {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	g.stop()

	g = start(t, st, quick)
	got := waitAlerts(t, g.svc, 2) // restored before any report
	for _, a := range got {
		if ids[a.Path] != a.ID {
			t.Fatalf("restored %+v, fired %v", a, ids)
		}
	}
	g.pathDown("c", "c/inet->d/lte", true) // still down: the same alert
	g.pathDown("a", "a/inet->b/lte", false)
	res := r.next(t)
	if res.alert["status"] != "resolved" || res.alert["path"] != "a/inet->b/lte" || res.alert["id"] != ids["a/inet->b/lte"] {
		t.Fatalf("after the restart: %s", res.body)
	}
	noMore(t, r, 300*time.Millisecond)
	if got := g.svc.Alerts(); len(got) != 1 || got[0].ID != ids["c/inet->d/lte"] {
		t.Fatalf("firing after the restart %+v", got)
	}
}

// chanLeader is an election the test decides: lead takes a turn, lose
// ends it.
type chanLeader struct {
	lead chan struct{}
	lose chan struct{}
}

func newChanLeader() *chanLeader {
	return &chanLeader{lead: make(chan struct{}), lose: make(chan struct{})}
}

func (l *chanLeader) Lead(ctx context.Context) (context.Context, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.lead:
	}
	lctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-l.lose:
		case <-lctx.Done():
		}
		cancel()
	}()
	return lctx, nil
}

// TestOneReplicaSends: two replicas on one store and one event stream
// (as the relay makes it); only the leader evaluates and delivers, so a
// receiver (added through the other replica) gets each notice once; the other answers the alerts query
// from the store. When the lead moves, the new leader carries on with
// the same alerts: it resolves the one the first fired, under its ID.
func TestOneReplicaSends(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	r := newReceiver()
	srv := httptest.NewServer(r)
	defer srv.Close()
	la, lb := newChanLeader(), newChanLeader()
	a := startWith(t, st, quick, func(c *alert.ServiceConfig) { c.Leader = la })
	b := startWith(t, st, quick, func(c *alert.ServiceConfig) { c.Leader = lb; c.Bus = a.bus })
	la.lead <- struct{}{}
	b.add(t, srv.URL, secret, false) // through the replica that does not lead
	a.pathDown("a", "a/inet->b/lte", true)
	fired := r.next(t)
	noMore(t, r, 300*time.Millisecond)
	if got := waitAlerts(t, b.svc, 1); got[0].ID != fired.alert["id"] {
		t.Fatalf("the other replica's alerts %+v, fired %s", got, fired.body)
	}
	close(la.lose)
	lb.lead <- struct{}{}
	waitAlerts(t, b.svc, 1)
	a.pathDown("a", "a/inet->b/lte", false)
	res := r.next(t)
	if res.alert["status"] != "resolved" || res.alert["id"] != fired.alert["id"] {
		t.Fatalf("after the lead moved: %s", res.body)
	}
	noMore(t, r, 300*time.Millisecond)
}

// TestStopIsQuiet: a service stopped while events are still queued (a
// controller shutting down as every edge disconnects) neither evaluates
// them nor logs the store calls its own cancellation fails: an alert not
// recorded is judged again after the restart.
func TestStopIsQuiet(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	var logs syncbuf.Buffer
	g := startWith(t, st, quick, func(c *alert.ServiceConfig) {
		c.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for i := range 2000 {
		g.pathDown("a", fmt.Sprintf("a/inet->b%d/lte", i), true)
	}
	g.stop()
	if strings.Contains(logs.String(), "context canceled") {
		t.Fatalf("the stop logged its own cancellation:\n%.2000s", logs.String())
	}
}
