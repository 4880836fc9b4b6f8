//go:build interop

package interop

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dashboard is the contract of lab status --json's "dashboard".
type dashboard struct {
	URL          string `json:"url"`
	CAFile       string `json:"ca_file"`
	Username     string `json:"username"`
	PasswordFile string `json:"password_file"`
}

// apiClient talks to the lab's controller as a browser or a script does:
// HTTPS from this machine, verified against the lab's CA.
type apiClient struct {
	t      testing.TB
	d      dashboard
	http   *http.Client
	tlsCfg *tls.Config
	token  string
}

func (l *testLab) dashboard() dashboard {
	l.t.Helper()
	out, err := l.run("status", "--json")
	if err != nil {
		l.t.Fatalf("lab status: %v\n%s", err, out)
	}
	var st struct {
		Dashboard *dashboard `json:"dashboard"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Dashboard == nil {
		l.t.Fatalf("lab status --json has no dashboard: %v\n%s", err, out)
	}
	d := *st.Dashboard
	if !strings.HasPrefix(d.URL, "https://") || d.CAFile == "" || d.Username == "" || d.PasswordFile == "" {
		l.t.Fatalf("dashboard %+v: a field is missing", d)
	}
	return d
}

func newAPIClient(t testing.TB, d dashboard) *apiClient {
	t.Helper()
	pem, err := os.ReadFile(d.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s: no certificate", d.CAFile)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &apiClient{t: t, d: d, tlsCfg: cfg,
		http: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}}}
}

// do sends a JSON request and decodes a JSON answer into out (if not
// nil); it returns the status code.
func (c *apiClient) do(method, path string, body, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.d.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %d %v: %s", method, path, resp.StatusCode, err, raw)
		}
	}
	return resp.StatusCode
}

func (c *apiClient) login(user, password string) int {
	c.t.Helper()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	code := c.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": password}, &tok)
	if code == http.StatusOK {
		if tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn <= 0 {
			c.t.Fatalf("login answer %+v lacks a field", tok)
		}
		c.token = tok.AccessToken
	}
	return code
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// gqlTry runs a GraphQL operation and returns its errors.
func (c *apiClient) gqlTry(query string, vars map[string]any, out any) []gqlError {
	c.t.Helper()
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if code := c.do("POST", "/api/v2/graphql", map[string]any{"query": query, "variables": vars}, &resp); code != http.StatusOK {
		c.t.Fatalf("graphql %q: HTTP %d", query, code)
	}
	if out != nil && len(resp.Data) > 0 && string(resp.Data) != "null" {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			c.t.Fatal(err)
		}
	}
	return resp.Errors
}

// gql runs a GraphQL operation and fails the test on errors.
func (c *apiClient) gql(query string, vars map[string]any, out any) {
	c.t.Helper()
	if errs := c.gqlTry(query, vars, out); len(errs) > 0 {
		c.t.Fatalf("graphql %q: %+v", query, errs)
	}
}

// gqlCode runs an operation that must fail, and returns its first
// error's extensions.code.
func (c *apiClient) gqlCode(query string, vars map[string]any) string {
	c.t.Helper()
	errs := c.gqlTry(query, vars, nil)
	if len(errs) == 0 {
		c.t.Fatalf("graphql %q succeeded, want an error", query)
	}
	code, _ := errs[0].Extensions["code"].(string)
	return code
}

// wsMsg is a graphql-transport-ws message.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscribe opens a graphql-transport-ws connection authenticated by
// connection_init and starts one subscription; its next payloads come on
// the channel.
func (c *apiClient) subscribe(ctx context.Context, query string) (<-chan json.RawMessage, error) {
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(c.d.URL, "https")+"/api/v2/graphql/ws", &websocket.DialOptions{
		HTTPClient:   &http.Client{Transport: &http.Transport{TLSClientConfig: c.tlsCfg}},
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		return nil, err
	}
	send := func(m wsMsg) error {
		b, _ := json.Marshal(m)
		return ws.Write(ctx, websocket.MessageText, b)
	}
	init, _ := json.Marshal(map[string]string{"authorization": "Bearer " + c.token})
	if err := send(wsMsg{Type: "connection_init", Payload: init}); err != nil {
		return nil, err
	}
	var ack wsMsg
	if _, b, err := ws.Read(ctx); err != nil || json.Unmarshal(b, &ack) != nil || ack.Type != "connection_ack" {
		ws.Close(websocket.StatusNormalClosure, "")
		return nil, fmt.Errorf("no connection_ack: %v %+v", err, ack)
	}
	q, _ := json.Marshal(map[string]string{"query": query})
	if err := send(wsMsg{ID: "1", Type: "subscribe", Payload: q}); err != nil {
		return nil, err
	}
	out := make(chan json.RawMessage, 1024)
	go func() {
		defer close(out)
		defer ws.Close(websocket.StatusNormalClosure, "")
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var m wsMsg
			if json.Unmarshal(b, &m) != nil {
				return
			}
			switch m.Type {
			case "ping":
				_ = send(wsMsg{Type: "pong"})
			case "next":
				out <- m.Payload
			case "error", "complete":
				c.t.Logf("subscription ended: %s %s", m.Type, m.Payload)
				return
			}
		}
	}()
	return out, nil
}

// pathEvent is the contract's pathEvents selection.
type pathEvent struct {
	Site    string    `json:"site"`
	PathID  string    `json:"pathId"`
	State   string    `json:"state"`
	At      time.Time `json:"at"`
	Changed bool      `json:"stateChanged"`
}

// waitPathEvent waits for an event of a path over link (site/link) in
// state, and returns when it came.
func waitPathEvent(t *testing.T, events <-chan json.RawMessage, link, state string, d time.Duration) (pathEvent, time.Time) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case raw, ok := <-events:
			if !ok {
				t.Fatal("the subscription ended")
			}
			var p struct {
				Data struct {
					PathEvents pathEvent `json:"pathEvents"`
				} `json:"data"`
				Errors []any `json:"errors"`
			}
			if err := json.Unmarshal(raw, &p); err != nil || len(p.Errors) > 0 {
				t.Fatalf("subscription payload %s: %v", raw, err)
			}
			e := p.Data.PathEvents
			if e.Changed && e.State == state && (strings.HasPrefix(e.PathID, link+"->") || strings.HasSuffix(e.PathID, "->"+link)) {
				return e, time.Now()
			}
		case <-timeout:
			t.Fatalf("no %s event of a path over %s within %v", state, link, d)
		}
	}
}

// TestLabAPI signs in to the lab's controller as its status says, reads
// sites and paths, and sees a cut link's paths go DOWN and come back UP
// through a GraphQL subscription.
func TestLabAPI(t *testing.T) {
	l := upLab(t, "--sites", "2")
	d := l.dashboard()
	c := newAPIClient(t, d)

	// Without credentials: 401, on GraphQL and on a wrong password.
	if code := c.do("POST", "/api/v2/graphql", map[string]string{"query": "{ sites { name } }"}, nil); code != http.StatusUnauthorized {
		t.Fatalf("graphql without credentials: HTTP %d, want 401", code)
	}
	if code := c.login(d.Username, "not-the-password"); code != http.StatusUnauthorized {
		t.Fatalf("login with a wrong password: HTTP %d, want 401", code)
	}
	pw, err := os.ReadFile(d.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	if code := c.login(d.Username, strings.TrimSpace(string(pw))); code != http.StatusOK {
		t.Fatalf("login as %s: HTTP %d", d.Username, code)
	}

	// Every path of every site, with its state: UP once the probes have
	// measured it (DEGRADED until then).
	var q struct {
		Sites []struct {
			Name  string `json:"name"`
			Paths []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"paths"`
		} `json:"sites"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		c.gql(`{ sites { name paths { id state } } }`, nil, &q)
		up := 0
		for _, s := range q.Sites {
			for _, p := range s.Paths {
				if !strings.HasPrefix(p.ID, s.Name+"/") || !strings.Contains(p.ID, "->") {
					t.Fatalf("site %s: path ID %q, want %s/LINK->PEER/LINK", s.Name, p.ID, s.Name)
				}
				if p.State == "UP" {
					up++
				}
			}
		}
		if len(q.Sites) == 2 && up == 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sites and paths 30 s after lab up: %+v", q.Sites)
		}
	}

	// A cut link reaches a subscriber: its paths go DOWN, then UP again.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := c.subscribe(ctx, `subscription { pathEvents(site: "site1") { site pathId state at stateChanged } }`)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // the subscription is registered
	cut := time.Now()
	l.impair("site1", "inet", "--down")
	e, got := waitPathEvent(t, events, "site1/inet", "DOWN", 10*time.Second)
	t.Logf("cut site1/inet: %s DOWN (reported by %s) reached the subscriber %v after the cut began",
		e.PathID, e.Site, got.Sub(cut).Round(time.Millisecond))
	restore := time.Now()
	l.impair("site1", "inet", "--up")
	e, got = waitPathEvent(t, events, "site1/inet", "UP", 30*time.Second)
	t.Logf("restored site1/inet: %s UP reached the subscriber %v after the restore began",
		e.PathID, got.Sub(restore).Round(time.Millisecond))

	apiMutations(t, l, c)
}

// apiMutations runs every mutation of the API against the lab, checking
// each took effect where it matters (the edges, the credentials) and
// was audited.
func apiMutations(t *testing.T, l *testLab, c *apiClient) {
	// Join tokens: the secret once, never in a list; revocable.
	var tok struct {
		CreateJoinToken struct {
			Secret string
			Token  struct{ ID string }
		}
	}
	c.gql(`mutation { createJoinToken(site: "site9", ttl: "1h") { secret token { id } } }`, nil, &tok)
	if !strings.HasPrefix(tok.CreateJoinToken.Secret, "ptj_") {
		t.Fatalf("createJoinToken: secret %q", tok.CreateJoinToken.Secret)
	}
	var list json.RawMessage
	c.gql(`{ joinTokens { nodes { id site } } }`, nil, &list)
	if strings.Contains(string(list), tok.CreateJoinToken.Secret) || !strings.Contains(string(list), tok.CreateJoinToken.Token.ID) {
		t.Fatalf("joinTokens: %s", list)
	}
	c.gql(`mutation($id: String!) { revokeJoinToken(id: $id) { revokedAt } }`, map[string]any{"id": tok.CreateJoinToken.Token.ID}, nil)

	// A prefix added to site1 reaches site2's edge as a route to site1;
	// deleted, it goes.
	c.gql(`mutation { addPrefix(site: "site1", prefix: "10.91.0.0/24") { prefix } }`, nil, nil)
	l.waitRoute("site2", "10.91.0.0/24", true)
	c.gql(`mutation { deletePrefix(prefix: "10.91.0.0/24") { deletedNodeId } }`, nil, nil)
	l.waitRoute("site2", "10.91.0.0/24", false)

	// A policy set reaches the edges.
	c.gql(`mutation { setPolicySet(policySet: {policies: [{name: "api-voice", slaClass: "voice", mode: DUPLICATE, match: {classes: ["voice"]}}]}) { revision } }`, nil, nil)
	for deadline := time.Now().Add(10 * time.Second); !l.hasPolicy("site1", "api-voice"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("site1's edge has no policy api-voice 10 s after setPolicySet")
		}
	}

	// A link of a site that has none running yet: put, then delete.
	c.gql(`mutation { putLink(site: "site2", link: {name: "mpls", colour: "mpls", cost: 30, endpoint: "198.51.100.9:51820"}) { name } }`, nil, nil)
	c.gql(`mutation { deleteLink(site: "site2", name: "mpls") { deletedNodeId } }`, nil, nil)

	// A viewer reads but changes nothing; deleted, its token is refused.
	c.gql(`mutation { createUser(input: {name: "bob", role: VIEWER, password: "bob's long password"}) { name role } }`, nil, nil)
	bob := newAPIClient(t, c.d)
	if code := bob.login("bob", "bob's long password"); code != http.StatusOK {
		t.Fatalf("bob's login: HTTP %d", code)
	}
	bob.gql(`{ sites { name } }`, nil, nil)
	if code := bob.gqlCode(`mutation { revokeSite(name: "site1") { state } }`, nil); code != "FORBIDDEN" {
		t.Fatalf("a viewer's revokeSite: code %q, want FORBIDDEN", code)
	}
	c.gql(`mutation { updateUser(name: "bob", input: {role: OPERATOR}) { role } }`, nil, nil)
	c.gql(`mutation { deleteUser(name: "bob") { deletedNodeId } }`, nil, nil)
	if code := bob.do("POST", "/api/v2/graphql", map[string]string{"query": "{ sites { name } }"}, nil); code != http.StatusUnauthorized {
		t.Fatalf("a deleted user's token: HTTP %d, want 401", code)
	}

	// An API key works for scripts on REST until revoked.
	var key struct {
		CreateAPIKey struct {
			Secret string
			APIKey struct{ ID string } `json:"apiKey"`
		} `json:"createAPIKey"`
	}
	c.gql(`mutation { createAPIKey(name: "script", role: VIEWER) { secret apiKey { id } } }`, nil, &key)
	script := newAPIClient(t, c.d)
	script.token = key.CreateAPIKey.Secret
	if code := script.do("GET", "/api/v1/networks/default/sites", nil, nil); code != http.StatusOK {
		t.Fatalf("REST with an API key: HTTP %d", code)
	}
	c.gql(`mutation($id: String!) { revokeAPIKey(id: $id) { deletedNodeId } }`, map[string]any{"id": key.CreateAPIKey.APIKey.ID}, nil)
	if code := script.do("GET", "/api/v1/networks/default/sites", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("REST with a revoked API key: HTTP %d, want 401", code)
	}

	// Revoking a site cuts it off; deleting it removes it.
	var rev struct{ RevokeSite struct{ State string } }
	c.gql(`mutation { revokeSite(name: "site2", reason: "test") { state } }`, nil, &rev)
	if rev.RevokeSite.State != "REVOKED" {
		t.Fatalf("revokeSite: %+v", rev)
	}
	c.gql(`mutation { deleteSite(name: "site2") { deletedNodeId } }`, nil, nil)
	if code := c.gqlCode(`{ site(name: "site2") { name } }`, nil); code != "NOT_FOUND" {
		t.Fatalf("a deleted site: code %q, want NOT_FOUND", code)
	}

	// Every mutation is in the audit log, with the user and the address.
	var audit struct {
		AuditLog struct {
			Nodes []struct{ Actor, Action, SourceIP, Outcome string } `json:"nodes"`
		} `json:"auditLog"`
	}
	c.gql(`{ auditLog(first: 200) { nodes { actor action sourceIP: sourceIp outcome } } }`, nil, &audit)
	seen := map[string]bool{}
	for _, a := range audit.AuditLog.Nodes {
		if a.Actor == c.d.Username && a.SourceIP != "" {
			seen[a.Action] = true
		}
	}
	t.Logf("audit log: %d entries, actions by %s: %v", len(audit.AuditLog.Nodes), c.d.Username, seen)
	for _, want := range []string{"join_token.create", "join_token.revoke", "prefix.add", "prefix.delete", "policy.set", "link.put",
		"link.delete", "user.create", "user.update", "user.delete", "api_key.create", "api_key.revoke", "site.revoke", "site.delete"} {
		if !seen[want] {
			t.Errorf("audit log lacks %s by %s", want, c.d.Username)
		}
	}
}

// waitRoute waits until the edge node of site has (or no longer has) a
// route to prefix.
func (l *testLab) waitRoute(site, prefix string, want bool) {
	l.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if strings.Contains(l.mustExec(site, "ip", "route", "show", prefix), prefix) == want {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: a route to %s present %v after 10 s, want %v", site, prefix, !want, want)
		}
	}
}
