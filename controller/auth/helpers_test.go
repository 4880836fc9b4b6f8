package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// cheap Argon2id parameters keep the tests fast; the defaults are tested
// in password_test.go.
var cheap = auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	ctx   context.Context
	st    store.Store
	svc   *auth.Service
	srv   *httptest.Server
	clock *clock
}

const pw = "correct horse battery"

func newEnv(t *testing.T, mod ...func(*auth.Config)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	c := &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := auth.Config{Store: st, Now: c.Now, Argon2: cheap}
	for _, m := range mod {
		m(&cfg)
	}
	svc, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, st: st, svc: svc, srv: srv, clock: c}
}

func (e *env) user(name string, role auth.Role) auth.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.ctx, auth.NewUser{Name: name, Role: role, Password: pw})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r resp) str(k string) string { s, _ := r.body[k].(string); return s }

// errCode is the code of an error answer.
func (r resp) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r resp) errField() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}

// do sends a request with a JSON body (nil: none) and a bearer token.
func (e *env) do(method, path, bearer string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

func (e *env) want(r resp, status int, code string) {
	e.t.Helper()
	if r.status != status || code != "" && r.errCode() != code {
		e.t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
}

func (e *env) login(name, password, otp string) resp {
	e.t.Helper()
	body := map[string]string{"username": name, "password": password}
	if otp != "" {
		body["otp"] = otp
	}
	return e.do("POST", "/api/v1/auth/login", "", body)
}

// signIn logs in and returns the access and refresh tokens.
func (e *env) signIn(name string) (string, string) {
	e.t.Helper()
	r := e.login(name, pw, "")
	e.want(r, 200, "")
	return r.str("access_token"), r.str("refresh_token")
}

func store_q(action, outcome string) store.AuditQuery {
	return store.AuditQuery{Action: action, Outcome: outcome, Limit: 1000}
}
