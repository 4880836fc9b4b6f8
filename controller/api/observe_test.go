package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/patronus-sdwan/patronus/controller/api"
	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// requests records what the API reports to its RequestObserver.
type requests struct {
	mu  sync.Mutex
	got []string // "METHOD ROUTE CODE"
}

func (r *requests) ObserveRequest(method, route string, code int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, method+" "+route+" "+http.StatusText(code))
}

func (r *requests) has(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, g := range r.got {
		if g == s {
			return true
		}
	}
	return false
}

// observedEnv serves the API with a request observer, a stand-in
// /metrics, a failing readiness check and the real GraphQL handler.
func observedEnv(t *testing.T, public bool) (*env, *requests) {
	rec := &requests{}
	e := newEnvWith(t, func(_ store.Store, c *api.Config) {
		g, err := graph.NewHandler(graph.Config{Manage: c.Manage.(*manage.Service), Bus: events.NewBus(nil),
			Authenticate: tokenAuth{}.Authenticate, CheckOrigin: func(*http.Request) bool { return true }})
		if err != nil {
			t.Fatal(err)
		}
		c.GraphQL, c.Requests, c.MetricsPublic = g, rec, public
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("metric 1\n")) })
		c.Ready = func(context.Context) error { return errors.New("database /var/lib/secret.db is locked") }
	})
	return e, rec
}

// TestObserveRequests: each request is reported with its route template
// and status, a WebSocket upgrade too (101, after it ends).
func TestObserveRequests(t *testing.T) {
	e, rec := observedEnv(t, false)
	e.do(req{method: "GET", path: "/api/v1/networks/default/sites", token: vwr})
	e.do(req{method: "GET", path: "/no/such/thing"})
	e.do(req{method: "GET", path: "/metrics", token: vwr})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/api/v2/graphql/ws",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("WebSocket through the request observer: %v", err)
	}
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + vwr}}); err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("connection_init: %v %v", ack, err)
	}
	c.Close(websocket.StatusNormalClosure, "")
	for _, want := range []string{"GET /api/v1/networks/{network}/sites OK", "GET / Not Found", "GET /metrics OK",
		"GET /api/v2/graphql/ws Switching Protocols"} {
		for deadline := time.Now().Add(5 * time.Second); !rec.has(want); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("not reported: %q; reported: %q", want, rec.got)
				break
			}
		}
	}
	for _, g := range rec.got {
		if strings.Contains(g, "/default") || strings.Contains(g, "/no/such") {
			t.Errorf("a raw path reported: %q", g)
		}
	}
}

// TestMetricsAndHealthRoutes: /metrics needs credentials unless public
// (bad ones refused either way); /health/live is ok, /health/ready says
// "not ready" when its check fails and nothing of why.
func TestMetricsAndHealthRoutes(t *testing.T) {
	for _, public := range []bool{false, true} {
		e, _ := observedEnv(t, public)
		want := 401
		if public {
			want = 200
		}
		if resp, body := e.do(req{method: "GET", path: "/metrics"}); resp.StatusCode != want {
			t.Errorf("public=%v: /metrics without credentials: %d %s", public, resp.StatusCode, body)
		}
		if resp, _ := e.do(req{method: "GET", path: "/metrics", token: "bogus"}); resp.StatusCode != 401 {
			t.Errorf("public=%v: /metrics with a bad token: %d", public, resp.StatusCode)
		}
		if resp, body := e.do(req{method: "GET", path: "/metrics", token: vwr}); resp.StatusCode != 200 || string(body) != "metric 1\n" {
			t.Errorf("public=%v: /metrics as a viewer: %d %s", public, resp.StatusCode, body)
		}
		if resp, body := e.do(req{method: "GET", path: "/health/live"}); resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
			t.Errorf("/health/live: %d %s", resp.StatusCode, body)
		}
		resp, body := e.do(req{method: "GET", path: "/health/ready"})
		if resp.StatusCode != 503 || strings.TrimSpace(string(body)) != `{"status":"not ready"}` {
			t.Errorf("/health/ready with a failing store: %d %s", resp.StatusCode, body)
		}
	}
}
