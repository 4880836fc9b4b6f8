package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/patronus-sdwan/patronus/controller/api"
	"github.com/patronus-sdwan/patronus/controller/api/rest"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// spec is the OpenAPI document as served, with a router over it.
type spec struct {
	doc    *openapi3.T
	router routers.Router
	// seen records "METHOD /path" of every operation exercised.
	seen map[string]map[int]bool
}

func loadSpec(t *testing.T, e *env) *spec {
	t.Helper()
	resp, body := e.do(req{method: "GET", path: "/api/v1/openapi.json"})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	// Route against the test server: the document's server is /api/v1.
	doc.Servers = openapi3.Servers{{URL: e.srv.URL + "/api/v1"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &spec{doc: doc, router: router, seen: map[string]map[int]bool{}}
}

// step is one request of the script and the status it must get.
type step struct {
	req
	want int
	// invalid: the request breaks the document on purpose (the test of
	// the error answer); only the response is validated.
	invalid bool
}

// run sends s, checks its status, and validates the request (unless it
// is invalid on purpose) and the response against the document.
func (sp *spec) run(t *testing.T, e *env, s step) []byte {
	t.Helper()
	hr := e.newRequest(s.req)
	route, params, err := sp.router.FindRoute(hr)
	if err != nil {
		t.Fatalf("%s %s: not in the document: %v", s.method, s.path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
	if s.body != "" {
		hr.Body = io.NopCloser(strings.NewReader(s.body))
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && !s.invalid {
		t.Fatalf("%s %s: request does not match the document: %v", s.method, s.path, err)
	} else if err == nil && s.invalid {
		t.Fatalf("%s %s: meant to break the document but matches it", s.method, s.path)
	}
	if s.body != "" {
		hr.Body = io.NopCloser(strings.NewReader(s.body))
	}
	resp, body := e.send(hr)
	if resp.StatusCode != s.want {
		t.Fatalf("%s %s: status %d, want %d: %s", s.method, s.path, resp.StatusCode, s.want, body)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s %s: response %d does not match the document: %v\n%s", s.method, s.path, resp.StatusCode, err, body)
	}
	if resp.StatusCode >= 400 {
		apiError(t, body)
	}
	key := route.Method + " " + route.Path
	if sp.seen[key] == nil {
		sp.seen[key] = map[int]bool{}
	}
	sp.seen[key][resp.StatusCode] = true
	return body
}

func field(t *testing.T, body []byte, name string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	s, _ := v[name].(string)
	return s
}

// numField is a number field of a JSON object, as text ("" if absent).
func numField(t *testing.T, body []byte, name string) string {
	t.Helper()
	var v map[string]json.RawMessage
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return string(v[name])
}

const (
	adm = "tok-admin"
	opr = "tok-operator"
	vwr = "tok-viewer"
)

// TestOpenAPI runs every route, with successes and errors, through the
// API over HTTP and validates each request and response against the
// served OpenAPI document; then checks that the document lists exactly
// the routes served and that each of its operations was exercised with a
// success and an error.
func TestOpenAPI(t *testing.T) {
	var svc *auth.Service
	var st0 store.Store
	e := newEnvWith(t, func(st store.Store, c *api.Config) {
		st0 = st
		var err error
		svc, err = auth.New(auth.Config{Store: st.(store.AuthStore), Argon2: auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}})
		if err != nil {
			t.Fatal(err)
		}
		c.AuthHandler = svc.Handler()
	})
	if _, err := svc.CreateUser(context.Background(), auth.NewUser{Name: "olga", Role: auth.RoleOperator, Password: "a long enough passphrase"}); err != nil {
		t.Fatal(err)
	}
	sp := loadSpec(t, e)
	run := func(s step) []byte { t.Helper(); return sp.run(t, e, s) }
	G := func(path, tok string, want int) step {
		return step{req: req{method: "GET", path: path, token: tok}, want: want}
	}
	W := func(method, path, tok, body string, want int) step {
		return step{req: req{method: method, path: path, token: tok, body: body}, want: want}
	}
	bad := func(s step) step { s.invalid = true; return s }
	const n = "/api/v1/networks/default"

	// Sign-in (the auth service's handler).
	const login = "/api/v1/auth/login"
	run(W("POST", login, "", `{"username":"olga","password":"wrong"}`, 401))
	run(bad(W("POST", login, "", `{"username":"olga"}`, 400)))
	var session struct{ AccessToken, RefreshToken string }
	body := run(W("POST", login, "", `{"username":"olga","password":"a long enough passphrase"}`, 200))
	session.AccessToken, session.RefreshToken = field(t, body, "access_token"), field(t, body, "refresh_token")
	body = run(W("POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+session.RefreshToken+`"}`, 200))
	run(G("/api/v1/auth/me", field(t, body, "access_token"), 200))
	run(G("/api/v1/auth/me", "", 401))
	run(W("POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+session.RefreshToken+`"}`, 401)) // spent: the sign-in ends
	run(W("POST", "/api/v1/auth/logout-all", "", "", 401))
	run(W("POST", "/api/v1/auth/logout", "", "", 401))
	body = run(W("POST", login, "", `{"username":"olga","password":"a long enough passphrase"}`, 200))
	run(W("POST", "/api/v1/auth/logout", field(t, body, "access_token"), "", 204))
	body = run(W("POST", login, "", `{"username":"olga","password":"a long enough passphrase"}`, 200))
	run(W("POST", "/api/v1/auth/logout-all", field(t, body, "access_token"), "", 204))

	// Networks, with pagination.
	page := run(G("/api/v1/networks?limit=1", vwr, 200))
	next := field(t, page, "next_page_token")
	if next == "" {
		t.Fatalf("no next_page_token with limit=1 of 2 networks: %s", page)
	}
	last := run(G("/api/v1/networks?limit=1&page_token="+url.QueryEscape(next), vwr, 200))
	if !strings.Contains(string(last), `"lab"`) || strings.Contains(string(last), "next_page_token") {
		t.Fatalf("second page: %s", last)
	}
	run(bad(G("/api/v1/networks?limit=0", vwr, 400)))
	run(G("/api/v1/networks?page_token=bm9wZQ", vwr, 400))
	run(G("/api/v1/networks", "", 401))
	run(G(n, vwr, 200))
	run(G("/api/v1/networks/nope", vwr, 404))

	// Sites.
	run(G(n+"/sites?state=enrolled&online=false&name_prefix=a", vwr, 200))
	run(bad(G(n+"/sites?online=maybe", vwr, 400)))
	run(G(n+"/sites/a", vwr, 200))
	run(G(n+"/sites/zz", vwr, 404))

	// Links: PUT is idempotent.
	link := `{"colour":"lte","cost":10,"bandwidth_kbps":50000,"endpoint":"198.51.100.7:51820"}`
	first := run(W("PUT", n+"/sites/a/links/lte", opr, link, 200))
	again := run(W("PUT", n+"/sites/a/links/lte", opr, link, 200))
	if !bytes.Equal(first, again) {
		t.Fatalf("PUT twice differs:\n%s\n%s", first, again)
	}
	run(bad(W("PUT", n+"/sites/a/links/lte", opr, `{"colour":5}`, 400)))
	run(bad(W("PUT", n+"/sites/a/links/lte", opr, `{"colour":`, 400)))
	run(W("PUT", n+"/sites/a/links/lte", opr, `{"colour":"LTE!"}`, 400))
	run(W("PUT", n+"/sites/a/links/lte", vwr, link, 403))
	run(W("PUT", n+"/sites/zz/links/lte", opr, link, 404))
	run(G(n+"/sites/a/links?limit=1", vwr, 200))
	run(G(n+"/sites/zz/links", vwr, 404))
	run(W("DELETE", n+"/sites/a/links/lte", opr, "", 204))
	run(W("DELETE", n+"/sites/a/links/lte", opr, "", 404))

	// Prefixes.
	run(W("POST", n+"/sites/a/prefixes", opr, `{"prefix":"10.1.0.0/24"}`, 201))
	run(W("POST", n+"/sites/b/prefixes", opr, `{"prefix":"10.1.0.0/24"}`, 409))
	run(W("POST", n+"/sites/a/prefixes", opr, `{"prefix":"10.1.0.1/24"}`, 400))
	run(bad(W("POST", n+"/sites/a/prefixes", opr, `{"prefix":"10.2.0.0/24","owner":"b"}`, 400)))
	run(G(n+"/prefixes?site=a", vwr, 200))
	run(G(n+"/prefixes?site=%21bad", vwr, 400))
	run(W("DELETE", n+"/prefixes/10.1.0.0/24", opr, "", 204))
	run(W("DELETE", n+"/prefixes/10.1.0.0/24", opr, "", 404))

	// Join tokens: the secret once.
	tok := run(W("POST", n+"/join-tokens", opr, `{"site":"c","ttl":"1h"}`, 201))
	id := field(t, tok, "id")
	if field(t, tok, "token") == "" || id == "" {
		t.Fatalf("created join token: %s", tok)
	}
	run(W("POST", n+"/join-tokens", opr, `{"site":"C!"}`, 400))
	run(W("POST", n+"/join-tokens", opr, `{"site":"c","ttl":"soon"}`, 400))
	list := run(G(n+"/join-tokens", vwr, 200))
	if strings.Contains(string(list), field(t, tok, "token")) {
		t.Fatal("a join token's secret is listed")
	}
	run(G("/api/v1/networks/nope/join-tokens", vwr, 404))
	run(W("POST", n+"/join-tokens/"+id+"/revoke", opr, "", 200))
	run(W("POST", n+"/join-tokens/"+id+"/revoke", opr, "", 200)) // idempotent
	run(W("POST", n+"/join-tokens/0123456789abcdef/revoke", opr, "", 404))

	// BGP: a site's speaker with its edge's report and learned prefixes;
	// never a password.
	ctx := context.Background()
	if err := st0.PutSiteBGP(ctx, "default", "a", store.SiteBGP{LocalAS: 4200000001, Neighbors: []store.BGPNeighbor{
		{Address: "10.1.0.2", RemoteAS: 65001, Password: "md5-s3cret", BFD: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := st0.SetBGPStatus(ctx, "default", "a", store.BGPStatus{At: time.Now(), LocalAS: 4200000001, Neighbors: []store.BGPNeighborStatus{
		{Address: "10.1.0.2", RemoteAS: 65001, State: "idle", Reason: "prefix limit", Received: 7, BFDState: "up"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st0.SetLearnedPrefixes(ctx, "default", "a", []netip.Prefix{netip.MustParsePrefix("fd64:100:1::/48")}); err != nil {
		t.Fatal(err)
	}
	bgpList := string(run(G(n+"/bgp?site=a", vwr, 200)))
	for _, want := range []string{`"state":"idle"`, `"reason":"prefix limit"`, `"password_set":true`, `"learned_prefixes":["fd64:100:1::/48"]`} {
		if !strings.Contains(bgpList, want) {
			t.Errorf("bgp: %s missing from %s", want, bgpList)
		}
	}
	if strings.Contains(bgpList, "s3cret") {
		t.Fatalf("bgp shows a password: %s", bgpList)
	}
	run(G(n+"/bgp?site=%21bad", vwr, 400))
	run(G("/api/v1/networks/nope/bgp", vwr, 404))
	run(G(n+"/bgp", "", 401))

	// Path pins: set from the other end, listed, replaced by the same
	// match, refused by field, deleted.
	pin := run(W("POST", n+"/pins", opr, `{"site":"a","path":"b/inet->a/inet","match":{"protocol":6,"dst":"10.2.0.0/24","dst_port":443},"ttl":"1h"}`, 200))
	pinID := numField(t, pin, "id")
	if field(t, pin, "path_id") != "a/inet->b/inet" || field(t, pin, "created_by") == "" || field(t, pin, "expires_at") == "" {
		t.Fatalf("set pin: %s", pin)
	}
	again = run(W("POST", n+"/pins", opr, `{"site":"a","path":"a/inet->b/inet","match":{"protocol":6,"dst":"10.2.0.0/24","dst_port":443}}`, 200))
	if numField(t, again, "id") != pinID || strings.Contains(string(again), "expires_at") {
		t.Fatalf("pin set again: %s", again)
	}
	for _, c := range []struct{ body, field string }{
		{`{"site":"a","path":"a/inet"}`, "pin.path"},
		{`{"site":"a","path":"a/inet->b/nope"}`, "pin.path"},
		{`{"site":"a","path":"a/inet->b/inet","match":{"dst_port":80}}`, "pin.match.protocol"},
		{`{"site":"a","path":"a/inet->b/inet","match":{"src":"10.0.0.1/24"}}`, "pin.match.src"},
		{`{"site":"a","path":"a/inet->b/inet","ttl":"-1s"}`, "ttl"},
		{`{"site":"a","path":"a/inet->b/inet","ttl":"soon"}`, "ttl"},
	} {
		if _, f, _ := apiError(t, run(W("POST", n+"/pins", opr, c.body, 400))); f != c.field {
			t.Errorf("pin %s: field %q, want %q", c.body, f, c.field)
		}
	}
	run(bad(W("POST", n+"/pins", opr, `{"site":"a","path":"a/inet->b/inet","match":{"protocol":300}}`, 400)))
	run(bad(W("POST", n+"/pins", opr, `{"site":"a","path":"a/inet->b/inet","via":"x"}`, 400)))
	run(W("POST", n+"/pins", vwr, `{"site":"a","path":"a/inet->b/inet"}`, 403))
	if pins := run(G(n+"/pins?site=a", vwr, 200)); !strings.Contains(string(pins), `"path_id":"a/inet->b/inet"`) {
		t.Fatalf("pins: %s", pins)
	}
	run(G(n+"/pins?site=%21bad", vwr, 400))
	run(W("DELETE", n+"/pins/"+pinID, vwr, "", 403))
	run(W("DELETE", n+"/pins/"+pinID, opr, "", 204))
	run(W("DELETE", n+"/pins/"+pinID, opr, "", 404))
	run(W("DELETE", n+"/pins/x1", opr, "", 400))

	// Paths, their history, events.
	paths := run(G(n+"/paths?site=a&state=UP", vwr, 200))
	if !strings.Contains(string(paths), `"a/inet->b/inet"`) || !strings.Contains(string(paths), `"UP"`) {
		t.Fatalf("paths: %s", paths)
	}
	run(bad(G(n+"/paths?state=sideways", vwr, 400)))
	run(G("/api/v1/networks/nope/paths", vwr, 404))
	pid := url.PathEscape("b/inet->a/inet")
	run(G(n+"/paths/"+pid, vwr, 200))
	run(G(n+"/paths/garbage", vwr, 400))
	run(G(n+"/paths/"+url.PathEscape("a/inet->z/inet"), vwr, 404))
	hist := run(G(n+"/paths/"+pid+"/history", vwr, 200))
	if !strings.Contains(string(hist), `"resolution":"raw"`) || !strings.Contains(string(hist), `"latency_ms":12`) {
		t.Fatalf("history: %s", hist)
	}
	run(bad(G(n+"/paths/"+pid+"/history?from=yesterday", vwr, 400)))
	run(G(n+"/paths/garbage/history", vwr, 400))
	e.live.Observe(flowsEvent("default", "b", "b/inet->a/inet", time.Now()))
	flows := run(G(n+"/paths/"+pid+"/flows", vwr, 200))
	if !strings.Contains(string(flows), `"reported_by":"b","src":"10.2.0.2","dst":"10.1.0.2","src_port":40000,"dst_port":873,"protocol":6,"application":"rsync"`) ||
		!strings.Contains(string(flows), `"tx_bytes":5000000,"rx_bytes":70000`) {
		t.Fatalf("flows: %s", flows)
	}
	run(G(n+"/paths/garbage/flows", vwr, 400))
	run(G(n+"/paths/"+url.PathEscape("a/inet->z/inet")+"/flows", vwr, 404))
	run(G(n+"/events?site=a&kind=path_down", vwr, 200))
	run(bad(G(n+"/events?since=later", vwr, 400)))
	run(G("/api/v1/networks/nope/events", vwr, 404))
	traffic := run(G(n+"/application-traffic?path="+pid, vwr, 200))
	if !strings.Contains(string(traffic), `"application":"web","flows":2,"bytes_sent":3000`) {
		t.Fatalf("application traffic: %s", traffic)
	}
	run(G(n+"/application-traffic?site=b&limit=5&since=2026-01-01T00:00:00Z", vwr, 200))
	run(bad(G(n+"/application-traffic?limit=0", vwr, 400)))
	run(bad(G(n+"/application-traffic?until=later", vwr, 400)))
	run(G("/api/v1/networks/nope/application-traffic", vwr, 404))

	// The policy set: ETag and If-Match.
	ps := sp.runResp(t, e, G(n+"/policy-set", vwr, 200))
	doc := `{"document":{"sla_classes":[{"name":"gold","max_latency":"0.150s"}],"policies":[{"name":"p","sla_class":"gold"}]}}`
	put := step{req: req{method: "PUT", path: n + "/policy-set", token: opr, body: doc, header: map[string]string{"If-Match": ps.Header.Get("ETag")}}, want: 200}
	run(put)
	put.want = 412 // the same ETag again: stale now
	run(put)
	run(W("PUT", n+"/policy-set", opr, `{"document":{"policies":[{"name":"p","sla_class":"none"}]}}`, 400))
	run(bad(W("PUT", n+"/policy-set", opr, `{}`, 400)))
	run(W("PUT", "/api/v1/networks/nope/policy-set", opr, `{"document":{}}`, 404))
	run(G("/api/v1/networks/nope/policy-set", vwr, 404))

	// Sites: reset, revoke, delete.
	reset := run(W("POST", n+"/sites/a/reset", opr, `{"ttl":"2h"}`, 201))
	if numField(t, reset, "reset") != "true" || field(t, reset, "token") == "" {
		t.Fatalf("reset answer: %s", reset)
	}
	run(W("POST", n+"/sites/a/reset", opr, "", 201))
	run(W("POST", n+"/sites/a/reset", opr, `{"ttl":"soon"}`, 400))
	run(W("POST", n+"/sites/zz/reset", opr, "", 404))
	run(W("POST", n+"/sites/b/revoke", opr, `{"reason":"laptop stolen"}`, 200))
	run(W("POST", n+"/sites/zz/revoke", opr, "", 404))
	run(W("DELETE", n+"/sites/b", opr, "", 204))
	run(W("DELETE", n+"/sites/b", opr, "", 404))

	// Users and API keys: admins only.
	run(W("POST", "/api/v1/users", adm, `{"name":"alice","role":"viewer","password":"correct horse battery"}`, 201))
	run(W("POST", "/api/v1/users", adm, `{"name":"alice","role":"viewer","password":"correct horse battery"}`, 409))
	run(bad(W("POST", "/api/v1/users", adm, `{"name":"bob","role":"god","password":"correct horse battery"}`, 400)))
	run(W("POST", "/api/v1/users", opr, `{"name":"bob","role":"viewer","password":"correct horse battery"}`, 403))
	run(G("/api/v1/users", adm, 200))
	run(G("/api/v1/users?limit=5000", adm, 400).withInvalid())
	run(G("/api/v1/users/alice", adm, 200))
	run(G("/api/v1/users/nobody", adm, 404))
	run(W("PATCH", "/api/v1/users/alice", adm, `{"role":"operator","disabled":true}`, 200))
	run(bad(W("PATCH", "/api/v1/users/alice", adm, `{"disabled":"yes"}`, 400)))
	run(W("PATCH", "/api/v1/users/nobody", adm, `{"disabled":false}`, 404))
	run(W("DELETE", "/api/v1/users/alice", adm, "", 204))
	run(W("DELETE", "/api/v1/users/alice", adm, "", 404))
	key := run(W("POST", "/api/v1/api-keys", adm, `{"name":"ci","role":"viewer","expires_at":"2030-01-01T00:00:00Z"}`, 201))
	if field(t, key, "key") == "" {
		t.Fatalf("created API key: %s", key)
	}
	run(bad(W("POST", "/api/v1/api-keys", adm, `{"name":"ci","role":"root"}`, 400)))
	run(G("/api/v1/api-keys", adm, 200))
	run(G("/api/v1/api-keys", opr, 403))
	run(W("POST", "/api/v1/api-keys/"+field(t, key, "id")+"/revoke", adm, "", 204))
	run(W("POST", "/api/v1/api-keys/nope/revoke", adm, "", 404))

	// The audit log: newest first, paged by ID.
	a1 := run(G("/api/v1/audit-log?limit=2&action=site.", adm, 200))
	if !strings.Contains(string(a1), `"site.delete"`) || !strings.Contains(string(a1), `"source_ip":"127.0.0.1","user_agent":"Go-http-client/1.1"`) {
		t.Fatalf("audit log: %s", a1)
	}
	a2 := run(G("/api/v1/audit-log?limit=2&action=site.&page_token="+url.QueryEscape(field(t, a1, "next_page_token")), adm, 200))
	if !strings.Contains(string(a2), `"site.revoke"`) {
		t.Fatalf("audit log, page 2: %s", a2)
	}
	run(G("/api/v1/audit-log?page_token=garbage", adm, 400))
	run(G("/api/v1/audit-log", opr, 403))

	// Alerts and their webhooks: viewers read alerts, admins manage
	// webhooks; a drawn secret once, never listed.
	run(G("/api/v1/alerts", vwr, 200))
	run(G("/api/v1/alerts", "", 401))
	hook := run(W("POST", "/api/v1/alert-webhooks", adm, `{"url":"http://127.0.0.1:1/hook","slack":true}`, 201))
	hookID, secret := numField(t, hook, "id"), field(t, hook, "secret")
	if secret == "" || hookID == "" {
		t.Fatalf("added webhook: %s", hook)
	}
	for _, c := range []struct{ body, field string }{
		{`{"url":"ftp://x.example/y"}`, "url"},
		{`{"url":"http://127.0.0.1:1/x","secret":"short"}`, "secret"},
	} {
		if _, f, _ := apiError(t, run(W("POST", "/api/v1/alert-webhooks", adm, c.body, 400))); f != c.field {
			t.Errorf("webhook %s: field %q, want %q", c.body, f, c.field)
		}
	}
	run(bad(W("POST", "/api/v1/alert-webhooks", adm, `{"url":"http://x.example","kind":"x"}`, 400)))
	run(W("POST", "/api/v1/alert-webhooks", opr, `{"url":"http://127.0.0.1:1/x"}`, 403))
	if hooks := run(G("/api/v1/alert-webhooks", adm, 200)); strings.Contains(string(hooks), secret) || !strings.Contains(string(hooks), `"slack":true`) {
		t.Fatalf("webhooks: %s", hooks)
	}
	run(G("/api/v1/alert-webhooks", vwr, 403))
	if res := run(W("POST", "/api/v1/alert-webhooks/"+hookID+"/test", adm, "", 200)); !strings.Contains(string(res), `"delivered":false`) {
		t.Fatalf("test: %s", res)
	}
	run(W("POST", "/api/v1/alert-webhooks/999/test", adm, "", 404))
	run(W("DELETE", "/api/v1/alert-webhooks/"+hookID, opr, "", 403))
	run(W("DELETE", "/api/v1/alert-webhooks/"+hookID, adm, "", 204))
	run(W("DELETE", "/api/v1/alert-webhooks/"+hookID, adm, "", 404))
	run(W("DELETE", "/api/v1/alert-webhooks/x", adm, "", 400))

	// Bodies: too large, not JSON.
	big := `{"document":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`
	run(W("PUT", n+"/policy-set", opr, big, 413))
	run(step{req: req{method: "POST", path: n + "/join-tokens", token: opr, body: "site=c", header: map[string]string{"Content-Type": "text/plain"}}, want: 415, invalid: true})

	sp.checkCoverage(t, e)
}

// withInvalid marks a step as breaking the document on purpose.
func (s step) withInvalid() step { s.invalid = true; return s }

// runResp is run returning the response (for its headers).
func (sp *spec) runResp(t *testing.T, e *env, s step) *http.Response {
	t.Helper()
	sp.run(t, e, s)
	resp, _ := e.do(s.req)
	return resp
}

// checkCoverage: the document's operations are exactly the routes served,
// and each was run with a success and an error.
func (sp *spec) checkCoverage(t *testing.T, e *env) {
	t.Helper()
	h, err := rest.New(rest.Config{Manage: e.svc})
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for _, r := range h.Routes() {
		method, pattern, _ := strings.Cut(r, " ")
		served = append(served, method+" "+strings.TrimPrefix(pattern, "/api/v1"))
	}
	var documented, exercised []string
	for path, item := range sp.doc.Paths.Map() {
		for method := range item.Operations() {
			exercised = append(exercised, method+" "+path)
			if !strings.HasPrefix(path, "/auth/") { // the auth service's routes
				documented = append(documented, method+" "+path)
			}
		}
	}
	sort.Strings(served)
	sort.Strings(documented)
	if !slices.Equal(served, documented) {
		t.Errorf("routes served and documented differ:\nserved:     %v\ndocumented: %v", served, documented)
	}
	for _, op := range exercised {
		var ok, failed bool
		for status, seen := range sp.seen[op] {
			ok = ok || seen && status < 300
			failed = failed || seen && status >= 400
		}
		if !ok || !failed {
			t.Errorf("%s: not run with both a success and an error (%v)", op, sp.seen[op])
		}
	}
}
