package server

import (
	"context"
	"log/slog"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// A path's StateChanged is against the last state its site reported; a
// path whose end leaves the configuration is forgotten (reported as
// changed when it comes back); each end's report is its own.
func TestPublisherPathStates(t *testing.T) {
	bus := events.NewBus(nil)
	defer bus.Close()
	sub := bus.Subscribe(context.Background(), events.Filter{}, 100)
	p := newPublisher(bus, slog.New(slog.DiscardHandler))
	a := siteEntry{ID: 1, Network: "n", Name: "a"}
	b := siteEntry{ID: 2, Network: "n", Name: "b"}
	report := func(site siteEntry, id string, st pb.PathState) bool {
		t.Helper()
		p.telemetry(site, &pb.Telemetry{PathSamples: []*pb.PathSample{{PathId: id, State: st}}}, time.Now())
		e := <-sub.C
		if e.Kind != events.KindPath || e.Site != site.Name || e.Path.PathID != id || e.Path.State != apiPathStates[st] {
			t.Fatalf("event %+v %+v", e, e.Path)
		}
		return e.Path.StateChanged
	}
	up, down := pb.PathState_PATH_STATE_UP, pb.PathState_PATH_STATE_DOWN
	for i, c := range []struct {
		site siteEntry
		id   string
		st   pb.PathState
		want bool
	}{
		{a, "a/inet->b/inet", up, true},
		{a, "a/inet->b/inet", up, false},
		{b, "b/inet->a/inet", up, true}, // the other end's view
		{a, "a/inet->b/inet", down, true},
		{a, "a/inet->b/inet", down, false},
		{a, "a/lte->b/inet", down, true},
	} {
		if got := report(c.site, c.id, c.st); got != c.want {
			t.Fatalf("report %d (%s %s %v): StateChanged %v", i, c.site.Name, c.id, c.st, got)
		}
	}
	// a's link lte is removed: its path is forgotten, inet's are kept.
	p.forget("n", &snapshot{Links: map[string][]store.Link{
		"a": {{Site: "a", LinkSpec: store.LinkSpec{Name: "inet"}}}, "b": {{Site: "b", LinkSpec: store.LinkSpec{Name: "inet"}}}}})
	if !report(a, "a/lte->b/inet", down) {
		t.Fatal("a path removed from the configuration was remembered")
	}
	if report(a, "a/inet->b/inet", down) || report(b, "b/inet->a/inet", up) {
		t.Fatal("a path still in the configuration was forgotten")
	}
}

// A site is online from its first control stream to the end of its last.
func TestPublisherSitePresence(t *testing.T) {
	bus := events.NewBus(nil)
	defer bus.Close()
	sub := bus.Subscribe(context.Background(), events.Filter{}, 100)
	p := newPublisher(bus, slog.New(slog.DiscardHandler))
	a := siteEntry{ID: 1, Network: "n", Name: "a"}
	closeWatch := p.streamOpened(a)
	closeReport := p.streamOpened(a)
	closeWatch()
	closeReport()
	for i, want := range []bool{true, false} {
		if e := <-sub.C; e.Kind != events.KindSite || e.Site != "a" || e.SiteState.Online != want {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	select {
	case e := <-sub.C:
		t.Fatalf("extra event %+v", e)
	default:
	}
	// Without a bus nothing is done.
	q := newPublisher(nil, nil)
	q.streamOpened(a)()
	q.telemetry(a, &pb.Telemetry{PathSamples: []*pb.PathSample{{PathId: "a/x->b/y"}}}, time.Now())
}
