package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// env is a controller's GraphQL API over real HTTP on a real SQLite store
// and a real event bus. Principals come from the bearer tokens "admin",
// "operator" and "viewer" (the test's Authenticate, until the auth
// service is wired in).
type env struct {
	t       *testing.T
	srv     *httptest.Server
	st      store.Store
	bus     *events.Bus
	users   *auth.Service
	ids     map[string]int64 // the test principals' user IDs by token
	tokenID string           // an unused join token of site "e"
	pinID   int64            // a pin of site a (udp over a/inet->b/inet)
	keyID   string           // an API key
}

// baseSubscribers is the bus's subscribers before any client's: manage.Live.
const baseSubscribers = 1

var roles = map[string]auth.Role{"admin": auth.RoleAdmin, "operator": auth.RoleOperator, "viewer": auth.RoleViewer}

// authenticate is the tests' stand-in for auth.Service.Authenticate: the
// token names the role, and the principal is that role's user.
func (e *env) authenticate(_ context.Context, token string) (auth.Principal, error) {
	r, ok := roles[token]
	if !ok {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return auth.Principal{Subject: token + "-user", UserID: e.ids[token], Role: r, Method: auth.MethodPassword}, nil
}

// fastArgon2 keeps the tests' password hashing cheap.
var fastArgon2 = auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}

func keyOf(site string) string {
	var k [32]byte
	copy(k[:], site)
	return base64.StdEncoding.EncodeToString(k[:])
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(*env, *graph.Config) {})
}

// newEnvWith is newEnv with the handler's Config changed by opt.
func newEnvWith(t *testing.T, opt func(*env, *graph.Config)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{})
	must(t, err)
	users, err := auth.New(auth.Config{Store: st, Argon2: fastArgon2})
	must(t, err)
	e := &env{t: t, st: st, bus: events.NewBus(nil), users: users, ids: map[string]int64{}}
	t.Cleanup(func() { e.bus.Close(); st.Close() })
	e.seed(ctx)
	live := manage.NewLive()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); live.Run(ctx, e.bus) }()
	t.Cleanup(func() { cancel(); <-done })
	for e.bus.Stats().Subscribers != 1 { // Live's subscription
		time.Sleep(time.Millisecond)
	}
	m, err := manage.New(manage.Config{Store: st, Users: e.users, Live: live})
	must(t, err)
	cfg := graph.Config{Manage: m, Bus: e.bus, Authenticate: e.authenticate, KeepAlive: time.Second}
	opt(e, &cfg)
	h, err := graph.NewHandler(cfg)
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("/api/v2/graphql", h)
	mux.Handle("/api/v2/graphql/ws", h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// seed: network "default" (full mesh) with sites a, b (links inet; a also
// lte), c, d and e's join token; a pin of a (udp over a/inet->b/inet); a path sample of a/inet~b/inet, down;
// a prefix of a; users "existing", "todelete" and one per role token
// ("admin-user", …); an API key of the admin.
func (e *env) seed(ctx context.Context) {
	t := e.t
	_, err := e.st.CreateNetwork(ctx, "default", store.FullMesh)
	must(t, err)
	for _, s := range []string{"a", "b", "c", "d"} {
		_, err := e.st.CreateSite(ctx, "default", store.SiteSpec{Name: s, Role: store.Spoke, PublicKey: keyOf(s)})
		must(t, err)
	}
	for _, l := range [][2]string{{"a", "inet"}, {"a", "lte"}, {"b", "inet"}} {
		_, err := e.st.PutLink(ctx, "default", l[0], store.LinkSpec{Name: l[1], Colour: l[1]})
		must(t, err)
	}
	now := time.Now()
	must(t, e.st.TouchSite(ctx, "default", "a", now))
	must(t, e.st.RecordPathMetrics(ctx, "default", []store.PathSample{
		{Path: "a/inet~b/inet", TS: now.Add(-2 * time.Second), State: store.PathUp, Latency: 4 * time.Millisecond},
		{Path: "a/inet~b/inet", TS: now.Add(-time.Second), State: store.PathDown, Latency: 9 * time.Millisecond, LossPct: 100},
	}))
	must(t, e.st.AddEvents(ctx, "default", []store.Event{
		{TS: now.Add(-time.Minute), Site: "a", Path: "a/inet~b/inet", Kind: "path_down", Reason: "bfd down"},
		{TS: now, Site: "a", Path: "a/inet~b/inet", Kind: "failover", Reason: "moved", FlowsMoved: 3},
	}))
	_, err = e.st.AddPrefix(ctx, "default", "a", netip.MustParsePrefix("10.1.0.0/24"))
	must(t, err)
	_, tok, err := e.st.CreateJoinToken(ctx, "default", "e", time.Hour)
	must(t, err)
	e.tokenID = tok.ID
	pin, err := e.st.PutPin(ctx, "default", store.PinSpec{Site: "a", Match: store.PinMatch{Protocol: 17}, Path: "a/inet->b/inet", CreatedBy: "seed"})
	must(t, err)
	e.pinID = pin.ID
	for _, u := range []string{"existing", "todelete"} {
		_, err := e.users.CreateUser(ctx, auth.NewUser{Name: u, Role: auth.RoleViewer, Password: "a long password"})
		must(t, err)
	}
	for token, role := range roles {
		u, err := e.users.CreateUser(ctx, auth.NewUser{Name: token + "-user", Role: role, Password: "a long password"})
		must(t, err)
		e.ids[token] = u.ID
	}
	admin, err := e.authenticate(ctx, "admin")
	must(t, err)
	_, k, err := e.users.CreateAPIKey(ctx, admin, "ci", auth.RoleViewer, time.Time{})
	must(t, err)
	e.keyID = k.ID
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type result struct {
	status int
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func (r result) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func (r result) field() string {
	if len(r.Errors) == 0 {
		return ""
	}
	f, _ := r.Errors[0].Extensions["field"].(string)
	return f
}

// do posts a GraphQL request with token ("" for none).
func (e *env) do(token, query string, vars map[string]any) result {
	e.t.Helper()
	return e.post(token, map[string]any{"query": query, "variables": vars})
}

func (e *env) post(token string, body any) result {
	e.t.Helper()
	b, err := json.Marshal(body)
	must(e.t, err)
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v2/graphql", bytes.NewReader(b))
	must(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "graph-test/1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(e.t, err)
	r := result{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &r); err != nil {
		e.t.Fatalf("status %d, body %q: %v", resp.StatusCode, raw, err)
	}
	return r
}

// ok runs a request that must succeed and decodes its data into out.
func (e *env) ok(token, query string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.do(token, query, vars)
	if r.status != http.StatusOK || len(r.Errors) > 0 {
		e.t.Fatalf("%s\nstatus %d, errors %+v", query, r.status, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.t.Fatalf("%s: %s: %v", query, r.Data, err)
		}
	}
}

// fails runs a request that must fail with code (and field, if given).
func (e *env) fails(token, query string, vars map[string]any, code, field string) result {
	e.t.Helper()
	r := e.do(token, query, vars)
	if r.code() != code || field != "" && r.field() != field {
		e.t.Fatalf("%s\nwant %s field %q; got status %d errors %+v data %s", query, code, field, r.status, r.Errors, r.Data)
	}
	return r
}
