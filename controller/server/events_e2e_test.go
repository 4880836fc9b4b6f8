package server_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/edge/agent"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// nextEvent reads sub until an event satisfies ok, failing after within.
func nextEvent(t *testing.T, sub *events.Subscription, within time.Duration, what string, ok func(*events.Event) bool) *events.Event {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e, open := <-sub.C:
			if !open {
				t.Fatalf("waiting for %s: subscription ended: %v", what, sub.Err())
			}
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s within %v", what, within)
		}
	}
}

// fakePath is the state of one path an edge reports, changed by the test.
type fakePath struct {
	mu       sync.Mutex
	state    pb.PathState
	steering []*pb.SteeringEvent // sent with the next batch
}

func (f *fakePath) set(st pb.PathState, ev *pb.SteeringEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state = st
	f.steering = append(f.steering, ev)
}

func (f *fakePath) batch() *pb.Telemetry {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &pb.Telemetry{PathSamples: []*pb.PathSample{{PathId: "a/inet->b/inet", MeasuredAt: timestamppb.Now(),
		State: f.state, BfdState: pb.BfdState_BFD_STATE_UP, LatencyMs: 7, MetricsValid: true}}, SteeringEvents: f.steering}
	f.steering = nil
	return t
}

// TestLiveEvents: through the real gRPC server and the edge's own agent,
// the bus gets a configuration revision for a store change, the site
// online when it connects, its path UP, then DOWN with StateChanged
// within 1 s of the change although the agent's batches are 1 s apart
// (the agent's urgent batch), the steering event that came with it, the
// next periodic DOWN without StateChanged, and the site offline when the
// edge goes.
func TestLiveEvents(t *testing.T) {
	bus := events.NewBus(nil)
	defer bus.Close()
	c := startSQLite(t, func(cfg *server.Config) { cfg.Events = bus })
	sub := bus.Subscribe(context.Background(), events.Filter{Network: "corp"}, 1024)
	defer sub.Close()
	c.network("corp", store.FullMesh)
	c.enrol("corp", "b")
	c.mustAdmin(c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "b", Prefix: "10.2.0.0/16"}}))
	c.mustAdmin(c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{
		SiteName: "b", Name: "inet", Color: "inet", Endpoint: "198.51.100.2:51820", LocalAddress: "198.51.100.2"}}))
	n, err := c.st.Network(ctxT(t), "corp")
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sub, pushWithin, "the revision of the link", func(e *events.Event) bool {
		return e.Kind == events.KindConfig && e.Config.Revision == n.Revision
	})

	path := &fakePath{state: pb.PathState_PATH_STATE_UP}
	urgent := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := agent.New(ctx, agent.Options{
		Controller: strings.Replace(c.addr, "127.0.0.1", "localhost", 1),
		JoinToken:  c.token("corp", "a", time.Hour),
		StateDir:   tempDir(t) + "/state",
		Log:        slog.New(slog.NewTextHandler(tlogWriter{t}, nil)),
		Apply:      func(*config.Valid) error { return nil },
		Telemetry:  path.batch,
		Urgent:     urgent,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	nextEvent(t, sub, 5*time.Second, "site a online", func(e *events.Event) bool {
		return e.Kind == events.KindSite && e.Site == "a" && e.SiteState.Online
	})
	up := nextEvent(t, sub, 5*time.Second, "the path UP", func(e *events.Event) bool { return e.Kind == events.KindPath })
	if p := up.Path; p.PathID != "a/inet->b/inet" || p.State != events.PathUp || !p.StateChanged || p.BFDState != "UP" || p.LatencyMs != 7 || up.Site != "a" {
		t.Fatalf("first path event %+v %+v", up, p)
	}

	time.Sleep(agent.MinUrgentInterval)
	path.set(pb.PathState_PATH_STATE_DOWN, &pb.SteeringEvent{At: timestamppb.Now(), PathId: "a/inet->b/inet",
		Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_PATH_STATE, Reason: "bfd down"})
	cut := time.Now()
	urgent <- struct{}{}
	down := nextEvent(t, sub, pushWithin, "the path DOWN", func(e *events.Event) bool {
		return e.Kind == events.KindPath && e.Path.State == events.PathDown
	})
	t.Logf("the path's DOWN reached the subscriber %v after the edge saw it", time.Since(cut))
	if !down.Path.StateChanged {
		t.Fatalf("DOWN after UP without StateChanged: %+v", down.Path)
	}
	st := nextEvent(t, sub, pushWithin, "the steering event", func(e *events.Event) bool { return e.Kind == events.KindSteering })
	if st.Steering.Kind != "path_state" || st.Steering.Reason != "bfd down" || st.Steering.PathID != "a/inet->b/inet" {
		t.Fatalf("steering event %+v", st.Steering)
	}
	again := nextEvent(t, sub, 3*time.Second, "the next periodic sample", func(e *events.Event) bool { return e.Kind == events.KindPath })
	if again.Path.State != events.PathDown || again.Path.StateChanged {
		t.Fatalf("the next sample %+v: want DOWN, unchanged", again.Path)
	}

	cancel()
	<-done
	done <- nil // for the deferred wait
	off := nextEvent(t, sub, 5*time.Second, "site a offline", func(e *events.Event) bool { return e.Kind == events.KindSite })
	if off.Site != "a" || off.SiteState.Online {
		t.Fatalf("site event %+v %+v: want a offline (and online only once)", off, off.SiteState)
	}
}

// TestLiveEventsAcrossReplicas: two controllers on one PostgreSQL
// database, each with the bus events.ForStore gives it. An edge reports
// to the first; a subscriber of the second gets its path event and its
// site online; a configuration change made through the first reaches
// the second's subscriber once (each replica announces the revisions its
// own watch sees; they are not relayed).
func TestLiveEventsAcrossReplicas(t *testing.T) {
	requirePG(t)
	ca, clk, url := newCA(t), &clock{}, pg.NewDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var buses [2]*events.Bus
	var ctrls [2]*ctrl
	for i := range ctrls {
		st := openPG(t, ca, url, clk)
		bus, err := events.ForStore(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(bus.Close)
		buses[i] = bus
		ctrls[i] = start(t, ca, st, clk, func(cfg *server.Config) { cfg.Events = bus })
	}
	c1 := ctrls[0]
	c1.network("corp", store.FullMesh)
	e := c1.enrol("corp", "a")
	sub := buses[1].Subscribe(ctx, events.Filter{Network: "corp"}, 1024)
	defer sub.Close()

	stream, err := e.ctl.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sub, 5*time.Second, "site a online on the other replica", func(e *events.Event) bool {
		return e.Kind == events.KindSite && e.Site == "a" && e.SiteState.Online
	})
	sent := time.Now()
	if err := stream.Send(&pb.Telemetry{BootId: []byte{1}, Sequence: 1, PathSamples: []*pb.PathSample{{PathId: "a/inet->b/inet",
		State: pb.PathState_PATH_STATE_DOWN}}}); err != nil {
		t.Fatal(err)
	}
	p := nextEvent(t, sub, pushWithin, "the path on the other replica", func(e *events.Event) bool { return e.Kind == events.KindPath })
	if p.Path.State != events.PathDown || !p.Path.StateChanged || p.Site != "a" {
		t.Fatalf("path event %+v", p.Path)
	}
	t.Logf("a path sample reported to one replica reached the other's subscriber in %v", time.Since(sent))

	c1.mustAdmin(c1.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "a", Prefix: "10.1.0.0/16"}}))
	n, err := c1.st.Network(ctxT(t), "corp")
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sub, pushWithin, "the revision on the other replica", func(e *events.Event) bool {
		return e.Kind == events.KindConfig && e.Config.Revision == n.Revision
	})
	select {
	case e := <-sub.C:
		if e.Kind == events.KindConfig {
			t.Fatalf("revision announced twice: %+v", e.Config)
		}
	case <-time.After(200 * time.Millisecond):
	}
}
