package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
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

// graphEnv serves the API with the real GraphQL handler.
func graphEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(_ store.Store, c *api.Config) {
		check, err := api.OriginChecker(c.WebSocketOrigins)
		if err != nil {
			t.Fatal(err)
		}
		g, err := graph.NewHandler(graph.Config{Manage: c.Manage.(*manage.Service), Bus: events.NewBus(nil),
			Authenticate: tokenAuth{}.Authenticate, CheckOrigin: check})
		if err != nil {
			t.Fatal(err)
		}
		c.GraphQL = g
	})
}

// TestGraphQLContract: through the API's middleware, POST /api/v2/graphql
// without credentials is 401; the contract's query works for a viewer; a
// subscription over graphql-transport-ws authenticates connection_init,
// and a foreign Origin is refused before the handshake.
func TestGraphQLContract(t *testing.T) {
	e := graphEnv(t)
	const q = `{"query":"{ sites { name paths { id state } } }"}`
	if resp, body := e.do(req{method: "POST", path: "/api/v2/graphql", body: q}); resp.StatusCode != 401 {
		t.Fatalf("without credentials: %d %s", resp.StatusCode, body)
	}
	resp, body := e.do(req{method: "POST", path: "/api/v2/graphql", token: vwr, body: q})
	var got struct {
		Data struct {
			Sites []struct {
				Name  string
				Paths []struct{ ID, State string }
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(body, &got); resp.StatusCode != 200 || err != nil || len(got.Errors) > 0 || len(got.Data.Sites) != 2 ||
		len(got.Data.Sites[0].Paths) != 1 || got.Data.Sites[0].Paths[0].ID != "a/inet->b/inet" || got.Data.Sites[0].Paths[0].State != "UP" {
		t.Fatalf("viewer's query: %d %s", resp.StatusCode, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v2/graphql/ws"
	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader: http.Header{"Origin": {"https://evil.example.com"}}})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign origin: %v %v", err, resp)
	}
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader: http.Header{"Origin": {e.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + vwr}}); err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("connection_init: %v %v", ack, err)
	}
}
