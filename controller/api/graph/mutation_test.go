package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// operation is one query or mutation of the API and the permission it
// needs; each acts on its own objects, so they run in any order.
type operation struct {
	name  string
	perm  auth.Permission
	doc   func(e *env) string
	audit string // a mutation's audit action
}

func fixed(doc string) func(*env) string { return func(*env) string { return doc } }

var operations = []operation{
	{"networks", auth.Read, fixed(`{ networks { name } }`), ""},
	{"network", auth.Read, fixed(`{ network(name: "default") { name } }`), ""},
	{"sites", auth.Read, fixed(`{ sites { name paths { id state } } }`), ""},
	{"sitesConnection", auth.Read, fixed(`{ sitesConnection { totalCount } }`), ""},
	{"site", auth.Read, fixed(`{ site(name: "a") { name links { name } prefixes } }`), ""},
	{"paths", auth.Read, fixed(`{ paths { nodes { id } } }`), ""},
	{"path", auth.Read, fixed(`{ path(id: "a/inet->b/inet") { id history(from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:30:00Z") { resolution } } }`), ""},
	{"steeringEvents", auth.Read, fixed(`{ steeringEvents { nodes { kind } } }`), ""},
	{"slaClasses", auth.Read, fixed(`{ slaClasses { name } }`), ""},
	{"applications", auth.Read, fixed(`{ applications { name } }`), ""},
	{"policySet", auth.Read, fixed(`{ policySet { revision } }`), ""},
	{"joinTokens", auth.Read, fixed(`{ joinTokens { nodes { id } } }`), ""},
	{"pins", auth.Read, fixed(`{ pins(site: "a") { id pathId match { protocol } } }`), ""},
	{"users", auth.Administer, fixed(`{ users { nodes { name } } }`), ""},
	{"apiKeys", auth.Administer, fixed(`{ apiKeys { nodes { id } } }`), ""},
	{"auditLog", auth.Administer, fixed(`{ auditLog { nodes { action } } }`), ""},

	{"revokeSite", auth.Operate, fixed(`mutation { revokeSite(name: "c", reason: "lost") { state } }`), "site.revoke"},
	{"deleteSite", auth.Operate, fixed(`mutation { deleteSite(name: "d") { deletedNodeId } }`), "site.delete"},
	{"resetSite", auth.Operate, fixed(`mutation { resetSite(name: "a", ttl: "2h") { secret token { id site reset } } }`), "site.reset"},
	{"createJoinToken", auth.Operate, fixed(`mutation { createJoinToken(site: "f", ttl: "2h") { secret token { id } } }`), "join_token.create"},
	{"revokeJoinToken", auth.Operate, func(e *env) string {
		return fmt.Sprintf(`mutation { revokeJoinToken(id: %q) { revokedAt } }`, e.tokenID)
	}, "join_token.revoke"},
	{"putLink", auth.Operate, fixed(`mutation { putLink(site: "b", link: {name: "mpls", colour: "mpls", cost: 5, endpoint: "192.0.2.1:51820"}) { name } }`), "link.put"},
	{"deleteLink", auth.Operate, fixed(`mutation { deleteLink(site: "a", name: "lte") { deletedNodeId } }`), "link.delete"},
	{"addPrefix", auth.Operate, fixed(`mutation { addPrefix(site: "b", prefix: "10.2.0.0/24") { prefix } }`), "prefix.add"},
	{"deletePrefix", auth.Operate, fixed(`mutation { deletePrefix(prefix: "10.1.0.0/24") { deletedNodeId } }`), "prefix.delete"},
	{"setPin", auth.Operate, fixed(`mutation { setPin(input: {site: "a", path: "b/inet->a/inet", match: {protocol: 6, dstPort: 443}, ttl: "1h"}) { id pathId } }`), "pin.set"},
	{"deletePin", auth.Operate, func(e *env) string {
		return fmt.Sprintf(`mutation { deletePin(id: %d) { deletedNodeId } }`, e.pinID)
	}, "pin.delete"},
	{"setPolicySet", auth.Operate, fixed(`mutation { setPolicySet(policySet: {slaClasses: [{name: "gold", maxLatency: "150ms"}],
		policies: [{name: "p1", slaClass: "gold", mode: DUPLICATE}]}) { revision } }`), "policy.set"},
	{"createUser", auth.Administer, fixed(`mutation { createUser(input: {name: "newbie", role: OPERATOR, password: "correct horse"}) { name } }`), "user.create"},
	{"updateUser", auth.Administer, fixed(`mutation { updateUser(name: "existing", input: {role: OPERATOR, disabled: true}) { role disabledAt } }`), "user.update"},
	{"deleteUser", auth.Administer, fixed(`mutation { deleteUser(name: "todelete") { deletedNodeId } }`), "user.delete"},
	{"createAPIKey", auth.Administer, fixed(`mutation { createAPIKey(name: "deploy", role: VIEWER) { secret apiKey { id } } }`), "api_key.create"},
	{"revokeAPIKey", auth.Administer, func(e *env) string {
		return fmt.Sprintf(`mutation { revokeAPIKey(id: %q) { deletedNodeId } }`, e.keyID)
	}, "api_key.revoke"},
}

// TestRoleMatrix tries every operation as admin, operator, viewer and
// with no credentials: what the role grants succeeds, the rest is
// FORBIDDEN (HTTP 401 without credentials), and every mutation, done or
// refused, is in the audit log.
func TestRoleMatrix(t *testing.T) {
	for _, role := range []string{"admin", "operator", "viewer", ""} {
		t.Run("role="+role, func(t *testing.T) {
			e := newEnv(t)
			for _, op := range operations {
				doc := op.doc(e)
				r := e.do(role, doc, nil)
				switch {
				case role == "":
					if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
						t.Errorf("%s: status %d code %q", op.name, r.status, r.code())
					}
				case roles[role].Can(op.perm):
					if len(r.Errors) > 0 {
						t.Errorf("%s: %+v", op.name, r.Errors)
					}
				default:
					if r.code() != "FORBIDDEN" || string(r.Data) != "null" {
						t.Errorf("%s: want FORBIDDEN and no data, got %+v data %s", op.name, r.Errors, r.Data)
					}
				}
			}
			if role == "" {
				return
			}
			entries, err := e.st.AuditLog(context.Background(), store.AuditQuery{Actor: role + "-user", Limit: 1000})
			must(t, err)
			audited := map[string]int{}
			for _, a := range entries {
				audited[a.Action]++
				if a.Role != role || a.UserAgent != "graph-test/1" || a.SourceIP != "127.0.0.1" {
					t.Errorf("audit entry %+v", a)
				}
			}
			for _, op := range operations {
				if op.audit != "" && audited[op.audit] != 1 {
					t.Errorf("%s: %d audit entries %q: %v", op.name, audited[op.audit], op.audit, audited)
				}
			}
		})
	}
}

func TestMutationResults(t *testing.T) {
	e := newEnv(t)
	var tok struct {
		CreateJoinToken struct {
			Secret string
			Token  struct {
				ID                   string
				CreatedAt, ExpiresAt time.Time
			}
		}
	}
	e.ok("operator", `mutation { createJoinToken(site: "f", ttl: "2h") { secret token { id createdAt expiresAt } } }`, nil, &tok)
	ct := tok.CreateJoinToken
	if ct.Secret == "" || ct.Token.ExpiresAt.Sub(ct.Token.CreatedAt) != 2*time.Hour {
		t.Errorf("token %+v", ct)
	}
	var list struct {
		JoinTokens struct{ Nodes []struct{ ID string } }
	}
	e.ok("viewer", `{ joinTokens { nodes { id } } }`, nil, &list)
	if len(list.JoinTokens.Nodes) != 2 || list.JoinTokens.Nodes[0].ID != ct.Token.ID {
		t.Errorf("tokens newest first: %+v", list)
	}

	var ps struct {
		SetPolicySet struct {
			Revision   int
			SLAClasses []struct{ Name, MaxLatency string }
			Policies   []struct{ Name, Mode string }
			Quality    struct{ DegradedBelowScore, RecoverAtScore float64 } `json:"qualityModel"`
			Document   string
		}
	}
	e.ok("operator", `mutation { setPolicySet(policySet: {slaClasses: [{name: "gold", maxLatency: "150ms"}],
		policies: [{name: "p1", slaClass: "gold", mode: DUPLICATE}, {name: "p2", slaClass: "gold", mode: LOAD_BALANCE}],
		qualityModel: {degradedBelowScore: 60, recoverAtScore: 70}}) {
		revision slaClasses { name maxLatency } policies { name mode } qualityModel { degradedBelowScore recoverAtScore } document } }`, nil, &ps)
	got := ps.SetPolicySet
	if len(got.SLAClasses) != 1 || got.SLAClasses[0].MaxLatency != "150ms" || got.Policies[0].Mode != "DUPLICATE" ||
		got.Policies[1].Mode != "LOAD_BALANCE" || got.Quality.DegradedBelowScore != 60 || got.Quality.RecoverAtScore != 70 ||
		!strings.Contains(got.Document, `"quality_model":{"degraded_below_score":60`) {
		t.Errorf("policy set %+v", got)
	}
	e.fails("operator", `mutation($rev: Int) { setPolicySet(policySet: {}, expectedRevision: $rev) { revision } }`,
		map[string]any{"rev": got.Revision - 1}, "STALE", "")
	var classes struct {
		SLAClasses []struct {
			Name    string
			Builtin bool
		}
	}
	e.ok("viewer", `{ slaClasses { name builtin } }`, nil, &classes)
	last := classes.SLAClasses[len(classes.SLAClasses)-1]
	if last.Name != "gold" || last.Builtin {
		t.Errorf("classes %+v", classes)
	}
	var audit struct {
		AuditLog struct {
			Nodes []struct{ Action, Outcome, Detail string }
		}
	}
	e.ok("admin", `{ auditLog(filter: {action: "policy."}) { nodes { action outcome detail } } }`, nil, &audit)
	n := audit.AuditLog.Nodes
	if len(n) != 2 || n[0].Outcome != "FAILURE" || n[1].Outcome != "SUCCESS" || !strings.Contains(n[1].Detail, `"before":{}`) ||
		!strings.Contains(n[1].Detail, "gold") {
		t.Errorf("audit %+v", n)
	}
	var key struct {
		CreateAPIKey struct {
			Secret string
			APIKey struct{ Role, Owner string }
		}
	}
	e.ok("admin", `mutation { createAPIKey(name: "deploy", role: OPERATOR, expiresAt: "2099-01-01T00:00:00Z") { secret apiKey { role owner } } }`, nil, &key)
	if key.CreateAPIKey.Secret == "" || key.CreateAPIKey.APIKey.Role != "OPERATOR" || key.CreateAPIKey.APIKey.Owner != "admin-user" {
		t.Errorf("api key %+v", key)
	}
	all, err := e.st.AuditLog(context.Background(), store.AuditQuery{Limit: 1000})
	must(t, err)
	for _, a := range all {
		if strings.Contains(string(a.Detail), ct.Secret) || strings.Contains(string(a.Detail), key.CreateAPIKey.Secret) {
			t.Errorf("join token secret in the audit log: %s", a.Detail)
		}
	}

	var rev struct{ RevokeSite struct{ State string } }
	e.ok("operator", `mutation { revokeSite(name: "c") { state } }`, nil, &rev)
	if rev.RevokeSite.State != "REVOKED" {
		t.Errorf("revoke %+v", rev)
	}
}

// TestValidationNamesField: bad input is INVALID_ARGUMENT with the field.
func TestValidationNamesField(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ doc, field string }{
		{`mutation { putLink(site: "a", link: {name: "Bad Name", colour: "x"}) { name } }`, "name"},
		{`mutation { putLink(site: "a", link: {name: "x", colour: "x", endpoint: "nowhere"}) { name } }`, "endpoint"},
		{`mutation { putLink(site: "a", link: {name: "x", colour: "x", cost: -1}) { name } }`, "cost"},
		{`mutation { putLink(site: "a", link: {name: "x", colour: "x", listenPort: 70000}) { name } }`, "listen_port"},
		{`mutation { addPrefix(site: "a", prefix: "10.0.0.1/24") { prefix } }`, "prefix"},
		{`mutation { addPrefix(site: "a", prefix: "banana") { prefix } }`, "prefix"},
		{`mutation { createJoinToken(site: "-x") { secret } }`, "site"},
		{`mutation { createJoinToken(site: "f", ttl: "1s") { secret } }`, "ttl"},
		{`mutation { revokeSite(name: "a", reason: "` + strings.Repeat("x", 600) + `") { name } }`, "reason"},
		{`mutation { setPolicySet(policySet: {policies: [{name: "p", slaClass: "nope"}]}) { revision } }`, "policies[0].sla_class"},
		{`mutation { setPolicySet(policySet: {slaClasses: [{name: "g", maxLossPct: 300}]}) { revision } }`, "sla_classes[0].max_loss_pct"},
		{`mutation { setPolicySet(policySet: {qualityModel: {degradedBelowScore: 150}}) { revision } }`, "quality_model.degraded_below_score"},
		{`mutation { createUser(input: {name: " lead", role: VIEWER, password: "a long password"}) { name } }`, "name"},
		{`mutation { createUser(input: {name: "xy", role: VIEWER, password: ""}) { name } }`, "password"},
		{`mutation { createAPIKey(name: "k", role: VIEWER, expiresAt: "2001-01-01T00:00:00Z") { secret } }`, "expires_at"},
		{`{ path(id: "a-b") { id } }`, "id"},
		{`mutation { setPin(input: {site: "a", path: "a/inet"}) { id } }`, "pin.path"},
		{`mutation { setPin(input: {site: "a", path: "a/nope->b/inet"}) { id } }`, "pin.path"},
		{`mutation { setPin(input: {site: "c", path: "a/inet->b/inet"}) { id } }`, "pin.path"},
		{`mutation { setPin(input: {site: "a", path: "a/inet->b/inet", match: {dstPort: 80}}) { id } }`, "pin.match.protocol"},
		{`mutation { setPin(input: {site: "a", path: "a/inet->b/inet", match: {protocol: 300}}) { id } }`, "pin.match.protocol"},
		{`mutation { setPin(input: {site: "a", path: "a/inet->b/inet", match: {src: "10.0.0.1/24"}}) { id } }`, "pin.match.src"},
		{`mutation { setPin(input: {site: "a", path: "a/inet->b/inet", match: {dst: "banana"}}) { id } }`, "pin.match.dst"},
		{`mutation { setPin(input: {site: "a", path: "a/inet->b/inet", ttl: "-1s"}) { id } }`, "ttl"},
		{`mutation { deletePin(id: 0) { deletedNodeId } }`, "id"},
		{`{ pins(site: "Bad Site") { id } }`, "site"},
		{`{ sites(network: "Bad Net") { name } }`, "network"},
	} {
		e.fails("admin", c.doc, nil, "INVALID_ARGUMENT", c.field)
	}
	e.fails("admin", `mutation { addPrefix(site: "b", prefix: "10.1.0.0/24") { prefix } }`, nil, "CONFLICT", "")
	e.fails("admin", `{ site(name: "zz") { name } }`, nil, "NOT_FOUND", "")
	e.fails("admin", `mutation { createJoinToken(site: "f", ttl: "soon") { secret } }`, nil, "INVALID_ARGUMENT", "ttl")
}

// TestSQLMetacharacters puts SQL metacharacters into every filter and
// name argument: each is refused as invalid or matches nothing, and the
// store is intact afterwards.
func TestSQLMetacharacters(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []string{`x' OR '1'='1`, `a'; DROP TABLE sites; --`, `a" OR 1=1 --`, `%`, `_`, `a\`, "a\x00b", `*/ SELECT 1 /*`} {
		vars := map[string]any{"s": bad}
		for _, doc := range []string{
			`query($s: String!) { sites(network: $s) { name } }`,
			`query($s: String!) { sites(filter: {namePrefix: $s}) { name } }`,
			`query($s: String!) { site(name: $s) { name } }`,
			`query($s: String!) { paths(filter: {site: $s}) { totalCount } }`,
			`query($s: ID!) { path(id: $s) { id } }`,
			`query($s: String!) { steeringEvents(filter: {site: $s}) { nodes { kind } } }`,
			`query($s: String!) { steeringEvents(filter: {kind: $s}) { nodes { kind } } }`,
			`query($s: String!) { joinTokens(network: $s) { totalCount } }`,
			`query($s: String!) { auditLog(filter: {actor: $s, action: $s}) { nodes { id } } }`,
			`query($s: String!) { policySet(network: $s) { revision } }`,
			`query($s: ID!) { node(nodeId: $s) { nodeId } }`,
			`mutation($s: String!) { revokeSite(name: $s) { name } }`,
			`mutation($s: String!) { deletePrefix(prefix: $s) { deletedNodeId } }`,
			`mutation($s: String!) { revokeJoinToken(id: $s) { id } }`,
			`query($s: String!) { pins(network: $s) { id } }`,
			`query($s: String!) { pins(site: $s) { id } }`,
			`mutation($s: String!) { setPin(network: $s, input: {site: "a", path: "a/inet->b/inet"}) { id } }`,
			`mutation($s: String!) { setPin(input: {site: $s, path: $s, match: {src: $s, dst: $s}}) { id } }`,
			`mutation($s: String!) { deletePin(network: $s, id: 1) { deletedNodeId } }`,
		} {
			r := e.do("admin", doc, vars)
			switch r.code() {
			case "", "INVALID_ARGUMENT", "NOT_FOUND":
			default:
				t.Errorf("%s with %q: %+v", doc, bad, r.Errors)
			}
			if r.code() == "" && strings.Contains(string(r.Data), `"name":"a"`) && strings.Contains(doc, "namePrefix") {
				t.Errorf("%q matched sites: %s", bad, r.Data)
			}
		}
	}
	var got struct{ Sites []struct{ Name string } }
	e.ok("viewer", `{ sites { name } }`, nil, &got)
	if len(got.Sites) != 4 {
		t.Fatalf("sites after the attempts: %+v", got)
	}
}

// TestPins sets a pin (path given from the other end) as an operator,
// finds it in pins and by its nodeId, and deletes it.
func TestPins(t *testing.T) {
	e := newEnv(t)
	var set struct {
		SetPin struct {
			NodeID, PathID, CreatedBy, ExpiresAt string
			ID                                   int64
			Match                                struct {
				Protocol, DstPort int64
				Src, Dst          *string
			}
		}
	}
	e.ok("operator", `mutation { setPin(input: {site: "a", path: "b/inet->a/inet", match: {protocol: 6, dst: "10.2.0.0/24", dstPort: 443}, ttl: "1h"}) {
		nodeId id pathId createdBy expiresAt match { protocol dstPort src dst } } }`, nil, &set)
	p := set.SetPin
	if p.PathID != "a/inet->b/inet" || p.CreatedBy != "operator-user" || p.ExpiresAt == "" || p.Match.Protocol != 6 ||
		p.Match.DstPort != 443 || p.Match.Src != nil || p.Match.Dst == nil || *p.Match.Dst != "10.2.0.0/24" {
		t.Fatalf("setPin: %+v", p)
	}
	var list struct{ Pins []struct{ ID int64 } }
	e.ok("viewer", `{ pins(site: "a") { id } }`, nil, &list)
	if len(list.Pins) != 2 || list.Pins[1].ID != p.ID {
		t.Fatalf("pins: %+v", list.Pins)
	}
	var node struct{ Node struct{ PathID string } }
	e.ok("viewer", `query($id: ID!) { node(nodeId: $id) { ... on Pin { pathId } } }`, map[string]any{"id": p.NodeID}, &node)
	if node.Node.PathID != p.PathID {
		t.Fatalf("node: %+v", node)
	}
	var del struct {
		DeletePin struct{ DeletedNodeID string }
	}
	e.ok("operator", fmt.Sprintf(`mutation { deletePin(id: %d) { deletedNodeId } }`, p.ID), nil, &del)
	if del.DeletePin.DeletedNodeID != p.NodeID {
		t.Fatalf("deletePin: %+v", del)
	}
	e.fails("operator", fmt.Sprintf(`mutation { deletePin(id: %d) { deletedNodeId } }`, p.ID), nil, "NOT_FOUND", "")
}
