package server_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/edge/agent"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// TestWithEdgeAgent: the edge's own client (edge/agent) enrols with a
// token from Admin; the configurations this controller computes pass the
// edge's validation (edge/config, as a YAML file would) and reach its
// Apply; a policy set through Admin reaches it within 1 s; its telemetry
// is stored under the path's name.
func TestWithEdgeAgent(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	c.enrol("corp", "b")
	c.mustAdmin(c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "b", Prefix: "10.2.0.0/16"}}))
	c.mustAdmin(c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{
		SiteName: "b", Name: "inet", Color: "inet", Endpoint: "198.51.100.2:51820", LocalAddress: "198.51.100.2"}}))

	applied := make(chan *config.Valid, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := agent.New(ctx, agent.Options{
		Controller: strings.Replace(c.addr, "127.0.0.1", "localhost", 1),
		JoinToken:  c.token("corp", "a", time.Hour),
		StateDir:   tempDir(t) + "/state",
		Log:        slog.New(slog.NewTextHandler(tlogWriter{t}, nil)),
		Apply: func(v *config.Valid) error {
			applied <- v
			return nil
		},
		TelemetryInterval: 50 * time.Millisecond,
		Telemetry: func() *pb.Telemetry {
			return &pb.Telemetry{PathSamples: []*pb.PathSample{{PathId: "a/inet->b/inet", MeasuredAt: timestamppb.Now(),
				State: pb.PathState_PATH_STATE_UP, LatencyMs: 7, MetricsValid: true}}}
		},
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
	// The edge refuses a configuration without a LAN prefix or a link.
	c.mustAdmin(c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "a", Prefix: "10.1.0.0/16"}}))
	c.mustAdmin(c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{
		SiteName: "a", Name: "inet", Color: "inet", LocalAddress: "198.51.100.1", Endpoint: "198.51.100.1:51820"}}))
	v := waitApplied(t, applied, 5*time.Second, "a first configuration", func(v *config.Valid) bool { return len(v.Links) == 1 })
	if v.Name != "a" || len(v.Peers) != 1 || v.Peers[0].Name != "b" || len(v.Peers[0].Links) != 1 {
		t.Fatalf("applied %+v", v)
	}

	comp := false
	startAt := time.Now()
	c.mustAdmin(c.admin.SetPolicies(ctxT(t), &pb.SetPoliciesRequest{Network: "corp", Policies: &pb.PolicySet{
		SlaClasses:   []*pb.SlaClass{{Name: "gold", MaxLossPct: 1}},
		Applications: []*pb.Application{{Name: "erp", Class: "gold", Match: &pb.MatchRule{Ports: []string{"443"}, Protocols: []string{"tcp"}}}},
		Policies: []*pb.Policy{{Name: "erp-dup", Match: &pb.PolicyMatch{Applications: []string{"erp"}}, SlaClass: "gold",
			Mode: pb.SteeringMode_STEERING_MODE_DUPLICATE, Compression: &comp}},
	}}))
	waitApplied(t, applied, pushWithin, "policy erp-dup", func(v *config.Valid) bool {
		return slices.ContainsFunc(v.Steering.Policies, func(p steer.Policy) bool { return p.Name == "erp-dup" })
	})
	t.Logf("policy applied by the edge agent %v after SetPolicies", time.Since(startAt))

	deadline := time.Now().Add(5 * time.Second)
	for {
		paths, err := c.admin.ListPaths(ctxT(t), &pb.ListPathsRequest{Network: "corp"})
		if err != nil {
			t.Fatal(err)
		}
		if len(paths.Paths) == 1 && paths.Paths[0].Latest != nil && paths.Paths[0].Latest.LatencyMs == 7 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent's telemetry is not in ListPaths: %v", paths)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitApplied(t *testing.T, ch <-chan *config.Valid, within time.Duration, what string, ok func(*config.Valid) bool) *config.Valid {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case v := <-ch:
			if ok(v) {
				return v
			}
		case <-deadline:
			t.Fatalf("the edge agent applied no configuration with %s within %v", what, within)
		}
	}
}

func (c *ctrl) mustAdmin(_ any, err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
