package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/localapi"
)

type fakeSource struct{ st localapi.Status }

func (f fakeSource) Status() localapi.Status { return f.st }

func TestScrape(t *testing.T) {
	lat, jit, loss := 12.5, 1.5, 2.0
	src := fakeSource{localapi.Status{Site: "s1", Flows: 7, Forwarder: map[string]uint64{"steered": 9},
		Steering: localapi.SteeringCounts{Events: map[string]uint64{"path_state": 4, "decision": 2}, FlowsMoved: 3, Failovers: 1},
		Paths: []localapi.PathStatus{
			{ID: "s1/inet->s2/inet", PeerSite: "s2", LocalLink: "inet", RemoteLink: "inet", State: "up", BFDState: "up",
				Score: 99.5, LatencyMS: &lat, JitterMS: &jit, LossPct: &loss, ActiveFlows: 3, TxPackets: 10, RxBytes: 1500,
				ShimDrops: map[string]uint64{"duplicate": 5}},
			{ID: "s1/lte->s2/inet", PeerSite: "s2", LocalLink: "lte", RemoteLink: "inet", State: "down", BFDState: "down"},
		}}}
	srv := httptest.NewServer(Handler(src))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	l := `local_link="inet",path="s1/inet->s2/inet",peer_site="s2",remote_link="inet"`
	for _, want := range []string{
		`patronus_edge_path_state{` + l + `,state="up"} 1`,
		`patronus_edge_path_state{` + l + `,state="down"} 0`,
		`patronus_edge_path_state{local_link="lte",path="s1/lte->s2/inet",peer_site="s2",remote_link="inet",state="down"} 1`,
		`patronus_edge_path_bfd_up{` + l + `} 1`,
		`patronus_edge_path_latency_seconds{` + l + `} 0.0125`,
		`patronus_edge_path_jitter_seconds{` + l + `} 0.0015`,
		`patronus_edge_path_loss_ratio{` + l + `} 0.02`,
		`patronus_edge_path_active_flows{` + l + `} 3`,
		`patronus_edge_path_packets_total{direction="tx",` + l + `} 10`,
		`patronus_edge_path_bytes_total{direction="rx",` + l + `} 1500`,
		`patronus_edge_path_shim_drops_total{local_link="inet",path="s1/inet->s2/inet",peer_site="s2",reason="duplicate",remote_link="inet"} 5`,
		`patronus_edge_forwarder_packets_total{counter="steered"} 9`,
		`patronus_edge_steering_events_total{kind="decision"} 2`,
		`patronus_edge_steering_flows_moved_total 3`,
		`patronus_edge_steering_failovers_total 1`,
		`patronus_edge_flows 7`,
		`patronus_edge_info{site="s1"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in:\n%s", want, body)
		}
	}
	// No probe data: no latency sample for the path, rather than a false 0.
	if strings.Contains(body, `patronus_edge_path_latency_seconds{local_link="lte"`) {
		t.Error("latency of a path without probe data")
	}
}
