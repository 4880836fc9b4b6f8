// Package webui serves the web dashboard: the single-page app built from
// web/ (React, Vite) into dist/, embedded in the binary. The built assets
// are committed (docs/WEB.md says why), so `go build` needs no Node.
//
// Handler answers GET and HEAD: a file of dist when the path names one;
// for any other path that looks like a page of the app (no file extension,
// not under /assets/), index.html, so that /paths/… and /sites/… load
// the app, whose router shows the page. The caller keeps the API's paths
// (/api/…, gRPC, /metrics, /health) away from it (controller/api does).
//
// Caching: the hashed files under /assets/ are immutable for a year;
// everything else (index.html) is revalidated at every load (no-cache,
// with an ETag). Text files are served gzip-compressed to clients that
// accept it, compressed once when the handler is made. The
// Content-Security-Policy allows the app's own origin only: no inline
// script or style, no other origin (WebSockets to the same host included).
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is the policy of the app's pages and assets.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheRevalid   = "no-cache"
)

// file is one embedded file, with its gzip form when that is smaller.
type file struct {
	name  string
	body  []byte
	gz    []byte
	ctype string
	etag  string
}

// Handler serves the embedded app. It is safe for concurrent use: its
// files are read once, by New, and never change.
type Handler struct {
	files map[string]*file // by path without the leading slash
	index *file
}

// New reads the embedded app.
func New() (*Handler, error) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, err
	}
	return newFromFS(sub)
}

// ErrNotBuilt says the binary was built without the app (dist/ has no
// index.html).
var ErrNotBuilt = errors.New("webui: the dashboard is not built: run 'make web' (needs Node 20 and npm) and rebuild")

func newFromFS(fsys fs.FS) (*Handler, error) {
	h := &Handler{files: map[string]*file{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		f, err := newFile(name, b)
		if err != nil {
			return err
		}
		h.files[name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webui: %w", err)
	}
	if h.index = h.files["index.html"]; h.index == nil {
		return nil, ErrNotBuilt
	}
	return h, nil
}

func newFile(name string, b []byte) (*file, error) {
	sum := sha256.Sum256(b)
	f := &file{name: name, body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if f.ctype = mime.TypeByExtension(path.Ext(name)); f.ctype == "" {
		f.ctype = http.DetectContentType(b)
	}
	if compressible(f.ctype) {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return nil, err
		}
		if _, err := zw.Write(b); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		if buf.Len() < len(b) {
			f.gz = buf.Bytes()
		}
	}
	return f, nil
}

func compressible(ctype string) bool {
	for _, p := range []string{"text/", "application/javascript", "application/json", "image/svg+xml"} {
		if strings.HasPrefix(ctype, p) {
			return true
		}
	}
	return false
}

// ServeHTTP serves a file, the app's index.html for its pages, or 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	f := h.files[name]
	cache := cacheRevalid
	switch {
	case f != nil && strings.HasPrefix(name, "assets/"):
		cache = cacheImmutable
	case f != nil:
	case isPage(name):
		f = h.index
	default:
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("Cache-Control", cache)
	hd.Set("Content-Type", f.ctype)
	hd.Set("ETag", f.etag)
	hd.Add("Vary", "Accept-Encoding")
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		hd.Set("ETag", strings.TrimSuffix(f.etag, `"`)+`-gz"`)
		body = f.gz
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// fileExts are the extensions of files an app loads: a missing one is a
// 404, not the app (a page's path may hold a dot: a site named "hq.paris").
var fileExts = map[string]bool{".js": true, ".mjs": true, ".css": true, ".map": true, ".html": true, ".json": true,
	".png": true, ".svg": true, ".ico": true, ".jpg": true, ".webp": true, ".woff": true, ".woff2": true,
	".txt": true, ".webmanifest": true, ".xml": true}

// isPage reports whether name (no leading slash) is a page of the app
// rather than a missing file: not under assets/, not a file's extension.
func isPage(name string) bool {
	if name == "assets" || strings.HasPrefix(name, "assets/") {
		return false
	}
	return !fileExts[strings.ToLower(path.Ext(name))]
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
