package manage_test

import (
	"context"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/manage/managetest"
)

// TestLiveNewestReport: a path's live state is its newest report from
// either end; an older one arriving late does not replace it, and one
// older than 10 minutes is not shown.
func TestLiveNewestReport(t *testing.T) {
	e := newEnv(t)
	live := manage.NewLive()
	svc, err := manage.New(manage.Config{Store: e.st, Audit: &managetest.Audit{}, Live: live,
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	report := func(site, id, bfd string, at time.Time) {
		live.Observe(&events.Event{Kind: events.KindPath, Network: "default", Site: site, At: at,
			Path: &events.PathChange{PathID: id, State: events.PathDown, BFDState: bfd, Score: 3}})
	}
	report("b", "b/inet->a/inet", "DOWN", e.now.Add(-time.Second))
	report("a", "a/inet->b/inet", "UP", e.now.Add(-2*time.Second)) // older, late
	p, err := svc.Path(as(auth.RoleViewer), "default", "a/inet->b/inet")
	if err != nil || p.Live == nil || p.Live.BFDState != "DOWN" || p.Live.Site != "b" || p.Live.Score != 3 {
		t.Fatalf("%+v %v", p.Live, err)
	}
	// The newest sample is the live report's, with no sample in the store.
	if p.Latest == nil || p.Latest.State != "down" || !p.Latest.TS.Equal(e.now.Add(-time.Second)) {
		t.Fatalf("latest sample %+v, want the live report's (down, 1 s ago)", p.Latest)
	}
	e.now = e.now.Add(11 * time.Minute)
	if p, _ := svc.Path(as(auth.RoleViewer), "default", "a/inet->b/inet"); p.Live != nil {
		t.Fatalf("an 11 minute old report shown: %+v", p.Live)
	}
}

// TestLiveRunStopsWithBus: Run returns when the bus closes.
func TestLiveRunStopsWithBus(t *testing.T) {
	bus := events.NewBus(nil)
	done := make(chan struct{})
	go func() { defer close(done); manage.NewLive().Run(context.Background(), bus) }()
	for bus.Stats().Subscribers == 0 {
		time.Sleep(time.Millisecond)
	}
	bus.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the bus closed")
	}
}
