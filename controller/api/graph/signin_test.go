package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket/wsjson"

	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
)

// TestRealSignIn: with auth.Service's own Authenticate, a viewer's access
// token from a real sign-in runs the contract's query and authenticates a
// WebSocket's connection_init; after "sign out everywhere" the open
// WebSocket is closed and both are refused.
func TestRealSignIn(t *testing.T) {
	e := newEnvWith(t, func(e *env, c *graph.Config) {
		c.Authenticate, c.Recheck = e.users.Authenticate, 20*time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := e.users.Login(ctx, auth.LoginRequest{Username: "viewer-user", Password: "a long password", SourceIP: "127.0.0.1"})
	must(t, err)
	var got struct{ Sites []struct{ Name string } }
	e.ok(tok.AccessToken, `{ sites { name paths { id state } } }`, nil, &got)
	if len(got.Sites) != 4 {
		t.Fatalf("sites %+v", got)
	}
	c := e.subscribe(ctx, tok.AccessToken, `subscription { pathEvents { site pathId state at } }`)
	e.bus.Publish(pathEvent("a", "a/inet->b/inet", events.PathDown))
	m := next(ctx, t, c)
	var ev struct {
		Data struct{ PathEvents struct{ State string } }
	}
	if err := json.Unmarshal(m.Payload, &ev); err != nil || ev.Data.PathEvents.State != "DOWN" {
		t.Fatalf("%+v %v", m, err)
	}

	must(t, e.users.LogoutAll(ctx, e.ids["viewer"]))
	// The open connection is closed at its next check.
	for {
		var m wsMsg
		if err := wsjson.Read(ctx, c, &m); err != nil {
			if ctx.Err() != nil {
				t.Fatal("the signed-out token's WebSocket is still open")
			}
			break
		}
		if m.Type == "ping" {
			must(t, wsjson.Write(ctx, c, map[string]any{"type": "pong"}))
		}
	}
	if r := e.do(tok.AccessToken, `{ sites { name } }`, nil); r.status != http.StatusUnauthorized {
		t.Errorf("a signed-out token: status %d", r.status)
	}
	ws := e.dialWS(ctx, map[string]any{"authorization": "Bearer " + tok.AccessToken})
	var msg wsMsg
	if err := wsjson.Read(ctx, ws, &msg); err == nil {
		t.Errorf("a signed-out token's connection_init got %+v", msg)
	}
}
