package webui

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	r, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rd io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		if rd, err = gzip.NewReader(resp.Body); err != nil {
			t.Fatal(err)
		}
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestEmbeddedApp: the committed build is complete (index.html and every
// asset it names), served with the app's CSP and caching, the app's pages
// fall back to index.html, missing files are 404.
func TestEmbeddedApp(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	resp, index := get(t, h, "GET", "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(index, `<div id="root">`) {
		t.Fatalf("/: %d %.200s", resp.StatusCode, index)
	}
	if resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("Content-Security-Policy") != ContentSecurityPolicy ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("ETag") == "" {
		t.Fatalf("/ headers %v", resp.Header)
	}
	assets := regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`).FindAllStringSubmatch(index, -1)
	if len(assets) < 2 {
		t.Fatalf("index.html names %d assets: %s", len(assets), index)
	}
	for _, a := range assets {
		resp, body := get(t, h, "GET", "/"+a[1], map[string]string{"Accept-Encoding": "gzip"})
		if resp.StatusCode != 200 || len(body) < 100 {
			t.Fatalf("%s: %d, %d bytes", a[1], resp.StatusCode, len(body))
		}
		if resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s headers %v", a[1], resp.Header)
		}
	}
	for _, p := range []string{"/paths", "/paths/site1/inet->site2/lte", "/sites/hq.paris", "/topology"} {
		resp, body := get(t, h, "GET", p, nil)
		if resp.StatusCode != 200 || body != index || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d, index %v, %v", p, resp.StatusCode, body == index, resp.Header)
		}
	}
	for _, p := range []string{"/assets/missing.js", "/assets/", "/favicon.ico", "/robots.txt", "/x/app.css"} {
		if resp, _ := get(t, h, "GET", p, nil); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := get(t, h, "POST", "/", nil); resp.StatusCode != 405 {
		t.Errorf("POST /: %d", resp.StatusCode)
	}
	// Revalidation: the ETag answers 304.
	resp, _ = get(t, h, "GET", "/", map[string]string{"If-None-Match": resp.Header.Get("ETag")})
	if etag := resp.Header.Get("ETag"); etag == "" {
		t.Fatal("no etag")
	} else if r2, _ := get(t, h, "GET", "/", map[string]string{"If-None-Match": etag}); r2.StatusCode != 304 {
		t.Errorf("If-None-Match: %d, want 304", r2.StatusCode)
	}
}

// TestNotBuilt: a binary built without the app says what is missing.
func TestNotBuilt(t *testing.T) {
	if _, err := newFromFS(fstest.MapFS{".gitignore": {Data: []byte("x")}}); err != ErrNotBuilt {
		t.Fatalf("err %v, want ErrNotBuilt", err)
	}
}
