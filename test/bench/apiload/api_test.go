package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/patronus-sdwan/patronus/test/bench/gqlws"
)

// fakeAPI serves the contract apiload relies on: sign-in, the GraphQL
// query, and pathEvents over graphql-transport-ws.
type fakeAPI struct {
	expiresIn float64
	logins    atomic.Int32
	events    []string     // pathEvents payloads sent to each subscriber
	refuse    atomic.Int32 // this many WebSocket connections are refused (4401) first
	throttle  atomic.Int32 // this many requests are answered 429 first
	from      atomic.Value // string: the last request's source address
}

const fakeToken = "tok"

func (f *fakeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	throttled := func(w http.ResponseWriter, r *http.Request) bool {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		f.from.Store(host)
		if f.throttle.Add(-1) < 0 {
			return false
		}
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"code":"rate_limited"}`, http.StatusTooManyRequests)
		return true
	}
	mux.HandleFunc("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Username, Password string }
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.Username != benchUser || in.Password != "pw" {
			http.Error(w, `{"code":"unauthenticated"}`, http.StatusUnauthorized)
			return
		}
		f.logins.Add(1)
		fmt.Fprintf(w, `{"access_token":%q,"refresh_token":"r","expires_in":%v}`, fakeToken, f.expiresIn)
	})
	mux.HandleFunc("POST /api/v2/graphql", func(w http.ResponseWriter, r *http.Request) {
		if throttled(w, r) {
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+fakeToken {
			http.Error(w, `{"code":"unauthenticated"}`, http.StatusUnauthorized)
			return
		}
		var in struct{ Query string }
		json.NewDecoder(r.Body).Decode(&in)
		if in.Query != sitesQuery {
			fmt.Fprint(w, `{"errors":[{"message":"unknown field"}],"data":null}`)
			return
		}
		fmt.Fprint(w, `{"data":{"sites":[{"name":"e0001","paths":[{"id":"e0001/inet->hq/inet","state":"UP"},{"id":"e0001/inet->hq/mpls","state":"DOWN"}]},{"name":"e0002","paths":[]}]}}`)
	})
	mux.HandleFunc("/api/v2/graphql/ws", func(w http.ResponseWriter, r *http.Request) {
		if !throttled(w, r) {
			f.ws(w, r)
		}
	})
	return mux
}

func (f *fakeAPI) ws(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{gqlws.Subprotocol}})
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ctx := r.Context()
	var init, sub gqlws.Message
	read := func(m *gqlws.Message) bool {
		_, b, err := ws.Read(ctx)
		return err == nil && json.Unmarshal(b, m) == nil
	}
	if !read(&init) || init.Type != gqlws.TypeConnectionInit || string(init.Payload) != `{"authorization":"Bearer `+fakeToken+`"}` || f.refuse.Add(-1) >= 0 {
		ws.Close(4401, "Unauthorized")
		return
	}
	ws.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_ack"}`))
	if !read(&sub) || sub.Type != gqlws.TypeSubscribe || !strings.Contains(string(sub.Payload), "pathEvents") {
		ws.Close(4400, "expected a pathEvents subscription")
		return
	}
	for _, e := range f.events {
		ws.Write(ctx, websocket.MessageText, []byte(`{"id":"`+sub.ID+`","type":"next","payload":{"data":{"pathEvents":`+e+`}}}`))
	}
	ws.Write(ctx, websocket.MessageText, []byte(`{"id":"`+sub.ID+`","type":"complete"}`))
	for read(&sub) {
	}
}

func newFakeAPI(t *testing.T, f *fakeAPI) *apiClient {
	ts := httptest.NewUnstartedServer(f.handler())
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return newAPIClient(strings.TrimPrefix(ts.URL, "https://"), "example.com", ts.Certificate(), benchUser, "pw", net.IPv4(127, 0, 1, 7), 16)
}

func TestAPIClientQueries(t *testing.T) {
	f := &fakeAPI{expiresIn: 900}
	api := newFakeAPI(t, f)
	ctx := context.Background()
	if err := api.login(ctx); err != nil {
		t.Fatal(err)
	}
	sites, paths, n, err := api.countSites(ctx)
	if err != nil || sites != 2 || paths != 2 || n < 100 {
		t.Fatalf("countSites: %d sites, %d paths, %d bytes, %v", sites, paths, n, err)
	}
	if _, err := api.query(ctx, "{ nope }"); !errors.Is(err, errGraphQL) {
		t.Fatalf("a query answered with errors: %v", err)
	}
	for range 5 {
		if _, err := api.query(ctx, sitesQuery); err != nil {
			t.Fatal(err)
		}
	}
	if f.logins.Load() != 1 {
		t.Fatalf("%d sign-ins for a token valid 15 minutes, want 1", f.logins.Load())
	}
}

func TestAPIClientRenewsTheToken(t *testing.T) {
	f := &fakeAPI{expiresIn: 20} // under tokenMargin: renewed at every use
	api := newFakeAPI(t, f)
	ctx := context.Background()
	for range 3 {
		if _, err := api.query(ctx, sitesQuery); err != nil {
			t.Fatal(err)
		}
	}
	if f.logins.Load() != 3 {
		t.Fatalf("%d sign-ins, want one per query when the token is about to expire", f.logins.Load())
	}
}

func TestAPIClientWrongPassword(t *testing.T) {
	api := newFakeAPI(t, &fakeAPI{expiresIn: 900})
	api.pw = "wrong"
	err := api.login(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("sign-in with a wrong password: %v", err)
	}
	if _, err := api.query(context.Background(), sitesQuery); err == nil {
		t.Fatal("a query without a token succeeded")
	}
}

func TestSubscriberReceivesPathEvents(t *testing.T) {
	l, paths := newTestLog(1, time.Minute)
	now := time.Now()
	ev := func(p, s string) string {
		return fmt.Sprintf(`{"site":"e0001","pathId":%q,"state":%q,"at":"2026-12-03T10:00:00Z"}`, p, s)
	}
	f := &fakeAPI{expiresIn: 900, events: []string{ev(paths[0], "UP"), ev(paths[0], "DOWN"), ev(paths[0], "DOWN"), ev("e0001/lte->hq/inet", "UP")}}
	api := newFakeAPI(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	subs, failed, err := connectSubscribers(ctx, []*apiClient{api}, everyone{}, 3, 2, l, l.window.Load())
	if err != nil || failed != 0 || len(subs) != 3 {
		t.Fatalf("%d subscribed, %d failed: %v", len(subs), failed, err)
	}
	l.record(0, stateDown, now) // after they subscribed, before the server sends
	defer closeSubscribers(subs)
	for _, s := range subs {
		s.read(ctx) // until the server completes
		if s.err == nil || !strings.Contains(s.err.Error(), "complete") {
			t.Fatalf("a subscription the server completed ended with %v", s.err)
		}
		if r := s.recv; len(r.delays) != 1 || r.repeats != 2 || r.other != 1 || r.delays[0] < 0 || r.delays[0] > 10*time.Second {
			t.Fatalf("receiver: delays %v, repeats %d, other %d", r.delays, r.repeats, r.other)
		}
	}
	if n := l.edges[0].flips[0].received.Load(); n != 3 {
		t.Fatalf("the flip was received by %d subscribers, want 3", n)
	}
}

func TestSubscribersPartlyRefused(t *testing.T) {
	l, _ := newTestLog(1, time.Minute)
	f := &fakeAPI{expiresIn: 900}
	f.refuse.Store(2)
	api := newFakeAPI(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	subs, failed, err := connectSubscribers(ctx, []*apiClient{api}, everyone{}, 5, 1, l, nil)
	defer closeSubscribers(subs)
	var ce *gqlws.CloseError
	if len(subs) != 3 || failed != 2 || !errors.As(err, &ce) || ce.Code != 4401 {
		t.Fatalf("%d subscribed, %d failed, %v; want 3, 2 and a 4401", len(subs), failed, err)
	}
	f.refuse.Store(5)
	if subs, _, err := connectSubscribers(ctx, []*apiClient{api}, everyone{}, 5, 2, l, nil); len(subs) != 0 || err == nil || !strings.Contains(err.Error(), "no subscriber") {
		t.Fatalf("all refused: %d subscribed, %v", len(subs), err)
	}
}

func TestThrottled(t *testing.T) {
	l, _ := newTestLog(1, time.Minute)
	f := &fakeAPI{expiresIn: 900}
	api := newFakeAPI(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f.throttle.Store(1)
	if _, err := api.query(ctx, sitesQuery); !errors.Is(err, errThrottled) {
		t.Fatalf("a query answered 429: %v", err)
	}
	if from, _ := f.from.Load().(string); from != "127.0.1.7" {
		t.Fatalf("the request came from %q, want the client's own address 127.0.1.7", from)
	}
	f.throttle.Store(1) // the upgrade is tried again after Retry-After
	subs, failed, err := connectSubscribers(ctx, []*apiClient{api}, everyone{}, 1, 1, l, nil)
	defer closeSubscribers(subs)
	if len(subs) != 1 || failed != 0 || err != nil || api.throttled.Load() != 1 {
		t.Fatalf("%d subscribed, %d failed, %v, %d throttled; want 1 after one 429", len(subs), failed, err, api.throttled.Load())
	}
}

func TestRetryAfter(t *testing.T) {
	for h, want := range map[string]time.Duration{"": time.Second, "3": 3 * time.Second, "0": time.Second, "x": time.Second, "600": 10 * time.Second} {
		if got := retryAfter(h); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}
