package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/postgres"
)

// TestEventRelay: two controller replicas on one database, each with a
// replicated bus over its own store: an event published on one reaches a
// subscriber of the other through NOTIFY, and a cut listener connection
// ends the subscriptions with events.ErrMissed.
func TestEventRelay(t *testing.T) {
	requireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	loc := server.NewDB(t)
	var buses [2]*events.Bus
	for i := range buses {
		st, err := postgres.Open(ctx, loc, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		tr, ok := st.(store.EventRelay)
		if !ok {
			t.Fatal("the postgres store is not a store.EventRelay")
		}
		if i == 0 {
			if _, err := tr.RelayEvents(ctx, func([]byte) {}, func() {}); err != nil {
				t.Fatal(err)
			}
			rctx, rcancel := context.WithCancel(ctx)
			if _, err := tr.RelayEvents(rctx, func([]byte) {}, func() {}); err == nil {
				t.Fatal("a second relay on one store was accepted")
			}
			rcancel()
			st2, err := postgres.Open(ctx, loc, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			tr = st2.(store.EventRelay)
		}
		b, _, err := events.NewReplicatedBus(ctx, tr, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		buses[i] = b
	}
	sub := buses[1].Subscribe(ctx, events.Filter{Kinds: []events.Kind{events.KindPath}}, 0)
	sent := time.Now()
	buses[0].Publish(&events.Event{Kind: events.KindPath, Network: "corp", Site: "a", At: sent,
		Path: &events.PathChange{PathID: "a/inet->b/inet", State: events.PathDown, StateChanged: true}})
	select {
	case e, ok := <-sub.C:
		if !ok {
			t.Fatalf("subscription ended: %v", sub.Err())
		}
		if e.Path.PathID != "a/inet->b/inet" || e.Path.State != events.PathDown || !e.Path.StateChanged {
			t.Fatalf("got %+v", e.Path)
		}
		t.Logf("event relayed in %v", time.Since(sent))
	case <-time.After(10 * time.Second):
		t.Fatalf("no event on the other replica: %v", sub.Err())
	}

	killed, err := harness.QueryInt(ctx, loc, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = '`+postgres.ListenerName+`' AND datname = current_database()`)
	if err != nil || killed != 3 {
		t.Fatalf("terminated %d listeners (%v), want 3", killed, err)
	}
	select {
	case _, ok := <-sub.C:
		if ok || sub.Err() != events.ErrMissed {
			t.Fatalf("after the listener was cut: %v", sub.Err())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the subscription did not end when its replica's listener was cut")
	}
}
