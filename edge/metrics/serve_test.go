package metrics

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/localapi"
)

func writeToken(t *testing.T, tok string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func getStatus(t *testing.T, url, bearer string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeLoopback: without a token the metrics are served on the
// loopback only.
func TestServeLoopback(t *testing.T) {
	src := fakeSource{localapi.Status{Site: "s1"}}
	addr, stop, err := Serve(ServeConfig{Addr: "127.0.0.1:0"}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if code := getStatus(t, "http://"+addr.String()+"/metrics", ""); code != 200 {
		t.Fatalf("loopback without a token: %d", code)
	}
	for _, a := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:9469", "edge.example.net:9469"} {
		_, _, err := Serve(ServeConfig{Addr: a}, src)
		if err == nil || !strings.Contains(err.Error(), "--metrics-token-file") {
			t.Errorf("%s without a token: %v, want a refusal naming --metrics-token-file", a, err)
		}
	}
}

// TestServeToken: with a token file every address may be used, and a
// scrape needs the token: 401 without it or with another.
func TestServeToken(t *testing.T) {
	tok := strings.Repeat("ab", 16)
	src := fakeSource{localapi.Status{Site: "s1"}}
	addr, stop, err := Serve(ServeConfig{Addr: "0.0.0.0:0", TokenFile: writeToken(t, tok+"\n")}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	url := "http://" + strings.Replace(addr.String(), "0.0.0.0", "127.0.0.1", 1) + "/metrics"
	for bearer, want := range map[string]int{"": 401, strings.Repeat("cd", 16): 401, tok: 200} {
		if code := getStatus(t, url, bearer); code != want {
			t.Errorf("bearer %q: %d, want %d", bearer, code, want)
		}
	}
	for _, bad := range []string{"short", strings.Repeat("a", 40) + " b"} {
		_, _, err := Serve(ServeConfig{Addr: "127.0.0.1:0", TokenFile: writeToken(t, bad)}, src)
		if err == nil || !strings.Contains(err.Error(), "--metrics-token-file") || strings.Contains(err.Error(), bad) {
			t.Errorf("token %q: %v, want a refusal naming the flag and not the token", bad, err)
		}
	}
	if _, _, err := Serve(ServeConfig{Addr: "127.0.0.1:0", TokenFile: "/nonexistent/token"}, src); err == nil {
		t.Error("a missing token file was accepted")
	}
}
