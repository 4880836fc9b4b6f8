package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// memNet is an in-memory Transport shared by replicas: every payload
// goes to every relay, the sender's included, as NOTIFY does.
type memNet struct {
	mu   sync.Mutex
	subs []*memRelay
}

type memRelay struct {
	deliver func([]byte)
	gap     func()
}

func (n *memNet) RelayEvents(ctx context.Context, deliver func([]byte), gap func()) (func(context.Context, []byte) error, error) {
	n.mu.Lock()
	n.subs = append(n.subs, &memRelay{deliver: deliver, gap: gap})
	n.mu.Unlock()
	return func(_ context.Context, p []byte) error {
		if len(p) > MaxPayload {
			return errors.New("payload too large")
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		for _, s := range n.subs {
			s.deliver(p)
		}
		return nil
	}, nil
}

func newReplicas(t *testing.T, n int) ([]*Bus, []*Replica, *memNet) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	net := &memNet{}
	var buses []*Bus
	var reps []*Replica
	for range n {
		b, r, err := NewReplicatedBus(ctx, net, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		buses, reps = append(buses, b), append(reps, r)
	}
	return buses, reps, net
}

// TestReplicatedBus: an event published on one replica reaches the
// subscribers of both, each once.
func TestReplicatedBus(t *testing.T) {
	buses, reps, _ := newReplicas(t, 2)
	subA := buses[0].Subscribe(context.Background(), Filter{}, 0)
	subB := buses[1].Subscribe(context.Background(), Filter{}, 0)
	e := pathEvent("n", "s1", "s1/a->s2/b", PathDown)
	buses[0].Publish(e)
	if got := recv(t, subA); got != e {
		t.Fatalf("local subscriber got %+v", got)
	}
	got := recv(t, subB)
	if got.Kind != KindPath || got.Path.PathID != "s1/a->s2/b" || got.Path.State != PathDown || !got.Path.StateChanged || !got.At.Equal(e.At) {
		t.Fatalf("remote subscriber got %+v %+v", got, got.Path)
	}
	buses[1].Publish(&Event{Kind: KindSite, Network: "n", Site: "s2", SiteState: &SiteChange{Online: true}})
	if got := recv(t, subA); got.Kind != KindSite || !got.SiteState.Online {
		t.Fatalf("replica A got %+v", got)
	}
	recv(t, subB)
	select {
	case e := <-subA.C:
		t.Fatalf("replica A got its own event back: %+v", e)
	case <-time.After(50 * time.Millisecond):
	}
	if st := reps[1].Stats(); st.Received != 1 || st.Sent != 1 {
		t.Fatalf("replica B stats %+v", st)
	}
}

// TestReplicaTrimsLargeSteering: a steering event too large for one
// payload is relayed with shorter path lists; an event that cannot fit
// at all is counted and not relayed; a burst is packed into payloads
// that all fit.
func TestReplicaTrimsLargeSteering(t *testing.T) {
	buses, reps, _ := newReplicas(t, 2)
	sub := buses[1].Subscribe(context.Background(), Filter{}, 1000)
	var from []string
	for i := range 500 {
		from = append(from, strings.Repeat("x", 20)+string(rune('a'+i%26)))
	}
	buses[0].Publish(&Event{Kind: KindSite, Network: "n", Site: strings.Repeat("s", 9000), SiteState: &SiteChange{}})
	buses[0].Publish(&Event{Kind: KindSteering, Network: "n", Site: "s1",
		Steering: &Steering{PathID: "s1/a->s2/b", Kind: "decision", From: from, To: from}})
	for range 300 {
		buses[0].Publish(pathEvent("n", "s1", "s1/a->s2/b", PathUp))
	}
	got := recv(t, sub)
	if got.Kind != KindSteering || len(got.Steering.From) == 0 || len(got.Steering.From) >= 500 {
		t.Fatalf("got %+v", got)
	}
	for range 300 {
		if e := recv(t, sub); e.Kind != KindPath {
			t.Fatalf("got %+v", e)
		}
	}
	st := reps[0].Stats()
	if st.Oversize != 1 || st.Trimmed != 1 || st.Dropped != 0 || st.Sent < 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestReplicaTrimsLargeFlows: a flows event too large for one payload is
// relayed with its busiest flows, the first of its list, and counted.
func TestReplicaTrimsLargeFlows(t *testing.T) {
	buses, reps, _ := newReplicas(t, 2)
	sub := buses[1].Subscribe(context.Background(), Filter{Kinds: []Kind{KindFlows}, Site: "s2"}, 10)
	var flows []Flow
	for i := range 20 {
		flows = append(flows, Flow{Src: "2001:db8::1", Dst: "2001:db8::2", SrcPort: uint16(i), Protocol: 6,
			Application: "rsync", ServerName: strings.Repeat("n", 250), TxBytes: uint64(100 - i)})
	}
	buses[0].Publish(&Event{Kind: KindFlows, Network: "n", Site: "s1",
		Flows: &PathFlows{PathID: "s1/a->s2/b", TotalFlows: 40, Flows: flows}})
	got := recv(t, sub)
	if got.Flows == nil || len(got.Flows.Flows) == 0 || len(got.Flows.Flows) >= 20 || got.Flows.TotalFlows != 40 ||
		got.Flows.Flows[0].TxBytes != 100 {
		t.Fatalf("got %+v", got)
	}
	if st := reps[0].Stats(); st.Trimmed != 1 || st.Oversize != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestReplicaGapAndMalformed: a gap in the transport ends the
// subscriptions with ErrMissed; malformed payloads are counted.
func TestReplicaGapAndMalformed(t *testing.T) {
	buses, reps, net := newReplicas(t, 1)
	sub := buses[0].Subscribe(context.Background(), Filter{}, 0)
	net.subs[0].deliver([]byte("{"))
	net.subs[0].deliver([]byte(`{"replica":"other","events":[{"kind":"path","network":"n"},{"kind":"config","config":{"revision":3}}]}`))
	if e := recv(t, sub); e.Kind != KindConfig || e.Config.Revision != 3 {
		t.Fatalf("got %+v", e)
	}
	if st := reps[0].Stats(); st.Malformed != 2 || st.Received != 1 {
		t.Fatalf("stats %+v", st)
	}
	net.subs[0].gap()
	if _, ok := <-sub.C; ok || !errors.Is(sub.Err(), ErrMissed) {
		t.Fatalf("after a gap: err %v", sub.Err())
	}
}

// TestPackMatchesMarshal: each payload is what json.Marshal makes of its
// message, at most MaxPayload bytes, and the payloads carry every event
// in order (paths, steering events of several sizes).
func TestPackMatchesMarshal(t *testing.T) {
	r := &replicaRelay{id: "0123456789abcdef", log: slog.New(slog.DiscardHandler)}
	var evs []*Event
	for i := range 400 {
		if i%7 == 0 {
			evs = append(evs, &Event{Kind: KindSteering, Network: "n", Site: "s1",
				Steering: &Steering{PathID: "s1/a->s2/b", Kind: "decision", From: make([]string, i%50), To: []string{"<&>"}}})
			continue
		}
		evs = append(evs, pathEvent("n", fmt.Sprintf("s%d", i), "s1/a->s2/b", PathUp))
	}
	i := 0
	for _, p := range r.pack(evs) {
		want, err := json.Marshal(wireMessage{Replica: r.id, Events: evs[i : i+p.events]})
		if err != nil || !bytes.Equal(p.data, want) {
			t.Fatalf("payload of events %d..%d:\n%s\nwant\n%s", i, i+p.events, p.data, want)
		}
		if len(p.data) > MaxPayload {
			t.Fatalf("payload of %d bytes", len(p.data))
		}
		i += p.events
	}
	if i != len(evs) {
		t.Fatalf("%d events packed, want %d", i, len(evs))
	}
	if !bytes.HasPrefix(r.pack(evs[:1])[0].data, r.head()) {
		t.Fatal("a payload does not start with the replica's head")
	}
}

// BenchmarkPack: a second of 1,000 edges' path reports (4,000), packed.
func BenchmarkPack(b *testing.B) {
	r := &replicaRelay{id: "0123456789abcdef", log: slog.New(slog.DiscardHandler)}
	evs := make([]*Event, 4000)
	for i := range evs {
		evs[i] = pathEvent("default", fmt.Sprintf("e%04d", i/4), fmt.Sprintf("e%04d/l%d->hub/inet", i/4, i%4), PathUp)
	}
	for b.Loop() {
		r.pack(evs)
	}
}
