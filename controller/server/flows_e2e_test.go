package server_test

import (
	"context"
	"log/slog"
	"strings"
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

// TestLiveCurrentFlows: through the real gRPC server and the edge's own
// agent, a batch's current flows become one flows event per listed path,
// and an empty one for each other path the batch samples (its flows
// ended).
func TestLiveCurrentFlows(t *testing.T) {
	bus := events.NewBus(nil)
	defer bus.Close()
	c := startSQLite(t, func(cfg *server.Config) { cfg.Events = bus })
	sub := bus.Subscribe(context.Background(), events.Filter{Network: "corp", Kinds: []events.Kind{events.KindFlows}}, 1024)
	defer sub.Close()
	c.network("corp", store.FullMesh)
	c.enrol("corp", "b")
	now := time.Now()
	batch := func() *pb.Telemetry {
		return &pb.Telemetry{SentAt: timestamppb.New(now), PathSamples: []*pb.PathSample{
			{PathId: "a/inet->b/inet", State: pb.PathState_PATH_STATE_UP}, {PathId: "a/lte->b/inet", State: pb.PathState_PATH_STATE_UP}},
			CurrentFlows: &pb.CurrentFlows{WindowStart: timestamppb.New(now.Add(-10 * time.Second)), Paths: []*pb.PathFlows{{
				PathId: "a/inet->b/inet", TotalFlows: 3, Flows: []*pb.CurrentFlow{{Src: "10.1.0.2", Dst: "10.2.0.2", SrcPort: 40000,
					DstPort: 5201, Protocol: 6, Application: "iperf", Class: "bulk", Policy: "default", TxBytes: 123456, RxPackets: 7}}}}}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := agent.New(ctx, agent.Options{
		Controller: strings.Replace(c.addr, "127.0.0.1", "localhost", 1),
		JoinToken:  c.token("corp", "a", time.Hour),
		StateDir:   tempDir(t) + "/state",
		Log:        slog.New(slog.NewTextHandler(tlogWriter{t}, nil)),
		Apply:      func(*config.Valid) error { return nil },
		Telemetry:  batch,
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
	got := map[string]*events.PathFlows{}
	for len(got) < 2 {
		e := nextEvent(t, sub, 5*time.Second, "flows events", func(e *events.Event) bool { return true })
		if e.Site != "a" || e.At.Before(now) { // At: the batch's sent_at, which the agent sets

			t.Fatalf("event %+v", e)
		}
		got[e.Flows.PathID] = e.Flows
	}
	inet, lte := got["a/inet->b/inet"], got["a/lte->b/inet"]
	if inet == nil || inet.TotalFlows != 3 || len(inet.Flows) != 1 || !inet.WindowStart.Equal(now.Add(-10*time.Second)) {
		t.Fatalf("inet's flows %+v", inet)
	}
	if f := inet.Flows[0]; f.Src != "10.1.0.2" || f.DstPort != 5201 || f.Protocol != 6 || f.Application != "iperf" || f.TxBytes != 123456 || f.RxPackets != 7 {
		t.Fatalf("inet's flow %+v", f)
	}
	if lte == nil || len(lte.Flows) != 0 || lte.TotalFlows != 0 {
		t.Fatalf("lte's flows %+v, want an empty set", lte)
	}
}
