package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
)

// TestCtlAlertsWebhook: alerts webhook add / list / test / remove
// through a running controller's Admin API; the test notice arrives
// signed with the secret from --secret-file, which list never shows.
func TestCtlAlertsWebhook(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	type got struct {
		sig  string
		body []byte
	}
	ch := make(chan got, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Header.Get(alert.SignatureHeader), b}
	}))
	defer srv.Close()
	const secret = "receiver-shared-secret-42"
	sf := filepath.Join(dir, "secret")
	os.WriteFile(sf, []byte(secret+"\n"), 0o600)

	out := p.mustCtl(t, dir, "alerts", "webhook", "add", srv.URL+"/hook", "--secret-file", sf, "--slack")
	if !strings.Contains(out, srv.URL+"/hook") || strings.Contains(out, secret) || strings.Contains(out, "secret:") {
		t.Fatalf("add: %s", out)
	}
	out = p.mustCtl(t, dir, "alerts", "webhook", "add", "http://127.0.0.1:1/x")
	if !strings.Contains(out, "secret: ") || !strings.Contains(out, "shown once") {
		t.Fatalf("add without --secret-file prints no secret: %s", out)
	}
	drawn := strings.Fields(out[strings.Index(out, "secret: ")+len("secret: "):])[0]
	var list struct {
		Webhooks []struct {
			ID    string `json:"id"`
			URL   string `json:"url"`
			Slack bool   `json:"slack"`
		} `json:"webhooks"`
	}
	raw := p.mustCtl(t, dir, "alerts", "webhook", "list", "--json")
	if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list.Webhooks) != 2 || !list.Webhooks[0].Slack || list.Webhooks[0].ID != "1" {
		t.Fatalf("list: %v %s", err, raw)
	}
	if strings.Contains(raw, secret) || strings.Contains(raw, drawn) {
		t.Fatalf("list shows a secret: %s", raw)
	}
	if out := p.mustCtl(t, dir, "alerts", "webhook", "test", "1"); !strings.Contains(out, "delivered: HTTP 200") {
		t.Fatalf("test: %s", out)
	}
	select {
	case g := <-ch:
		if err := alert.Verify([]byte(secret), g.sig, g.body, time.Now(), alert.DefaultReplayWindow); err != nil {
			t.Fatalf("signature: %v", err)
		}
		if err := alert.Verify([]byte("not-the-secret-at-all"), g.sig, g.body, time.Now(), alert.DefaultReplayWindow); err == nil {
			t.Fatal("a wrong secret verifies")
		}
		var a map[string]any
		json.Unmarshal(g.body, &a)
		if a["kind"] != "test" || a["status"] != "firing" || a["text"] == nil {
			t.Fatalf("test notice %s", g.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no test notice")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"alerts", "webhook", "add", "ftp://x.example/y"}, "InvalidArgument: url: scheme must be http or https"},
		{[]string{"alerts", "webhook", "add", "https://u:p@x.example/y"}, "url: user information"},
		{[]string{"alerts", "webhook", "add", "https://x.example/y", "--secret-file", filepath.Join(dir, "nope")}, "--secret-file"},
		{[]string{"alerts", "webhook", "remove", "x"}, "ID: \"x\" is not a webhook id"},
		{[]string{"alerts", "webhook", "test", "99"}, "NotFound"},
		{[]string{"alerts", "webhook", "test", "2"}, "not delivered"},
	} {
		_, errOut, code := p.ctl(t, dir, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("ctl %v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	p.mustCtl(t, dir, "alerts", "webhook", "remove", "1")
	if _, errOut, _ := p.ctl(t, dir, "alerts", "webhook", "remove", "1"); !strings.Contains(errOut, "NotFound") {
		t.Fatalf("remove twice: %s", errOut)
	}
	if out := p.mustCtl(t, dir, "alerts", "list"); !strings.HasPrefix(out, "KIND") {
		t.Fatalf("alerts list: %s", out)
	}
}
