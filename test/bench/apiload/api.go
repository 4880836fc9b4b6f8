package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/test/bench/gqlws"
)

// tokenMargin: an access token this close to its expiry is renewed (by
// signing in again) before a request uses it.
const tokenMargin = 30 * time.Second

// maxResponse bounds a query's answer.
const maxResponse = 64 << 20

// apiClient is one user signed in to the controller's HTTPS API from one
// source address, querying it as a script or the web UI does.
type apiClient struct {
	base     string       // https://HOST:PORT
	hc       *http.Client // queries: HTTP/2 where the server offers it, as browsers and curl
	wsHC     *http.Client // WebSocket upgrades: HTTP/1.1
	user, pw string

	mu      sync.Mutex // guards token and expires; held while signing in
	token   string
	expires time.Time

	throttled atomic.Int64 // WebSocket upgrades answered 429 and tried again
}

// newAPIClient trusts ca for the server name serverName at addr, and
// connects from source address from (nil: the system's choice).
func newAPIClient(addr, serverName string, ca *x509.Certificate, user, pw string, from net.IP, maxConns int) *apiClient {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	tlsCfg := &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
	h1 := tlsCfg.Clone()
	h1.NextProtos = []string{"http/1.1"}
	d := &net.Dialer{Timeout: dialTimeout}
	if from != nil {
		d.LocalAddr = &net.TCPAddr{IP: from}
	}
	return &apiClient{
		base: "https://" + addr,
		hc: &http.Client{Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true,
			MaxIdleConns: maxConns, MaxIdleConnsPerHost: maxConns}},
		wsHC: &http.Client{Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: h1, ForceAttemptHTTP2: false}},
		user: user, pw: pw,
	}
}

// dialTimeout bounds a TCP connect to the controller.
const dialTimeout = 10 * time.Second

// login signs in with the password: POST /api/v1/auth/login.
func (a *apiClient) login(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.loginLocked(ctx)
}

// loginLocked signs in and keeps the access token; a.mu must be held.
func (a *apiClient) loginLocked(ctx context.Context) error {
	body, _ := json.Marshal(map[string]string{"username": a.user, "password": a.pw})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sign in: HTTP %d: %.200s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var t struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &t); err != nil || t.AccessToken == "" || t.ExpiresIn <= 0 {
		return fmt.Errorf("sign in: no access_token and expires_in in the answer (%v)", err)
	}
	a.token, a.expires = t.AccessToken, time.Now().Add(time.Duration(t.ExpiresIn*float64(time.Second)))
	return nil
}

// accessToken is a token valid for tokenMargin at least, signing in again
// when the one held is about to expire (requests wait meanwhile).
func (a *apiClient) accessToken(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && time.Until(a.expires) > tokenMargin {
		return a.token, nil
	}
	if err := a.loginLocked(ctx); err != nil {
		return "", err
	}
	return a.token, nil
}

// tokenSlack is added to a phase's length when asking for a token that
// outlasts it (subscribers connect with it; connecting takes time).
const tokenSlack = 2 * time.Minute

// freshFor signs in again unless the token held is valid for d more. A
// server may end subscriptions when the token they were opened with
// expires; a phase shorter than the tokens' life never sees that.
func (a *apiClient) freshFor(ctx context.Context, d time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && time.Until(a.expires) > d {
		return nil
	}
	if err := a.loginLocked(ctx); err != nil {
		return err
	}
	if left := time.Until(a.expires); left < d {
		log.Printf("access tokens last %v, less than the %v asked: subscriptions may end when their token expires", left.Round(time.Second), d)
	}
	return nil
}

// errGraphQL is an answer with GraphQL errors.
var errGraphQL = errors.New("GraphQL errors in the answer")

// query posts q to /api/v2/graphql and returns the answer's body. It is
// an error unless the answer is HTTP 200 without GraphQL errors. (The
// check is a search for `"errors":[` rather than a decoding, so that the
// load generator spends its CPU on sending, not on parsing answers.)
func (a *apiClient) query(ctx context.Context, q string) ([]byte, error) {
	tok, err := a.accessToken(ctx)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"query": q})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/api/v2/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, fmt.Errorf("%w: HTTP 429: %.200s", errThrottled, bytes.TrimSpace(b))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if bytes.Contains(b, []byte(`"errors":[`)) {
		return nil, fmt.Errorf("%w: %.300s", errGraphQL, b)
	}
	return b, nil
}

// sitesAnswer is what sitesQuery returns.
type sitesAnswer struct {
	Data struct {
		Sites []struct {
			Name  string `json:"name"`
			Paths []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"paths"`
		} `json:"sites"`
	} `json:"data"`
}

// countSites runs sitesQuery once and counts what it returned, to show
// what each query of the ladder carries.
func (a *apiClient) countSites(ctx context.Context) (sites, paths, bytes int, err error) {
	b, err := a.query(ctx, sitesQuery)
	if err != nil {
		return 0, 0, 0, err
	}
	var ans sitesAnswer
	if err := json.Unmarshal(b, &ans); err != nil {
		return 0, 0, 0, fmt.Errorf("the sites query's answer: %w", err)
	}
	for _, s := range ans.Data.Sites {
		paths += len(s.Paths)
	}
	return len(ans.Data.Sites), paths, len(b), nil
}

// subscribe opens a graphql-transport-ws connection to
// /api/v2/graphql/ws, authenticated by connection_init, and subscribes
// to q with vars as operation "1".
func (a *apiClient) subscribe(ctx context.Context, q string, vars map[string]any) (*gqlws.Conn, error) {
	tok, err := a.accessToken(ctx)
	if err != nil {
		return nil, err
	}
	url := "wss" + a.base[len("https"):] + "/api/v2/graphql/ws"
	c, err := gqlws.Dial(ctx, url, gqlws.Options{HTTPClient: a.wsHC, InitPayload: map[string]string{"authorization": "Bearer " + tok}})
	for try := 1; try < subscribeTries && err != nil; try++ {
		var he *gqlws.HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusTooManyRequests {
			return nil, err
		}
		a.throttled.Add(1)
		if err := sleep(ctx, retryAfter(he.RetryAfter)); err != nil {
			return nil, err
		}
		c, err = gqlws.Dial(ctx, url, gqlws.Options{HTTPClient: a.wsHC, InitPayload: map[string]string{"authorization": "Bearer " + tok}})
	}
	if err != nil {
		return nil, err
	}
	if err := c.Subscribe(ctx, subscriptionID, gqlws.Request{Query: q, Variables: vars}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// subscriptionID is the operation id of every subscriber's one
// subscription.
const subscriptionID = "1"

// subscribeTries is how often a subscriber tries to connect when the
// server answers 429 (too many requests from its address or user).
const subscribeTries = 10

// retryAfter reads a Retry-After of whole seconds; 1 s when absent or
// not a number, at most 10 s.
func retryAfter(h string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || s < 1 {
		return time.Second
	}
	return time.Duration(min(s, 10)) * time.Second
}
