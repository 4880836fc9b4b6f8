package graph_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// seedBGP gives site a a speaker with two neighbours (one with a
// password), a report from its edge (one of them down for its prefix
// limit, one no longer configured) and two learned prefixes.
func (e *env) seedBGP() time.Time {
	ctx := context.Background()
	must(e.t, e.st.PutSiteBGP(ctx, "default", "a", store.SiteBGP{LocalAS: 4200000001, RouterID: "10.1.0.1", ListenPort: -1,
		Neighbors: []store.BGPNeighbor{{Address: "10.1.0.2", RemoteAS: 65001, Password: "md5-s3cret", BFD: true, MaxPrefixes: 5},
			{Address: "10.1.0.3", RemoteAS: 65002}}}))
	at := time.Now().UTC().Truncate(time.Second)
	must(e.t, e.st.SetBGPStatus(ctx, "default", "a", store.BGPStatus{At: at, LocalAS: 4200000001, RouterID: "10.1.0.1",
		Neighbors: []store.BGPNeighborStatus{
			{Address: "10.1.0.2", RemoteAS: 65001, State: "idle", Reason: "prefix limit", Received: 7, BFDState: "up", MaxPrefixes: 5},
			{Address: "10.1.0.3", RemoteAS: 65002, State: "established", Received: 2, Accepted: 2, Advertised: 3},
			{Address: "10.1.0.9", RemoteAS: 65009, State: "active"}}}))
	_, err := e.st.SetLearnedPrefixes(ctx, "default", "a", []netip.Prefix{netip.MustParsePrefix("10.101.0.0/24"),
		netip.MustParsePrefix("fd64:100:1::/48")})
	must(e.t, err)
	return at
}

// TestBGPQuery: bgp lists each site's speaker with its neighbours'
// sessions and learned prefixes for every role; passwords never appear;
// without a token it is refused.
func TestBGPQuery(t *testing.T) {
	e := newEnv(t)
	at := e.seedBGP()
	const q = `{ bgp(site: "a") { site localAs routerId listenPort gracefulRestart reportedAt learnedPrefixes
		neighbors { address remoteAs passwordSet bfd maxPrefixes state reason received accepted advertised bfdState } } }`
	for tok := range roles {
		var got struct {
			Bgp []struct {
				Site, RouterID      string
				LocalAs, ListenPort int64
				GracefulRestart     bool
				ReportedAt          time.Time
				LearnedPrefixes     []string
				Neighbors           []struct {
					Address                        string
					RemoteAs                       *int64
					PasswordSet, Bfd               bool
					MaxPrefixes                    int64
					State, Reason, BfdState        *string
					Received, Accepted, Advertised *int64
				}
			}
		}
		e.ok(tok, q, nil, &got)
		if len(got.Bgp) != 1 {
			t.Fatalf("%s: %+v", tok, got)
		}
		b := got.Bgp[0]
		if b.Site != "a" || b.LocalAs != 4200000001 || b.RouterID != "10.1.0.1" || b.ListenPort != -1 || !b.GracefulRestart ||
			!b.ReportedAt.Equal(at) || strings.Join(b.LearnedPrefixes, " ") != "10.101.0.0/24 fd64:100:1::/48" || len(b.Neighbors) != 3 {
			t.Fatalf("%s: %+v", tok, b)
		}
		n0, n1, n2 := b.Neighbors[0], b.Neighbors[1], b.Neighbors[2]
		if !n0.PasswordSet || !n0.Bfd || n0.MaxPrefixes != 5 || *n0.State != "IDLE" || *n0.Reason != "prefix limit" || *n0.Received != 7 ||
			*n0.BfdState != "up" {
			t.Errorf("%s: neighbour 0 %+v", tok, n0)
		}
		if n1.PasswordSet || *n1.State != "ESTABLISHED" || *n1.Accepted != 2 || *n1.Advertised != 3 || n1.BfdState != nil || n1.Reason != nil {
			t.Errorf("%s: neighbour 1 %+v", tok, n1)
		}
		if n2.Address != "10.1.0.9" || n2.RemoteAs != nil || *n2.State != "ACTIVE" {
			t.Errorf("%s: a reported neighbour no longer configured: %+v", tok, n2)
		}
	}
	if r := e.do("viewer", `{ bgp { site neighbors { address } } }`, nil); strings.Contains(string(r.Data), "s3cret") || r.status != http.StatusOK {
		t.Fatalf("status %d data %s", r.status, r.Data)
	}
	var none struct{ Bgp []struct{ Site string } }
	e.ok("viewer", `{ bgp(site: "b") { site } }`, nil, &none)
	if len(none.Bgp) != 0 {
		t.Errorf("site b without BGP: %+v", none)
	}
	if r := e.do("", q, nil); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Errorf("without a token: status %d errors %+v", r.status, r.Errors)
	}
}
