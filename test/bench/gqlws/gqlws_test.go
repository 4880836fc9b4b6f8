package gqlws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const goodToken = "Bearer good"

// server speaks graphql-transport-ws as the protocol says: it pings
// before the ack (the client must pong), refuses a wrong authorization
// with 4401, answers a subscribe with three next messages and complete,
// and echoes back what it received so the test can check the framing.
type server struct {
	t          *testing.T
	subproto   bool
	got        chan Message // every message from the client
	nextEvents int
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := &websocket.AcceptOptions{}
	if s.subproto {
		opts.Subprotocols = []string{Subprotocol}
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ctx := r.Context()
	read := func() (Message, bool) {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return Message{}, false
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			s.t.Errorf("server: not JSON: %s", b)
			return Message{}, false
		}
		s.got <- m
		return m, true
	}
	write := func(m Message) { b, _ := json.Marshal(m); ws.Write(ctx, websocket.MessageText, b) }
	init, ok := read()
	if !ok || init.Type != TypeConnectionInit {
		ws.Close(4400, "expected connection_init")
		return
	}
	var p struct {
		Authorization string `json:"authorization"`
	}
	if json.Unmarshal(init.Payload, &p) != nil || p.Authorization != goodToken {
		ws.Close(4401, "Unauthorized")
		return
	}
	write(Message{Type: TypePing})
	if m, ok := read(); !ok || m.Type != TypePong {
		ws.Close(4400, "expected pong")
		return
	}
	write(Message{Type: TypeConnectionAck})
	sub, ok := read()
	if !ok || sub.Type != TypeSubscribe {
		ws.Close(4400, "expected subscribe")
		return
	}
	for i := range s.nextEvents {
		write(Message{Type: TypePing}) // a ping between events is answered, not returned
		write(Message{ID: sub.ID, Type: TypeNext, Payload: json.RawMessage(fmt.Sprintf(`{"data":{"pathEvents":{"pathId":"p","n":%d}}}`, i))})
	}
	write(Message{ID: sub.ID, Type: TypeComplete})
	for {
		if _, ok := read(); !ok {
			return
		}
	}
}

func newServer(t *testing.T, subproto bool) (*server, string, *http.Client) {
	s := &server{t: t, subproto: subproto, got: make(chan Message, 64), nextEvents: 3}
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	return s, "wss" + strings.TrimPrefix(ts.URL, "https") + "/api/v2/graphql/ws", ts.Client()
}

func TestSubscribe(t *testing.T) {
	s, url, hc := newServer(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, Options{HTTPClient: hc, InitPayload: map[string]string{"authorization": goodToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Subscribe(ctx, "7", Request{Query: "subscription { pathEvents { pathId } }", Variables: map[string]any{"site": "e0001"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		m, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var r NextResult
		if m.Type != TypeNext || m.ID != "7" || json.Unmarshal(m.Payload, &r) != nil {
			t.Fatalf("message %d: %+v", i, m)
		}
		if want := fmt.Sprintf(`{"pathEvents":{"pathId":"p","n":%d}}`, i); string(r.Data) != want {
			t.Fatalf("message %d: data %s, want %s", i, r.Data, want)
		}
	}
	if m, err := c.Next(ctx); err != nil || m.Type != TypeComplete || m.ID != "7" {
		t.Fatalf("after the events: %+v, %v; want complete of 7", m, err)
	}
	// What the server received, framed as the protocol says.
	want := []string{
		`{"type":"connection_init","payload":{"authorization":"Bearer good"}}`,
		`{"type":"pong"}`,
		`{"id":"7","type":"subscribe","payload":{"query":"subscription { pathEvents { pathId } }","variables":{"site":"e0001"}}}`,
		`{"type":"pong"}`, `{"type":"pong"}`, `{"type":"pong"}`,
	}
	for i, w := range want {
		m := <-s.got
		b, _ := json.Marshal(m)
		if string(b) != w {
			t.Errorf("client message %d: %s, want %s", i, b, w)
		}
	}
}

func TestUnauthorized(t *testing.T) {
	_, url, hc := newServer(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, url, Options{HTTPClient: hc, InitPayload: map[string]string{"authorization": "Bearer bad"}})
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != 4401 {
		t.Fatalf("Dial with a wrong token: %v; want a CloseError 4401", err)
	}
}

func TestNoSubprotocol(t *testing.T) {
	_, url, hc := newServer(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, url, Options{HTTPClient: hc})
	if err == nil || !strings.Contains(err.Error(), "subprotocol") {
		t.Fatalf("Dial to a server that does not speak %s: %v", Subprotocol, err)
	}
}

func TestNotWebSocket(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer ts.Close()
	_, err := Dial(context.Background(), "wss"+strings.TrimPrefix(ts.URL, "https"), Options{HTTPClient: ts.Client()})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("Dial to a plain 401: %v", err)
	}
}
