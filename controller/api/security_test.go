package api_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api"
	"github.com/patronus-sdwan/patronus/controller/api/rest"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// restRoutes lists the REST routes as "METHOD pattern".
func restRoutes(t *testing.T, e *env) []string {
	t.Helper()
	h, err := rest.New(rest.Config{Manage: e.svc})
	if err != nil {
		t.Fatal(err)
	}
	return h.Routes()
}

// concrete fills a route pattern's wildcards with names of the seeded
// network.
func concrete(pattern string) string {
	pattern = strings.Replace(pattern, "/pins/{id}", "/pins/1", 1) // pin ids are integers
	pattern = strings.Replace(pattern, "/alert-webhooks/{id}", "/alert-webhooks/1", 1)
	return strings.NewReplacer("{network}", "default", "{site}", "a", "{link}", "inet", "{addr}", "10.9.0.0", "{bits}", "24",
		"{id}", "0123456789abcdef", "{path}", url.PathEscape("a/inet->b/inet"), "{name}", "ada").Replace(pattern)
}

// bodyFor is a well-formed body for routes that take one, so that the
// request reaches the role check (a malformed request is 400 whoever
// sends it).
func bodyFor(method, pattern string) string {
	switch {
	case strings.HasSuffix(pattern, "/policy-set") && method == "PUT":
		return `{"document":{}}`
	case method == "POST" || method == "PUT" || method == "PATCH":
		return "{}"
	}
	return ""
}

// TestUnauthenticated: every route but the public ones answers 401 with
// WWW-Authenticate: Bearer and the error shape without credentials, with
// a token not known and with a scheme other than Bearer.
func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, nil)
	routes := append(restRoutes(t, e), "POST /api/v2/graphql", "GET /api/v2/graphql")
	for _, r := range routes {
		method, pattern, _ := strings.Cut(r, " ")
		for _, authz := range []string{"", "Bearer not-a-token", "Basic YWRhOnB3", "Bearer "} {
			rq := req{method: method, path: concrete(pattern), body: bodyFor(method, pattern), header: map[string]string{}}
			if authz != "" {
				rq.header["Authorization"] = authz
			}
			resp, body := e.do(rq)
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("%s with Authorization %q: %d %q, want 401 and WWW-Authenticate: Bearer", r, authz, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			if code, _, _ := apiError(t, body); code != "unauthenticated" {
				t.Fatalf("%s: code %s", r, code)
			}
		}
	}
	// The public ones.
	if resp, _ := e.do(req{method: "GET", path: "/api/v1/openapi.json"}); resp.StatusCode != 200 {
		t.Fatalf("openapi.json without credentials: %d", resp.StatusCode)
	}
}

// TestAuthRoutesPublic: /api/v1/auth/ reaches the auth handler without
// credentials, through the shared middleware.
func TestAuthRoutesPublic(t *testing.T) {
	e := newEnv(t, func(c *api.Config) {
		c.AuthHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
		})
	})
	resp, _ := e.do(req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"a","password":"b"}`})
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("auth route: %d %v", resp.StatusCode, resp.Header)
	}
}

// permissions is what each REST route needs; the test fails for a route
// missing here.
var permissions = map[string]auth.Permission{
	"GET /api/v1/networks":                                        auth.Read,
	"GET /api/v1/networks/{network}":                              auth.Read,
	"GET /api/v1/networks/{network}/sites":                        auth.Read,
	"GET /api/v1/networks/{network}/sites/{site}":                 auth.Read,
	"DELETE /api/v1/networks/{network}/sites/{site}":              auth.Operate,
	"POST /api/v1/networks/{network}/sites/{site}/revoke":         auth.Operate,
	"POST /api/v1/networks/{network}/sites/{site}/reset":          auth.Operate,
	"GET /api/v1/networks/{network}/sites/{site}/links":           auth.Read,
	"PUT /api/v1/networks/{network}/sites/{site}/links/{link}":    auth.Operate,
	"DELETE /api/v1/networks/{network}/sites/{site}/links/{link}": auth.Operate,
	"GET /api/v1/networks/{network}/prefixes":                     auth.Read,
	"POST /api/v1/networks/{network}/sites/{site}/prefixes":       auth.Operate,
	"DELETE /api/v1/networks/{network}/prefixes/{addr}/{bits}":    auth.Operate,
	"GET /api/v1/networks/{network}/join-tokens":                  auth.Read,
	"POST /api/v1/networks/{network}/join-tokens":                 auth.Operate,
	"POST /api/v1/networks/{network}/join-tokens/{id}/revoke":     auth.Operate,
	"GET /api/v1/networks/{network}/pins":                         auth.Read,
	"POST /api/v1/networks/{network}/pins":                        auth.Operate,
	"DELETE /api/v1/networks/{network}/pins/{id}":                 auth.Operate,
	"GET /api/v1/networks/{network}/paths":                        auth.Read,
	"GET /api/v1/networks/{network}/paths/{path}":                 auth.Read,
	"GET /api/v1/networks/{network}/paths/{path}/history":         auth.Read,
	"GET /api/v1/networks/{network}/paths/{path}/flows":           auth.Read,
	"GET /api/v1/networks/{network}/events":                       auth.Read,
	"GET /api/v1/networks/{network}/application-traffic":          auth.Read,
	"GET /api/v1/networks/{network}/bgp":                          auth.Read,
	"GET /api/v1/networks/{network}/policy-set":                   auth.Read,
	"PUT /api/v1/networks/{network}/policy-set":                   auth.Operate,
	"GET /api/v1/audit-log":                                       auth.Administer,
	"GET /api/v1/users":                                           auth.Administer,
	"POST /api/v1/users":                                          auth.Administer,
	"GET /api/v1/users/{name}":                                    auth.Administer,
	"PATCH /api/v1/users/{name}":                                  auth.Administer,
	"DELETE /api/v1/users/{name}":                                 auth.Administer,
	"GET /api/v1/api-keys":                                        auth.Administer,
	"POST /api/v1/api-keys":                                       auth.Administer,
	"POST /api/v1/api-keys/{id}/revoke":                           auth.Administer,
	"GET /api/v1/alerts":                                          auth.Read,
	"GET /api/v1/alert-webhooks":                                  auth.Administer,
	"POST /api/v1/alert-webhooks":                                 auth.Administer,
	"DELETE /api/v1/alert-webhooks/{id}":                          auth.Administer,
	"POST /api/v1/alert-webhooks/{id}/test":                       auth.Administer,
}

// TestRoleMatrix tries every REST route with every role and with none: a
// role that lacks the route's permission gets 403 forbidden, one
// that has it never gets 401 or 403, and no credentials get 401. Each
// route runs on a fresh network, so that one role's change does not
// decide another's answer.
func TestRoleMatrix(t *testing.T) {
	routes := restRoutes(t, newEnv(t, nil))
	if len(routes) != len(permissions) {
		t.Errorf("%d routes served, %d in the matrix", len(routes), len(permissions))
	}
	roles := map[auth.Role]string{auth.RoleViewer: vwr, auth.RoleOperator: opr, auth.RoleAdmin: adm}
	for _, r := range routes {
		perm, ok := permissions[r]
		if !ok {
			t.Errorf("%s: not in the role matrix", r)
			continue
		}
		method, pattern, _ := strings.Cut(r, " ")
		t.Run(strings.ReplaceAll(r, "/", "_"), func(t *testing.T) {
			e := newEnv(t, nil)
			rq := req{method: method, path: concrete(pattern), body: bodyFor(method, pattern)}
			if resp, _ := e.do(rq); resp.StatusCode != 401 {
				t.Errorf("no credentials: %d", resp.StatusCode)
			}
			for _, role := range []auth.Role{auth.RoleViewer, auth.RoleOperator, auth.RoleAdmin} {
				rq.token = roles[role]
				resp, body := e.do(rq)
				switch {
				case !role.Can(perm) && resp.StatusCode != 403:
					t.Errorf("%s: %d, want 403: %s", role, resp.StatusCode, body)
				case !role.Can(perm):
					if code, _, _ := apiError(t, body); code != "forbidden" {
						t.Errorf("%s: code %s", role, code)
					}
				case resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode >= 500:
					t.Errorf("%s may %s but got %d: %s", role, perm, resp.StatusCode, body)
				}
			}
		})
	}
}

// TestBodyLimit: a body over the limit is 413, whether Content-Length
// says so or a chunked body runs past it.
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.MaxBodyBytes = 1024 })
	big := `{"document":{"x":"` + strings.Repeat("a", 2048) + `"}}`
	resp, body := e.do(req{method: "PUT", path: "/api/v1/networks/default/policy-set", token: opr, body: big})
	if resp.StatusCode != 413 {
		t.Fatalf("Content-Length over the limit: %d %s", resp.StatusCode, body)
	}
	apiError(t, body)
	hr := e.newRequest(req{method: "PUT", path: "/api/v1/networks/default/policy-set", token: opr})
	hr.Body = readCloser{strings.NewReader(big)}
	hr.ContentLength = -1 // chunked
	resp, body = e.send(hr)
	if resp.StatusCode != 413 || hr.TransferEncoding != nil && hr.TransferEncoding[0] != "chunked" {
		t.Fatalf("chunked over the limit: %d %s", resp.StatusCode, body)
	}
	if code, _, _ := apiError(t, body); code != "body_too_large" {
		t.Fatalf("code %s", code)
	}
	if resp, _ := e.do(req{method: "PUT", path: "/api/v1/networks/default/sites/a/links/lte", token: opr, body: `{"colour":"lte"}`}); resp.StatusCode != 200 {
		t.Fatalf("a small body: %d", resp.StatusCode)
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// TestCORS: closed by default; a listed origin's preflight is allowed and
// its requests get Access-Control-Allow-Origin, others' are refused.
func TestCORS(t *testing.T) {
	const ui = "https://ui.example.com"
	preflight := func(e *env, origin string) (*http.Response, []byte) {
		return e.do(req{method: "OPTIONS", path: "/api/v1/networks", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}})
	}
	closed := newEnv(t, nil)
	if resp, body := preflight(closed, ui); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight with no origins listed: %d %v", resp.StatusCode, resp.Header)
	} else if code, field, _ := apiError(t, body); code != "origin_refused" || field != "Origin" {
		t.Fatalf("refusal: %s %s", code, field)
	}
	e := newEnv(t, func(c *api.Config) { c.CORSOrigins = []string{ui} })
	resp, _ := preflight(e, "https://evil.example.com")
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from an unlisted origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = preflight(e, ui)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != ui ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight from a listed origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = e.do(req{method: "GET", path: "/api/v1/networks", token: vwr, header: map[string]string{"Origin": ui}})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != ui || !slices.Contains(resp.Header.Values("Vary"), "Origin") {
		t.Fatalf("request from a listed origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = e.do(req{method: "GET", path: "/api/v1/networks", token: vwr, header: map[string]string{"Origin": "https://evil.example.com"}})
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("request from an unlisted origin allowed: %v", resp.Header)
	}
	if _, err := api.New(api.Config{Auth: tokenAuth{}, Manage: e.svc, CORSOrigins: []string{"ui.example.com/path"}}); err == nil ||
		!strings.Contains(err.Error(), "cors_origins[0]") {
		t.Fatalf("a bad origin accepted: %v", err)
	}
}

// TestWebSocketOrigin: an upgrade from a foreign Origin is refused; the
// API's own host, a listed origin and a client without Origin pass;
// credentials are optional there, but bad ones are refused.
func TestWebSocketOrigin(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.WebSocketOrigins = []string{"https://ui.example.com"} })
	ws := func(origin, token string) (*http.Response, []byte) {
		h := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
			"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "graphql-transport-ws"}
		if origin != "" {
			h["Origin"] = origin
		}
		return e.do(req{method: "GET", path: "/api/v2/graphql/ws", token: token, header: h})
	}
	resp, body := ws("https://evil.example.com", "")
	if resp.StatusCode != 403 {
		t.Fatalf("foreign origin: %d %s", resp.StatusCode, body)
	}
	if code, _, _ := apiError(t, body); code != "origin_refused" {
		t.Fatalf("code %s", code)
	}
	for _, origin := range []string{e.srv.URL, "https://ui.example.com", ""} {
		resp, body := ws(origin, "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"authenticated":false`) {
			t.Fatalf("origin %q: %d %s", origin, resp.StatusCode, body)
		}
	}
	if resp, body := ws(e.srv.URL, vwr); !strings.Contains(string(body), `"subject":"vera"`) {
		t.Fatalf("with a token: %d %s", resp.StatusCode, body)
	}
	if resp, _ := ws(e.srv.URL, "bogus"); resp.StatusCode != 401 {
		t.Fatalf("with a bad token: %d", resp.StatusCode)
	}
}

// TestSecurityHeaders: every answer (success, error, public) carries
// them; HSTS only over TLS.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, nil)
	want := map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
	}
	for _, rq := range []req{
		{method: "GET", path: "/api/v1/networks", token: vwr},
		{method: "GET", path: "/api/v1/networks"},
		{method: "GET", path: "/api/v1/nothing-here", token: vwr},
		{method: "GET", path: "/api/v1/openapi.json"},
		{method: "POST", path: "/api/v2/graphql"},
	} {
		resp, _ := e.do(rq)
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s (%d): %s = %q, want %q", rq.method, rq.path, resp.StatusCode, k, got, v)
			}
		}
		if resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("HSTS over plain HTTP")
		}
	}
	h, err := api.New(api.Config{Auth: tokenAuth{}, Manage: e.svc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("no HSTS over TLS: %v", resp.Header)
	}
}

// TestRateLimit: a principal past its burst gets 429 with Retry-After,
// while another principal goes on; an address past its burst likewise.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.PerPrincipal = api.RateLimit{PerSecond: 0.01, Burst: 2} })
	for i := range 3 {
		resp, body := e.do(req{method: "GET", path: "/api/v1/networks", token: vwr})
		if i < 2 && resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
		if i == 2 {
			after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			if resp.StatusCode != 429 || after < 1 {
				t.Fatalf("past the burst: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			if code, _, _ := apiError(t, body); code != "too_many_requests" {
				t.Fatalf("code %s", code)
			}
		}
	}
	if resp, _ := e.do(req{method: "GET", path: "/api/v1/networks", token: opr}); resp.StatusCode != 200 {
		t.Fatalf("another principal: %d", resp.StatusCode)
	}
	e = newEnv(t, func(c *api.Config) { c.PerAddress = api.RateLimit{PerSecond: 0.01, Burst: 3} })
	var last int
	for range 4 {
		resp, _ := e.do(req{method: "GET", path: "/api/v1/networks"})
		last = resp.StatusCode
	}
	if last != 429 {
		t.Fatalf("an address past its burst: %d", last)
	}
}

// TestPanicRecovered: a handler's panic is a 500 in the error shape, and
// the server goes on.
func TestPanicRecovered(t *testing.T) {
	e := newEnv(t, func(c *api.Config) {
		c.GraphQL = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	})
	resp, body := e.do(req{method: "POST", path: "/api/v2/graphql", token: vwr, body: `{"query":"{ sites { name } }"}`})
	if resp.StatusCode != 500 {
		t.Fatalf("panic: %d %s", resp.StatusCode, body)
	}
	if code, _, msg := apiError(t, body); code != "internal" || strings.Contains(msg, "boom") {
		t.Fatalf("panic answer: %s %s", code, msg)
	}
	if resp, _ := e.do(req{method: "GET", path: "/api/v1/networks", token: vwr}); resp.StatusCode != 200 {
		t.Fatalf("after a panic: %d", resp.StatusCode)
	}
}

// TestClientCertificate: an operator certificate of the controller's CA
// acts as admin; a site's certificate, a certificate of another CA or
// none are not management credentials.
func TestClientCertificate(t *testing.T) {
	e := newEnv(t, nil)
	ca, _, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Config{Auth: tokenAuth{}, Manage: e.svc, ClientCerts: &pki.Verifier{CA: ca.Certificate()}})
	if err != nil {
		t.Fatal(err)
	}
	serverCert, _, err := ca.ServerCertificate([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS13}
	srv.StartTLS()
	defer srv.Close()

	get := func(creds *pki.Credentials) int {
		t.Helper()
		cfg := &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS13}
		if creds != nil {
			cfg.Certificates = []tls.Certificate{{Certificate: [][]byte{creds.Chain[0].Raw}, PrivateKey: creds.Key}}
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
		resp, err := c.Get(srv.URL + "/api/v1/users")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	admin, err := ca.IssueAdmin("ops", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(admin); got != 200 {
		t.Fatalf("operator certificate: %d, want 200 (admin)", got)
	}
	foreign, err := other.IssueAdmin("ops", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(foreign); got != 401 {
		t.Fatalf("another CA's certificate: %d, want 401", got)
	}
	key, err := pki.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		t.Fatal(err)
	}
	siteCert, err := ca.SignEdge(csr, "a", 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(&pki.Credentials{Key: key, Chain: []*x509.Certificate{siteCert}}); got != 401 {
		t.Fatalf("a site's certificate: %d, want 401", got)
	}
	if got := get(nil); got != 401 {
		t.Fatalf("no certificate: %d, want 401", got)
	}
}
