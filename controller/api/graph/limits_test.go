package graph_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDepthLimit: the schema's deepest selection is 7 levels, under the
// default limit of 10; a lower limit refuses deeper ones, counted through
// fragments.
func TestDepthLimit(t *testing.T) {
	deep := `{ sitesConnection { edges { node { paths { history(from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z") {
		points { at } } } } } } }`
	viaFragments := `fragment P on Path { history(from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z") { points { at } } }
		fragment S on Site { paths { ...P } }
		{ sitesConnection { edges { node { ... on Site { ...S } } } } }`
	e := newEnv(t)
	e.ok("viewer", deep, nil, nil)
	e.ok("viewer", viaFragments, nil, nil)
	low := newEnvWith(t, func(_ *env, c *graph.Config) { c.MaxDepth = 4 })
	low.fails("viewer", deep, nil, "DEPTH_LIMIT_EXCEEDED", "")
	low.fails("viewer", viaFragments, nil, "DEPTH_LIMIT_EXCEEDED", "")
	low.ok("viewer", `{ sites { name paths { id state } } }`, nil, nil)
}

func TestComplexityLimit(t *testing.T) {
	e := newEnv(t)
	// first multiplies a connection's cost: 1000 × (node + 6 fields) is over 5000.
	e.fails("viewer", `{ paths(first: 1000) { nodes { id state latencyMs jitterMs lossPct measuredAt } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "")
	e.ok("viewer", `{ paths(first: 100) { nodes { id state latencyMs jitterMs lossPct measuredAt } } }`, nil, nil)
}

func TestIntrospectionSignedIn(t *testing.T) {
	e := newEnv(t)
	var got struct {
		Schema struct {
			QueryType struct{ Name string }
			Types     []struct{ Name string }
		} `json:"__schema"`
	}
	e.ok("viewer", `{ __schema { queryType { name } types { name fields { name type { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name } } } } } } } } }`, nil, &got)
	if got.Schema.QueryType.Name != "Query" || len(got.Schema.Types) < 20 {
		t.Errorf("introspection %+v", got.Schema.QueryType)
	}
	if r := e.do("", `{ __schema { queryType { name } } }`, nil); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous introspection: status %d", r.status)
	}
}

// TestPersistedQuery: a query sent once with its hash is then run by
// the hash alone.
func TestPersistedQuery(t *testing.T) {
	e := newEnv(t)
	q := `{ sites { name } }`
	sum := sha256.Sum256([]byte(q))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	if r := e.post("viewer", map[string]any{"extensions": ext}); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %+v", r.Errors)
	}
	if r := e.post("viewer", map[string]any{"query": q, "extensions": ext}); len(r.Errors) > 0 {
		t.Fatalf("register: %+v", r.Errors)
	}
	r := e.post("viewer", map[string]any{"extensions": ext})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"a"`) {
		t.Fatalf("by hash: %+v %s", r.Errors, r.Data)
	}
	// And by GET, as a CDN would cache it.
	extJSON, err := json.Marshal(ext)
	must(t, err)
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v2/graphql?extensions="+url.QueryEscape(string(extJSON)), nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer viewer")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"a"`) {
		t.Fatalf("GET by hash: %d %s", resp.StatusCode, body)
	}
}

// TestGETRefusesMutations: GET runs queries only.
func TestGETRefusesMutations(t *testing.T) {
	e := newEnv(t)
	q := url.QueryEscape(`mutation { revokeSite(name: "a") { state } }`)
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v2/graphql?query="+q, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer admin")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatalf("a mutation by GET: %d", resp.StatusCode)
	}
	var got struct{ Site struct{ State string } }
	e.ok("viewer", `{ site(name: "a") { state } }`, nil, &got)
	if got.Site.State != "ENROLLED" {
		t.Fatalf("site a is %s after a GET mutation", got.Site.State)
	}
}

func TestBodyBounded(t *testing.T) {
	e := newEnv(t)
	r := e.post("viewer", map[string]any{"query": "{ sites { name } }", "variables": map[string]any{"pad": strings.Repeat("x", 2<<20)}})
	if r.status == http.StatusOK && len(r.Errors) == 0 {
		t.Fatalf("a 2 MiB body was accepted")
	}
}
