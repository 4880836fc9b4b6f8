package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/api"
)

// TestUIRoutes: the dashboard answers the paths no API route takes, never
// the API's namespace, the operations endpoints or a gRPC method's path.
func TestUIRoutes(t *testing.T) {
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>app</html>"))
	})
	e := newEnv(t, func(c *api.Config) { c.UI = ui })
	for _, p := range []string{"/", "/topology", "/paths/a/inet->b/inet", "/sites/hq.paris", "/index.html", "/assets/x.js"} {
		resp, body := e.do(req{method: "GET", path: p})
		if resp.StatusCode != 200 || string(body) != "<html>app</html>" || resp.Header.Get("Content-Security-Policy") != "default-src 'self'" {
			t.Errorf("GET %s: %d %q csp %q", p, resp.StatusCode, body, resp.Header.Get("Content-Security-Policy"))
		}
	}
	for _, p := range []string{"/api", "/api/", "/api/v3/graphql", "/api/v1/auth/nothing", "/api/v2/nothing", "/metrics",
		"/healthz", "/health", "/readyz", "/debug/pprof/", "/patronus.v1.Control/Enroll", "/grpc.health.v1.Health/Check"} {
		resp, body := e.do(req{method: "GET", path: p})
		if resp.StatusCode == 200 || strings.Contains(string(body), "app") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %s (%s): want the API's JSON error", p, resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
	}
	// The API's own routes are untouched.
	if resp, _ := e.do(req{method: "GET", path: "/api/v1/openapi.json"}); resp.StatusCode != 200 {
		t.Errorf("openapi.json: %d", resp.StatusCode)
	}
	if resp, _ := e.do(req{method: "POST", path: "/api/v2/graphql", body: `{"query":"{networks{name}}"}`}); resp.StatusCode != 401 {
		t.Errorf("graphql without a token: %d, want 401", resp.StatusCode)
	}
}
