package graph_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

func TestUnauthenticatedGets401(t *testing.T) {
	e := newEnv(t)
	for _, tok := range []string{"", "wrong"} {
		r := e.do(tok, `{ sites { name } }`, nil)
		if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Errorf("token %q: status %d errors %+v", tok, r.status, r.Errors)
		}
	}
}

// The contract: `{ sites { name paths { id state } } }` for a viewer, path
// IDs as the edge prints them, states upper case.
func TestContractSitesPaths(t *testing.T) {
	e := newEnv(t)
	var got struct {
		Sites []struct {
			Name  string
			Paths []struct{ ID, State string }
		}
	}
	e.ok("viewer", `{ sites { name paths { id state } } }`, nil, &got)
	if len(got.Sites) != 4 || got.Sites[0].Name != "a" || got.Sites[1].Name != "b" {
		t.Fatalf("sites %+v", got.Sites)
	}
	a, b := got.Sites[0].Paths, got.Sites[1].Paths
	if len(a) != 2 || a[0].ID != "a/inet->b/inet" || a[0].State != "DOWN" || a[1].ID != "a/lte->b/inet" || a[1].State != "" {
		t.Errorf("a's paths %+v", a)
	}
	if len(b) != 2 || b[0].ID != "b/inet->a/inet" || b[0].State != "DOWN" {
		t.Errorf("b's paths %+v", b)
	}
}

func TestQueries(t *testing.T) {
	e := newEnv(t)
	var nets struct {
		Networks []struct {
			Name, Topology string
			Revision       int
		}
		Network struct{ NodeID string }
	}
	e.ok("viewer", `{ networks { name topology revision } network { nodeId } }`, nil, &nets)
	if len(nets.Networks) != 1 || nets.Networks[0].Topology != "FULL_MESH" || nets.Networks[0].Revision < 1 || nets.Network.NodeID == "" {
		t.Errorf("networks %+v", nets)
	}

	var site struct {
		Site struct {
			NodeID, Name, Role, State, PublicKey string
			Online                               bool
			LastSeen                             *time.Time
			Links                                []struct{ Name, Colour string }
			Prefixes                             []string
		}
	}
	e.ok("viewer", `{ site(name: "a") { nodeId name role state publicKey online lastSeen links { name colour } prefixes } }`, nil, &site)
	s := site.Site
	if s.Name != "a" || s.Role != "SPOKE" || s.State != "ENROLLED" || !s.Online || s.LastSeen == nil ||
		len(s.Links) != 2 || s.Links[0].Name != "inet" || len(s.Prefixes) != 1 || s.Prefixes[0] != "10.1.0.0/24" {
		t.Errorf("site %+v", s)
	}
	var node struct{ Node struct{ Name string } }
	e.ok("viewer", `query($id: ID!) { node(nodeId: $id) { ... on Site { name } } }`, map[string]any{"id": s.NodeID}, &node)
	if node.Node.Name != "a" {
		t.Errorf("node(%s) = %+v", s.NodeID, node)
	}

	var filtered struct {
		Online  []struct{ Name string }
		Offline []struct{ Name string }
		Prefix  []struct{ Name string }
	}
	e.ok("viewer", `{ online: sites(filter: {online: true}) { name } offline: sites(filter: {online: false, role: SPOKE, state: ENROLLED}) { name }
		prefix: sites(filter: {namePrefix: "c"}) { name } }`, nil, &filtered)
	if len(filtered.Online) != 1 || len(filtered.Offline) != 3 || len(filtered.Prefix) != 1 || filtered.Prefix[0].Name != "c" {
		t.Errorf("filters %+v", filtered)
	}

	var paths struct {
		Paths struct {
			TotalCount int
			Nodes      []struct {
				ID, State          string
				LatencyMs, LossPct float64
				History            struct {
					Resolution string
					Points     []struct {
						State     string
						LatencyMs float64
					}
				}
			}
		}
		Path struct{ ID string }
	}
	from := time.Now().Add(-10 * time.Minute).Format(time.RFC3339Nano)
	to := time.Now().Add(time.Minute).Format(time.RFC3339Nano)
	e.ok("viewer", `query($from: Time!, $to: Time!) {
		paths(filter: {site: "b", state: DOWN}) { totalCount nodes { id state latencyMs lossPct history(from: $from, to: $to) { resolution points { state latencyMs } } } }
		path(id: "b/inet->a/inet") { id } }`, map[string]any{"from": from, "to": to}, &paths)
	p := paths.Paths
	if p.TotalCount != 1 || p.Nodes[0].ID != "a/inet->b/inet" || p.Nodes[0].State != "DOWN" || p.Nodes[0].LatencyMs != 9 ||
		p.Nodes[0].LossPct != 100 || p.Nodes[0].History.Resolution != "RAW" || len(p.Nodes[0].History.Points) != 2 ||
		p.Nodes[0].History.Points[0].State != "UP" || paths.Path.ID != "b/inet->a/inet" {
		t.Errorf("paths %+v", paths)
	}

	var evs struct {
		SteeringEvents struct {
			Nodes []struct {
				Kind, PathID string
				FlowsMoved   int
			}
		}
		Failovers struct{ Nodes []struct{ Kind string } }
	}
	e.ok("viewer", `{ steeringEvents { nodes { kind pathId flowsMoved } } failovers: steeringEvents(filter: {kind: "failover", site: "a"}) { nodes { kind } } }`, nil, &evs)
	if n := evs.SteeringEvents.Nodes; len(n) != 2 || n[0].Kind != "failover" || n[0].FlowsMoved != 3 || n[0].PathID != "a/inet->b/inet" || len(evs.Failovers.Nodes) != 1 {
		t.Errorf("events %+v", evs)
	}

	var pol struct {
		SLAClasses []struct {
			Name    string
			Builtin bool
		}
		Applications []struct{ Name string }
		PolicySet    struct {
			Revision int
			Document string
		}
	}
	e.ok("viewer", `{ slaClasses { name builtin } applications { name } policySet { revision document } }`, nil, &pol)
	if len(pol.SLAClasses) == 0 || !pol.SLAClasses[0].Builtin || len(pol.Applications) == 0 || pol.PolicySet.Document != "{}" {
		t.Errorf("policy %+v", pol)
	}

	var toks struct {
		JoinTokens struct {
			TotalCount int
			Nodes      []struct{ ID, Site string }
		}
	}
	e.ok("viewer", `{ joinTokens { totalCount nodes { id site } } }`, nil, &toks)
	if toks.JoinTokens.TotalCount != 1 || toks.JoinTokens.Nodes[0].ID != e.tokenID {
		t.Errorf("tokens %+v", toks)
	}
	// A join token's secret is not in the schema at all.
	e.fails("admin", `{ joinTokens { nodes { secret } } }`, nil, "GRAPHQL_VALIDATION_FAILED", "")

	var admin struct {
		Users    struct{ Nodes []struct{ Name, Role string } }
		APIKeys  struct{ Nodes []struct{ ID, Owner string } }
		AuditLog struct{ Nodes []struct{ Action string } }
	}
	e.ok("admin", `{ users { nodes { name role } } apiKeys { nodes { id owner } } auditLog { nodes { action } } }`, nil, &admin)
	if len(admin.Users.Nodes) != 5 || admin.Users.Nodes[0].Name != "admin-user" || admin.Users.Nodes[0].Role != "ADMIN" || len(admin.APIKeys.Nodes) != 1 || admin.APIKeys.Nodes[0].Owner != "admin-user" {
		t.Errorf("admin lists %+v", admin)
	}
}

func TestCursorPagination(t *testing.T) {
	e := newEnv(t)
	var names []string
	after := ""
	for range 10 {
		var got struct {
			SitesConnection struct {
				TotalCount int
				Edges      []struct {
					Cursor string
					Node   struct{ Name string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		e.ok("viewer", `query($after: String) { sitesConnection(first: 3, after: $after) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after}, &got)
		c := got.SitesConnection
		for _, ed := range c.Edges {
			names = append(names, ed.Node.Name)
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		after = c.PageInfo.EndCursor
	}
	if strings.Join(names, ",") != "a,b,c,d" {
		t.Fatalf("pages gave %v", names)
	}
	e.fails("viewer", `{ sitesConnection(first: 1, after: "not-a-cursor") { totalCount } }`, nil, "INVALID_ARGUMENT", "after")
	e.fails("viewer", `{ sitesConnection(first: 5000) { totalCount } }`, nil, "INVALID_ARGUMENT", "first")
}

// TestPathLiveReport: a path's BFD state and score come from the newest
// live report on the bus.
func TestPathLiveReport(t *testing.T) {
	e := newEnv(t)
	ev := pathEvent("b", "b/inet->a/inet", "DOWN")
	ev.Path.Score, ev.Path.ActiveFlows, ev.Path.Transport = 12.5, 7, "direct"
	e.bus.Publish(ev)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got struct {
			Path struct {
				BfdState, ReportedBy, Transport string
				Score                           float64
				ActiveFlows                     int
			}
		}
		e.ok("viewer", `{ path(id: "a/inet->b/inet") { bfdState score activeFlows reportedBy transport } }`, nil, &got)
		p := got.Path
		if p.BfdState == "DOWN" {
			if p.Score != 12.5 || p.ActiveFlows != 7 || p.ReportedBy != "b" || p.Transport != "DIRECT" {
				t.Fatalf("path %+v", p)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the live report never showed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEventAndTokenPages: newest-first lists page through every item once,
// in order, also when times tie or differ in their last digits.
func TestEventAndTokenPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	base := time.Date(2026, 12, 1, 10, 0, 5, 100_000_000, time.UTC)
	var evs []store.Event
	for i, d := range []time.Duration{0, 0, 20 * time.Millisecond, time.Nanosecond, 120 * time.Millisecond} {
		evs = append(evs, store.Event{TS: base.Add(d), Site: "b", Kind: "k" + strconv.Itoa(i)})
	}
	must(t, e.st.AddEvents(ctx, "default", evs))
	all := pages(e, `query($after: String) { steeringEvents(filter: {site: "b"}, first: 2, after: $after) {
		edges { node { kind } } pageInfo { hasNextPage endCursor } } }`, "steeringEvents", "kind")
	if strings.Join(all, ",") != "k4,k2,k3,k1,k0" {
		t.Errorf("events by page: %v", all)
	}
	for _, s := range []string{"f", "g", "h"} {
		_, _, err := e.st.CreateJoinToken(ctx, "default", s, time.Hour)
		must(t, err)
	}
	toks := pages(e, `query($after: String) { joinTokens(first: 1, after: $after) {
		edges { node { site } } pageInfo { hasNextPage endCursor } } }`, "joinTokens", "site")
	if len(toks) != 4 || toks[3] != "e" {
		t.Errorf("tokens by page: %v", toks)
	}
}

// pages follows a connection's pages and collects field of every node.
func pages(e *env, query, conn, field string) []string {
	e.t.Helper()
	var out []string
	after := ""
	for range 20 {
		var got map[string]struct {
			Edges []struct {
				Node map[string]string
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
		e.ok("viewer", query, map[string]any{"after": after}, &got)
		c := got[conn]
		for _, ed := range c.Edges {
			out = append(out, ed.Node[field])
		}
		if !c.PageInfo.HasNextPage {
			return out
		}
		after = c.PageInfo.EndCursor
	}
	e.t.Fatalf("%s: more than 20 pages", conn)
	return nil
}

// TestNodeIDs: a nodeId found by node() is the same object; an ID of
// nothing is null, and garbage is INVALID_ARGUMENT.
func TestNodeIDs(t *testing.T) {
	e := newEnv(t)
	var ids struct {
		Network struct{ NodeID string }
		Site    struct {
			NodeID string
			Links  []struct{ NodeID string }
		}
		Path  struct{ NodeID string }
		Users struct {
			Nodes []struct{ NodeID, Name string }
		}
	}
	e.ok("admin", `{ network { nodeId } site(name: "a") { nodeId links { nodeId } } path(id: "a/inet->b/inet") { nodeId }
		users(first: 1) { nodes { nodeId name } } }`, nil, &ids)
	for _, c := range []struct{ id, want string }{
		{ids.Network.NodeID, `"name":"default"`},
		{ids.Site.NodeID, `"name":"a"`},
		{ids.Site.Links[0].NodeID, `"name":"inet"`},
		{ids.Path.NodeID, `"id":"a/inet->b/inet"`},
		{ids.Users.Nodes[0].NodeID, `"name":"admin-user"`},
	} {
		r := e.do("admin", `query($id: ID!) { node(nodeId: $id) { nodeId ... on Network { name } ... on Site { name }
			... on Link { name } ... on Path { id } ... on User { name } } }`, map[string]any{"id": c.id})
		if len(r.Errors) > 0 || !strings.Contains(strings.ReplaceAll(string(r.Data), `\u003e`, ">"), c.want) ||
			!strings.Contains(string(r.Data), c.id) {
			t.Errorf("node(%s): %s %+v", c.id, r.Data, r.Errors)
		}
	}
	var none struct{ Node *struct{ NodeID string } }
	e.ok("admin", `{ node(nodeId: "U2l0ZTpkZWZhdWx0L3p6") { nodeId } }`, nil, &none) // Site:default/zz
	if none.Node != nil {
		t.Errorf("a deleted object's node: %+v", none.Node)
	}
	e.fails("admin", `{ node(nodeId: "!!") { nodeId } }`, nil, "INVALID_ARGUMENT", "nodeId")
	// A viewer cannot read a user through node().
	e.fails("viewer", `query($id: ID!) { node(nodeId: $id) { nodeId } }`, map[string]any{"id": ids.Users.Nodes[0].NodeID}, "FORBIDDEN", "")
}
