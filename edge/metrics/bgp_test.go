package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/bgp"
	"github.com/patronus-sdwan/patronus/edge/localapi"
)

type fakeBGP struct {
	st bgp.Status
	on bool
}

func (f fakeBGP) BGPStatus() (bgp.Status, bool) { return f.st, f.on }

func scrape(t *testing.T, b fakeBGP) string {
	t.Helper()
	srv := httptest.NewServer(Handler(fakeSource{localapi.Status{Site: "s1"}}, NewBGPCollector(b)))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

func TestScrapeBGP(t *testing.T) {
	body := scrape(t, fakeBGP{on: true, st: bgp.Status{Advertised: 4, Learned: 2, Neighbors: []bgp.Neighbor{
		{Address: "10.1.0.2", RemoteAS: 65101, State: "established", Received: 3, Accepted: 2, Advertised: 4, BFDState: "up"},
		{Address: "10.1.0.3", RemoteAS: 4200000001, State: "active"}}}})
	l := `neighbor="10.1.0.2",remote_as="65101"`
	for _, want := range []string{
		`patronus_edge_bgp_neighbor_state{` + l + `,state="established"} 1`,
		`patronus_edge_bgp_neighbor_state{` + l + `,state="idle"} 0`,
		`patronus_edge_bgp_neighbor_up{` + l + `} 1`,
		`patronus_edge_bgp_neighbor_bfd_up{` + l + `} 1`,
		`patronus_edge_bgp_neighbor_prefixes_received{` + l + `} 3`,
		`patronus_edge_bgp_neighbor_prefixes_accepted{` + l + `} 2`,
		`patronus_edge_bgp_neighbor_prefixes_advertised{` + l + `} 4`,
		`patronus_edge_bgp_neighbor_up{neighbor="10.1.0.3",remote_as="4200000001"} 0`,
		`patronus_edge_bgp_overlay_prefixes_advertised 4`,
		`patronus_edge_bgp_learned_prefixes 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in:\n%s", want, body)
		}
	}
	if strings.Contains(body, `patronus_edge_bgp_neighbor_bfd_up{neighbor="10.1.0.3"`) {
		t.Error("a neighbour without BFD has a BFD metric")
	}
	if off := scrape(t, fakeBGP{}); strings.Contains(off, "patronus_edge_bgp_") {
		t.Error("BGP metrics while BGP is off")
	}
}
