package events

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func pathEvent(network, site, id, state string) *Event {
	return &Event{Kind: KindPath, Network: network, Site: site, At: time.Unix(1, 0),
		Path: &PathChange{PathID: id, State: state, StateChanged: true}}
}

func recv(t *testing.T, s *Subscription) *Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatalf("subscription ended: %v", s.Err())
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return nil
}

func TestFilter(t *testing.T) {
	e := pathEvent("n1", "site1", "site1/inet->site2/lte", PathDown)
	for _, tc := range []struct {
		f    Filter
		want bool
	}{
		{Filter{}, true},
		{Filter{Kinds: []Kind{KindPath}}, true},
		{Filter{Kinds: []Kind{KindSite, KindConfig}}, false},
		{Filter{Network: "n1"}, true},
		{Filter{Network: "n2"}, false},
		{Filter{Site: "site1"}, true},
		{Filter{Site: "site2"}, true}, // the far end of the path
		{Filter{Site: "site3"}, false},
		{Filter{Site: "site"}, false},
		{Filter{Site: "inet"}, false},
	} {
		if got := tc.f.Match(e); got != tc.want {
			t.Errorf("%+v.Match = %v, want %v", tc.f, got, tc.want)
		}
	}
	report := pathEvent("n1", "site1", "site1/inet->site2/lte", PathUp)
	report.Path.StateChanged = false
	if (Filter{StateChangesOnly: true}).Match(report) || !(Filter{StateChangesOnly: true}).Match(e) || !(Filter{}).Match(report) {
		t.Error("StateChangesOnly: a periodic report passed, or a change did not")
	}
	site := &Event{Kind: KindSite, Network: "n1", Site: "site2", SiteState: &SiteChange{Online: true}}
	if (Filter{Site: "site1"}).Match(site) {
		t.Error("a site event of site2 matched site1")
	}
}

type relayFunc func(*Event)

func (f relayFunc) Relay(e *Event) { f(e) }

func TestPublishDeliverRelay(t *testing.T) {
	var relayed []*Event
	b := NewBus(relayFunc(func(e *Event) { relayed = append(relayed, e) }))
	defer b.Close()
	all := b.Subscribe(context.Background(), Filter{}, 0)
	only3 := b.Subscribe(context.Background(), Filter{Site: "site3"}, 0)
	e1 := pathEvent("n", "site1", "site1/a->site2/b", PathDown)
	b.Publish(e1)
	e2 := pathEvent("n", "site3", "site3/a->site1/b", PathUp)
	b.Deliver(e2) // from another replica: not relayed again
	if got := recv(t, all); got != e1 {
		t.Fatalf("first event %+v", got)
	}
	if got := recv(t, all); got != e2 {
		t.Fatalf("second event %+v", got)
	}
	if got := recv(t, only3); got != e2 {
		t.Fatalf("filtered event %+v", got)
	}
	if len(relayed) != 1 || relayed[0] != e1 {
		t.Fatalf("relayed %v, want only the published event", relayed)
	}
	if st := b.Stats(); st.Subscribers != 2 || st.Published != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSlowSubscriberEnded(t *testing.T) {
	b := NewBus(nil)
	defer b.Close()
	slow := b.Subscribe(context.Background(), Filter{}, 2)
	fast := b.Subscribe(context.Background(), Filter{}, 10)
	for range 3 {
		b.Publish(pathEvent("n", "s", "s/a->t/b", PathUp))
	}
	n := 0
	for range slow.C {
		n++
	}
	if n != 2 || !errors.Is(slow.Err(), ErrSlow) {
		t.Fatalf("slow subscriber got %d events, err %v; want 2 and ErrSlow", n, slow.Err())
	}
	for range 3 {
		recv(t, fast)
	}
	if fast.Err() != nil {
		t.Fatalf("fast subscriber ended: %v", fast.Err())
	}
	if st := b.Stats(); st.Subscribers != 1 || st.SlowEnded != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSubscriptionEnds(t *testing.T) {
	b := NewBus(nil)
	ctx, cancel := context.WithCancel(context.Background())
	s := b.Subscribe(ctx, Filter{}, 0)
	cancel()
	for range s.C {
	}
	if !errors.Is(s.Err(), context.Canceled) {
		t.Fatalf("err %v", s.Err())
	}
	s2 := b.Subscribe(context.Background(), Filter{}, 0)
	s3 := b.Subscribe(context.Background(), Filter{}, 0)
	s3.Close()
	s3.Close() // idempotent
	b.Close()
	for range s2.C {
	}
	if !errors.Is(s2.Err(), ErrClosed) || !errors.Is(s3.Err(), context.Canceled) {
		t.Fatalf("errs %v, %v", s2.Err(), s3.Err())
	}
	late := b.Subscribe(context.Background(), Filter{}, 0)
	if _, ok := <-late.C; ok || !errors.Is(late.Err(), ErrClosed) {
		t.Fatal("a subscription after Close is open")
	}
	if st := b.Stats(); st.Subscribers != 0 {
		t.Fatalf("%d subscribers left", st.Subscribers)
	}
}

// TestConcurrent publishes while subscribers come and go (run with -race).
func TestConcurrent(t *testing.T) {
	b := NewBus(nil)
	defer b.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				b.Publish(pathEvent("n", "s", "s/a->t/b", PathUp))
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 50 {
				ctx, cancel := context.WithCancel(context.Background())
				s := b.Subscribe(ctx, Filter{Kinds: []Kind{KindPath}}, 8)
				select {
				case <-s.C:
				case <-time.After(time.Millisecond):
				}
				cancel()
				for range s.C {
				}
			}
		})
	}
	wg.Wait()
	if st := b.Stats(); st.Subscribers != 0 || st.Published != 2000 {
		t.Fatalf("stats %+v", st)
	}
}

func BenchmarkPublish1000Subscribers(b *testing.B) {
	bus := NewBus(nil)
	defer bus.Close()
	subs := make([]*Subscription, 1000)
	for i := range subs {
		subs[i] = bus.Subscribe(context.Background(), Filter{Site: "site1"}, b.N+1)
	}
	e := pathEvent("n", "site1", "site1/a->site2/b", PathDown)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bus.Publish(e)
	}
}
