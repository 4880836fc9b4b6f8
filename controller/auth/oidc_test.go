package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/patronus-sdwan/patronus/controller/auth"
)

// provider is an in-process OpenID provider: discovery and JWKS (from
// oidctest), an authorization endpoint the test drives by hand, and a
// token endpoint that checks the client secret and PKCE and signs ID
// tokens with its RSA key.
type provider struct {
	t     *testing.T
	srv   *httptest.Server
	key   *rsa.PrivateKey
	now   func() time.Time
	mu    sync.Mutex
	codes map[string]grant // mu
}

type grant struct {
	challenge, nonce, sub string
	claims                map[string]any
}

const clientID, clientSecret = "patronus", "s3cret"

func newProvider(t *testing.T, now func() time.Time) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{t: t, key: key, now: now, codes: map[string]grant{}}
	o := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: "RS256"}}}
	mux := http.NewServeMux()
	mux.Handle("/", o)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	o.SetIssuer(p.srv.URL)
	t.Cleanup(p.srv.Close)
	return p
}

// authorize plays the user approving the sign-in at the provider: it
// reads the authorization URL and returns the callback's query.
func (p *provider) authorize(authURL, sub string, claims map[string]any) url.Values {
	p.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil || !strings.HasPrefix(authURL, p.srv.URL+"/auth?") {
		p.t.Fatalf("authorization URL %q", authURL)
	}
	q := u.Query()
	if q.Get("client_id") != clientID || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" ||
		!strings.Contains(q.Get("scope"), "openid") {
		p.t.Fatalf("authorization request %v", q)
	}
	code := fmt.Sprintf("code-%d", time.Now().UnixNano())
	p.mu.Lock()
	p.codes[code] = grant{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), sub: sub, claims: claims}
	p.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}}
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}
	p.mu.Lock()
	g, found := p.codes[r.Form.Get("code")]
	delete(p.codes, r.Form.Get("code"))
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
	if id != clientID || secret != clientSecret || !found || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	now := p.now()
	cl := map[string]any{"iss": p.srv.URL, "aud": clientID, "sub": g.sub, "nonce": g.nonce, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	for k, v := range g.claims {
		cl[k] = v
	}
	b, _ := json.Marshal(cl)
	idt := oidctest.SignIDToken(p.key, "k1", "RS256", string(b))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": idt})
}

func oidcEnv(t *testing.T, defaultRole auth.Role) (*env, *provider) {
	var e *env
	p := newProvider(t, func() time.Time { return e.clock.Now() })
	e = newEnv(t, func(cfg *auth.Config) {
		cfg.OIDC = &auth.OIDCConfig{Issuer: p.srv.URL, ClientID: clientID, ClientSecret: clientSecret,
			RedirectURL: "https://controller.test:8443/api/v1/auth/oidc/callback", AfterLoginURL: "/ui/",
			GroupRoles: map[string]auth.Role{"netops": auth.RoleOperator, "admins": auth.RoleAdmin}, DefaultRole: defaultRole}
	})
	return e, p
}

// start runs GET /oidc/login and returns the provider URL and the cookie.
func (e *env) oidcStart() (string, *http.Cookie) {
	e.t.Helper()
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Get(e.srv.URL + "/api/v1/auth/oidc/login")
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 302 || len(res.Cookies()) != 1 || !res.Cookies()[0].HttpOnly {
		e.t.Fatalf("oidc login: %d %v", res.StatusCode, res.Header)
	}
	return res.Header.Get("Location"), res.Cookies()[0]
}

// callback runs GET /oidc/callback; it returns the status and Location.
func (e *env) oidcCallback(q url.Values, c *http.Cookie) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/auth/oidc/callback?"+q.Encode(), nil)
	if c != nil {
		req.AddCookie(c)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

func (e *env) oidcSignIn(p *provider, sub string, claims map[string]any) (int, string) {
	e.t.Helper()
	to, c := e.oidcStart()
	return e.oidcCallback(p.authorize(to, sub, claims), c)
}

func TestOIDC(t *testing.T) {
	e, p := oidcEnv(t, "")
	if m := e.do("GET", "/api/v1/auth/methods", "", nil); m.status != 200 || m.body["oidc"] != true {
		t.Fatalf("methods %d %s", m.status, m.raw)
	}
	status, loc := e.oidcSignIn(p, "sub-1", map[string]any{"preferred_username": "carol@example.com", "groups": []string{"staff", "netops"}})
	if status != 302 || !strings.HasPrefix(loc, "/ui/#code=") {
		t.Fatalf("callback: %d %q", status, loc)
	}
	code, _ := url.QueryUnescape(strings.TrimPrefix(loc, "/ui/#code="))
	r := e.do("POST", "/api/v1/auth/oidc/exchange", "", map[string]string{"code": code})
	e.want(r, 200, "")
	me := e.do("GET", "/api/v1/auth/me", r.str("access_token"), nil)
	if me.str("subject") != "carol@example.com" || me.str("role") != "operator" || me.str("method") != "oidc" || me.str("source") != "oidc" {
		t.Fatalf("me %s", me.raw)
	}
	// The refresh token works like any other.
	r2 := e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": r.str("refresh_token")})
	e.want(r2, 200, "")
	// The code is single use; presenting it again ends the session.
	e.want(e.do("POST", "/api/v1/auth/oidc/exchange", "", map[string]string{"code": code}), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", r2.str("access_token"), nil), 401, "unauthenticated")

	// Second sign-in: same user, role follows the groups.
	_, loc = e.oidcSignIn(p, "sub-1", map[string]any{"preferred_username": "carol@example.com", "groups": "admins"})
	code, _ = url.QueryUnescape(strings.TrimPrefix(loc, "/ui/#code="))
	r = e.do("POST", "/api/v1/auth/oidc/exchange", "", map[string]string{"code": code})
	if me := e.do("GET", "/api/v1/auth/me", r.str("access_token"), nil); me.str("role") != "admin" {
		t.Fatalf("me after group change %s", me.raw)
	}
	if us, _ := e.svc.Users(e.ctx); len(us) != 1 || us[0].Source != "oidc" {
		t.Fatalf("users %+v", us)
	}
	// An exchange code expires after a minute.
	_, loc = e.oidcSignIn(p, "sub-1", map[string]any{"preferred_username": "carol@example.com", "groups": "admins"})
	code, _ = url.QueryUnescape(strings.TrimPrefix(loc, "/ui/#code="))
	e.clock.Advance(61 * time.Second)
	e.want(e.do("POST", "/api/v1/auth/oidc/exchange", "", map[string]string{"code": code}), 401, "unauthenticated")
}

func TestOIDCRefusals(t *testing.T) {
	e, p := oidcEnv(t, "")
	e.user("dave", auth.RoleViewer)
	// In no mapped group, and no default role.
	if s, _ := e.oidcSignIn(p, "sub-2", map[string]any{"preferred_username": "erin", "groups": []string{"staff"}}); s != 401 {
		t.Fatalf("unmapped groups: %d", s)
	}
	// A local user's name is not taken over.
	if s, _ := e.oidcSignIn(p, "sub-3", map[string]any{"preferred_username": "dave", "groups": "admins"}); s != 401 {
		t.Fatalf("name of a local user: %d", s)
	}
	// State mismatch, missing cookie, a cookie of another sign-in.
	to, c := e.oidcStart()
	q := p.authorize(to, "sub-4", map[string]any{"groups": "admins"})
	bad := url.Values{"code": q["code"], "state": {"forged"}}
	if s, _ := e.oidcCallback(bad, c); s != 401 {
		t.Fatalf("forged state: %d", s)
	}
	if s, _ := e.oidcCallback(q, nil); s != 401 {
		t.Fatalf("no cookie: %d", s)
	}
	_, c2 := e.oidcStart()
	to3, _ := e.oidcStart()
	q3 := p.authorize(to3, "sub-4", map[string]any{"groups": "admins"})
	if s, _ := e.oidcCallback(q3, c2); s != 401 {
		t.Fatalf("another sign-in's cookie: %d", s)
	}
	// The wrong PKCE verifier (the cookie of another start, with its state) is refused by the provider.
	to5, c5 := e.oidcStart()
	q5 := p.authorize(to5, "sub-4", map[string]any{"groups": "admins"})
	_, c6 := e.oidcStart()
	_ = c5
	if s, _ := e.oidcCallback(url.Values{"code": q5["code"], "state": q5["state"]}, c6); s != 401 {
		t.Fatalf("mixed verifier: %d", s)
	}
	// An error from the provider.
	if s, _ := e.oidcCallback(url.Values{"error": {"access_denied"}}, c); s != 401 {
		t.Fatalf("provider error: %d", s)
	}
	log, _ := e.st.AuditLog(e.ctx, store_q("auth.oidc", "failure"))
	reasons := ""
	for _, a := range log {
		reasons += string(a.Detail)
	}
	for _, want := range []string{"no_role", "name_taken", "bad_state", "provider_error"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("no audited failure %q: %s", want, reasons)
		}
	}
}

func TestOIDCDefaultRoleAndNonce(t *testing.T) {
	e, p := oidcEnv(t, auth.RoleViewer)
	status, loc := e.oidcSignIn(p, "sub-9", map[string]any{"email": "frank@example.com"})
	if status != 302 {
		t.Fatalf("default role: %d", status)
	}
	code, _ := url.QueryUnescape(strings.TrimPrefix(loc, "/ui/#code="))
	r := e.do("POST", "/api/v1/auth/oidc/exchange", "", map[string]string{"code": code})
	if me := e.do("GET", "/api/v1/auth/me", r.str("access_token"), nil); me.str("role") != "viewer" || me.str("subject") != "frank@example.com" {
		t.Fatalf("me %s", me.raw)
	}
	// An ID token with another nonce is refused.
	to, c := e.oidcStart()
	q := p.authorize(to, "sub-9", map[string]any{"nonce": "replayed-nonce"})
	if s, _ := e.oidcCallback(q, c); s != 401 {
		t.Fatalf("wrong nonce: %d", s)
	}
	// Without OIDC configured the endpoints say so.
	plain := newEnv(t)
	plain.want(plain.do("GET", "/api/v1/auth/oidc/login", "", nil), 404, "not_found")
}
