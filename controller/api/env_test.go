package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/api"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/manage/managetest"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// The tests run the API over real HTTP (httptest) on a real SQLite store
// through the real manage service. Bearer tokens are looked up in a table
// (tokens); the auth service's own tests cover how tokens are made.

// tokens maps the test's bearer tokens to principals.
var tokens = map[string]auth.Principal{
	"tok-admin":    {Subject: "ada", UserID: 1, Role: auth.RoleAdmin, Method: auth.MethodPassword},
	"tok-operator": {Subject: "otto", UserID: 2, Role: auth.RoleOperator, Method: auth.MethodPassword},
	"tok-viewer":   {Subject: "vera", UserID: 3, Role: auth.RoleViewer, Method: auth.MethodPassword},
}

type tokenAuth struct{}

func (tokenAuth) Authenticate(_ context.Context, bearer string) (auth.Principal, error) {
	if p, ok := tokens[bearer]; ok {
		return p, nil
	}
	return auth.Principal{}, fmt.Errorf("token not known: %w", auth.ErrUnauthenticated)
}

// graphStandIn stands where the GraphQL handler is mounted: it answers
// who called, so that the tests see what the middleware passed on.
var graphStandIn = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := auth.FromContext(r.Context())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"subject": p.Subject, "authenticated": ok})
})

type env struct {
	t    *testing.T
	st   store.Store
	svc  *manage.Service
	srv  *httptest.Server
	live *manage.Live // the service's live reports: a test feeds it with Observe
}

func keyOf(site string) string {
	var k [32]byte
	copy(k[:], site)
	return base64.StdEncoding.EncodeToString(k[:])
}

// newEnv serves the API with a network "default" of sites a and b (link
// inet each, a sample of their path, an event) and a network "lab".
func newEnv(t *testing.T, mod func(*api.Config)) *env {
	t.Helper()
	return newEnvWith(t, func(_ store.Store, c *api.Config) {
		if mod != nil {
			mod(c)
		}
	})
}

// newEnvWith is newEnv whose mod also gets the store.
func newEnvWith(t *testing.T, mod func(store.Store, *api.Config)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seed(t, st)
	rules, err := alert.Config{}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := alert.NewService(alert.ServiceConfig{Rules: rules, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	live := manage.NewLive()
	svc, err := manage.New(manage.Config{Store: st, Audit: st, Users: &managetest.Users{}, Alerts: alerts, Live: live})
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{Auth: tokenAuth{}, Manage: svc, GraphQL: graphStandIn,
		PerAddress: api.RateLimit{PerSecond: 1e6, Burst: 1e6}, PerPrincipal: api.RateLimit{PerSecond: 1e6, Burst: 1e6}}
	mod(st, &cfg)
	h, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, svc: svc, srv: httptest.NewServer(h), live: live}
	t.Cleanup(e.srv.Close)
	return e
}

func seed(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.CreateNetwork(ctx, "default", store.FullMesh)
	must(err)
	_, err = st.CreateNetwork(ctx, "lab", store.FullMesh)
	must(err)
	for _, s := range []string{"a", "b"} {
		_, err = st.CreateSite(ctx, "default", store.SiteSpec{Name: s, Role: store.Spoke, PublicKey: keyOf(s)})
		must(err)
		_, err = st.PutLink(ctx, "default", s, store.LinkSpec{Name: "inet", Colour: "internet"})
		must(err)
	}
	now := time.Now()
	must(st.RecordPathMetrics(ctx, "default", []store.PathSample{{Path: store.PathName("a", "inet", "b", "inet"), TS: now.Add(-time.Second),
		Latency: 12 * time.Millisecond, Jitter: time.Millisecond, State: store.PathUp}}))
	must(st.AddEvents(ctx, "default", []store.Event{{TS: now.Add(-time.Minute), Site: "a", Path: "a/inet->b/inet", Kind: "path_down", Reason: "bfd down"}}))
	must(st.RecordFlows(ctx, "default", []store.FlowSummary{{TS: now.Add(-time.Minute), Site: "a", Application: "web", Path: "a/inet~b/inet", Flows: 2, BytesTx: 3000}}))
}

// req is one request of a test.
type req struct {
	method, path, token, body string
	header                    map[string]string
}

func (e *env) newRequest(r req) *http.Request {
	e.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	return hr
}

// do sends r and returns the response with its body read.
func (e *env) do(r req) (*http.Response, []byte) {
	e.t.Helper()
	return e.send(e.newRequest(r))
}

func (e *env) send(hr *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// apiError decodes the error shape, failing the test if it is not one.
func apiError(t *testing.T, body []byte) (code, field, msg string) {
	t.Helper()
	var v struct {
		Error *struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Error == nil || v.Error.Code == "" || v.Error.Message == "" {
		t.Fatalf("not the error shape: %s", body)
	}
	return v.Error.Code, v.Error.Field, v.Error.Message
}
