package graph_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"github.com/patronus-sdwan/patronus/controller/events"
)

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialWS opens a graphql-transport-ws connection and sends
// connection_init with payload.
func (e *env) dialWS(ctx context.Context, payload any) *websocket.Conn {
	e.t.Helper()
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v2/graphql/ws"
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	must(e.t, err)
	e.t.Cleanup(func() { c.CloseNow() })
	init := map[string]any{"type": "connection_init"}
	if payload != nil {
		init["payload"] = payload
	}
	must(e.t, wsjson.Write(ctx, c, init))
	return c
}

// next reads the next message that is not a ping or pong, answering
// pings as a graphql-transport-ws client must.
func next(ctx context.Context, t *testing.T, c *websocket.Conn) wsMsg {
	t.Helper()
	for {
		var m wsMsg
		if err := wsjson.Read(ctx, c, &m); err != nil {
			t.Fatalf("read: %v", err)
		}
		switch m.Type {
		case "ping":
			must(t, wsjson.Write(ctx, c, map[string]any{"type": "pong"}))
		case "pong":
		default:
			return m
		}
	}
}

// TestWebSocketPings: the server pings; a client that answers stays
// connected, one that does not is cut after two intervals.
func TestWebSocketPings(t *testing.T) {
	e := newEnvWith(t, func(_ *env, c *graph.Config) { c.KeepAlive = 50 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := e.subscribe(ctx, "viewer", `subscription { pathEvents { pathId } }`)
	var pings int
	for pings < 5 { // 250 ms: past two intervals, answered
		var m wsMsg
		must(t, wsjson.Read(ctx, c, &m))
		if m.Type == "ping" {
			pings++
			must(t, wsjson.Write(ctx, c, map[string]any{"type": "pong"}))
		}
	}
	e.bus.Publish(pathEvent("a", "a/inet->b/inet", events.PathUp))
	if m := next(ctx, t, c); m.Type != "next" {
		t.Fatalf("after pings: %+v", m)
	}
	silent := e.subscribe(ctx, "viewer", `subscription { pathEvents { pathId } }`)
	for {
		var m wsMsg
		if err := wsjson.Read(ctx, silent, &m); err != nil {
			if ctx.Err() != nil {
				t.Fatal("a client that never answered pings is still connected")
			}
			return
		}
	}
}

// subscribe signs in as token and starts a subscription; it returns once
// the bus has the subscriber.
func (e *env) subscribe(ctx context.Context, token, query string) *websocket.Conn {
	e.t.Helper()
	subs := e.bus.Stats().Subscribers
	c := e.dialWS(ctx, map[string]any{"authorization": "Bearer " + token})
	if m := next(ctx, e.t, c); m.Type != "connection_ack" {
		e.t.Fatalf("after connection_init: %+v", m)
	}
	must(e.t, wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}}))
	e.waitSubscribers(ctx, subs+1) // the subscription starts asynchronously
	return c
}

func pathEvent(site, path, state string) *events.Event {
	return &events.Event{Kind: events.KindPath, Network: "default", Site: site, At: time.Now(),
		Path: &events.PathChange{PathID: path, State: state, BFDState: "DOWN", StateChanged: true}}
}

// TestSubscriptionPathDown: a path going down, published on the bus,
// reaches a subscriber over a real WebSocket (the contract's selection);
// events of other sites' paths do not.
func TestSubscriptionPathDown(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := e.subscribe(ctx, "viewer", `subscription { pathEvents(site: "b") { site pathId state at bfdState stateChanged } }`)
	e.bus.Publish(pathEvent("c", "c/inet->d/inet", events.PathDown)) // filtered out
	e.bus.Publish(pathEvent("a", "a/inet->b/inet", events.PathDown))
	m := next(ctx, t, c)
	var got struct {
		Data struct {
			PathEvents struct {
				Site, PathID, State, BfdState string
				At                            time.Time
				StateChanged                  bool
			}
		}
		Errors []gqlError
	}
	if err := json.Unmarshal(m.Payload, &got); err != nil || m.Type != "next" || m.ID != "1" {
		t.Fatalf("message %+v: %v", m, err)
	}
	p := got.Data.PathEvents
	if p.Site != "a" || p.PathID != "a/inet->b/inet" || p.State != "DOWN" || p.BfdState != "DOWN" || !p.StateChanged || p.At.IsZero() {
		t.Fatalf("event %+v errors %+v", p, got.Errors)
	}
	// The client ends it; the bus loses the subscriber.
	must(t, wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "complete"}))
	e.waitSubscribers(ctx, baseSubscribers)
}

// waitSubscribers waits until the bus has n subscribers.
func (e *env) waitSubscribers(ctx context.Context, n int) {
	e.t.Helper()
	for e.bus.Stats().Subscribers != n {
		select {
		case <-ctx.Done():
			e.t.Fatalf("the bus has %d subscribers, want %d", e.bus.Stats().Subscribers, n)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestSubscriptionKinds(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct {
		query string
		event *events.Event
		want  string
	}{
		{`subscription { steeringEvents { site kind flowsMoved to } }`,
			&events.Event{Kind: events.KindSteering, Network: "default", Site: "a", At: time.Now(),
				Steering: &events.Steering{Kind: "decision", FlowsMoved: 2, To: []string{"a/lte->b/inet"}}},
			`{"steeringEvents":{"site":"a","kind":"decision","flowsMoved":2,"to":["a/lte->b/inet"]}}`},
		{`subscription { siteEvents(site: "a") { site online } }`,
			&events.Event{Kind: events.KindSite, Network: "default", Site: "a", At: time.Now(), SiteState: &events.SiteChange{Online: true}},
			`{"siteEvents":{"site":"a","online":true}}`},
		{`subscription { configRevisions(network: "default") { network revision } }`,
			&events.Event{Kind: events.KindConfig, Network: "default", At: time.Now(), Config: &events.Config{Revision: 42}},
			`{"configRevisions":{"network":"default","revision":42}}`},
	} {
		conn := e.subscribe(ctx, "operator", c.query)
		e.bus.Publish(c.event)
		m := next(ctx, t, conn)
		var got, want struct{ Data any }
		must(t, json.Unmarshal([]byte(`{"data":`+c.want+`}`), &want))
		if err := json.Unmarshal(m.Payload, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s (%v)", c.query, m.Payload, err)
		}
		conn.Close(websocket.StatusNormalClosure, "")
		e.waitSubscribers(ctx, baseSubscribers)
	}
}

// TestSubscriptionSlowEnds: a subscriber whose buffer overflows gets an
// error with code SLOW_SUBSCRIBER, then complete.
func TestSubscriptionSlowEnds(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := e.subscribe(ctx, "viewer", `subscription { pathEvents { pathId state } }`)
	for range 20 * events.DefaultBuffer {
		e.bus.Publish(pathEvent("a", "a/inet->b/inet", events.PathUp))
	}
	if e.bus.Stats().SlowEnded == 0 {
		t.Fatalf("the subscriber kept up with %d events: %+v", 20*events.DefaultBuffer, e.bus.Stats())
	}
	var sawError bool
	for {
		m := next(ctx, t, c)
		if m.Type == "complete" {
			break
		}
		var got struct{ Errors []gqlError }
		must(t, json.Unmarshal(m.Payload, &got))
		if len(got.Errors) > 0 {
			if got.Errors[0].Extensions["code"] != "SLOW_SUBSCRIBER" {
				t.Fatalf("error %+v", got.Errors)
			}
			sawError = true
		}
	}
	if !sawError {
		t.Fatal("completed without an error")
	}
}

// TestWebSocketRefusesUnauthenticated: connection_init without a token or
// with a bad one closes the socket with 4403 Forbidden.
func TestWebSocketRefusesUnauthenticated(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, payload := range []any{nil, map[string]any{}, map[string]any{"authorization": "Bearer wrong"}, map[string]any{"authorization": "viewer"}} {
		c := e.dialWS(ctx, payload)
		var m wsMsg
		err := wsjson.Read(ctx, c, &m)
		if websocket.CloseStatus(err) != 4403 {
			t.Errorf("payload %v: got %+v, %v; want close 4403", payload, m, err)
		}
	}
	if n := e.bus.Stats().Subscribers; n != baseSubscribers {
		t.Errorf("%d subscribers", n)
	}
}

func TestWebSocketOriginChecked(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v2/graphql/ws"
	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader: map[string][]string{"Origin": {"https://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("cross-origin WebSocket: %v %+v", err, resp)
	}
}

// TestSubscriptionBusClosed: a controller shutting down (its bus closed)
// ends subscriptions with UNAVAILABLE, then complete.
func TestSubscriptionBusClosed(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := e.subscribe(ctx, "viewer", `subscription { configRevisions { revision } }`)
	e.bus.Close()
	m := next(ctx, t, c)
	var got struct{ Errors []gqlError }
	must(t, json.Unmarshal(m.Payload, &got))
	if m.Type != "next" || len(got.Errors) != 1 || got.Errors[0].Extensions["code"] != "UNAVAILABLE" {
		t.Fatalf("%+v", m)
	}
	if m := next(ctx, t, c); m.Type != "complete" {
		t.Fatalf("after the error: %+v", m)
	}
}

// TestWebSocketMessageBounded: a client message over 64 KiB closes the
// connection (1009, message too big).
func TestWebSocketMessageBounded(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := e.subscribe(ctx, "viewer", `subscription { pathEvents { pathId } }`)
	big := "subscription { pathEvents { pathId } } #" + strings.Repeat("x", 100<<10)
	must(t, wsjson.Write(ctx, c, map[string]any{"id": "2", "type": "subscribe", "payload": map[string]any{"query": big}}))
	for {
		var m wsMsg
		err := wsjson.Read(ctx, c, &m)
		if err != nil {
			if s := websocket.CloseStatus(err); s != websocket.StatusMessageTooBig {
				t.Fatalf("closed with %v (%v), want 1009", s, err)
			}
			return
		}
		if m.Type == "ping" {
			must(t, wsjson.Write(ctx, c, map[string]any{"type": "pong"}))
		}
	}
}
