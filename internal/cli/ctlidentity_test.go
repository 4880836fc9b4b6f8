package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/pki"
)

// TestCtlIdentityLifecycle: through patronus ctl against a running
// controller, a site is reset (a reset token that re-enrols it under its
// ID) and deleted; an operator renews its credentials in place, and both
// its certificates work until one is revoked by serial; a site's
// certificate is listed and revoked by serial.
func TestCtlIdentityLifecycle(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	var tok struct {
		Token string `json:"token"`
		Info  struct {
			ID    string `json:"id"`
			Reset bool   `json:"reset"`
		} `json:"info"`
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "tokens", "create", "--site", "b1", "--json")), &tok); err != nil {
		t.Fatal(err)
	}
	id := enrolEdge(t, p.addr, tok.Token, "b1")

	// Reset: the old certificate is revoked, the token re-enrols b1 as id.
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "sites", "reset", "b1", "--ttl", "10m", "--json")), &tok); err != nil || !tok.Info.Reset {
		t.Fatalf("sites reset: %v %+v", err, tok)
	}
	if again := enrolEdge(t, p.addr, tok.Token, "b1"); again != id {
		t.Fatalf("re-enrolled as site %d, was %d", again, id)
	}
	if out := p.mustCtl(t, dir, "tokens", "list"); !strings.Contains(out, tok.Info.ID) || !strings.Contains(out, "reset") {
		t.Fatalf("tokens list: %s", out)
	}
	if _, errOut, code := p.ctl(t, dir, "sites", "reset", "b1", "--ttl", "1s"); code == 0 || !strings.Contains(errOut, "--ttl") {
		t.Fatalf("reset with a bad ttl: exit %d %s", code, errOut)
	}
	if _, errOut, code := p.ctl(t, dir, "sites", "reset", "nope"); code == 0 || !strings.Contains(errOut, "NotFound") {
		t.Fatalf("reset of an unknown site: exit %d %s", code, errOut)
	}
	var certs struct {
		Certificates []struct {
			Serial    string `json:"serial"`
			RevokedAt string `json:"revoked_at"`
		} `json:"certificates"`
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "certs", "list", "--site", "b1", "--json")), &certs); err != nil ||
		len(certs.Certificates) != 2 || certs.Certificates[0].RevokedAt == "" || certs.Certificates[1].RevokedAt != "" {
		t.Fatalf("certs list: %v %+v", err, certs)
	}
	inForce := certs.Certificates[1].Serial
	if out := p.mustCtl(t, dir, "certs", "revoke", inForce, "--reason", "stolen"); !strings.Contains(out, "certificate "+inForce+" of site b1") {
		t.Fatalf("certs revoke: %s", out)
	}

	// An operator renews in place; the old certificate works until revoked.
	carol := filepath.Join(dir, "carol")
	p.mustCtl(t, dir, "operators", "issue", "carol", "--out", carol)
	asCarol := func(args ...string) (string, string, int) {
		return run(append([]string{"ctl", "--controller", p.addr, "--credentials", carol}, args...)...)
	}
	old := filepath.Join(dir, "carol-old")
	copyDir(t, carol, old)
	out, errOut, code := asCarol("operators", "renew", "--validity", "720h")
	if code != 0 || !strings.Contains(out, "operator carol: new certificate serial") {
		t.Fatalf("operators renew: exit %d %s %s", code, out, errOut)
	}
	if _, errOut, code := asCarol("sites", "list"); code != 0 {
		t.Fatalf("ctl with carol's renewed credentials: %s", errOut)
	}
	oldRun := func() int {
		_, _, code := run("ctl", "--controller", p.addr, "--credentials", old, "sites", "list")
		return code
	}
	if oldRun() != 0 {
		t.Fatal("carol's old certificate refused before it was revoked")
	}
	var ops struct {
		Certificates []struct {
			Name   string `json:"name"`
			Serial string `json:"serial"`
		} `json:"certificates"`
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "operators", "list", "--json")), &ops); err != nil {
		t.Fatal(err)
	}
	var carols []string
	for _, c := range ops.Certificates {
		if c.Name == "carol" {
			carols = append(carols, c.Serial)
		}
	}
	if len(carols) != 2 {
		t.Fatalf("carol's certificates: %+v", ops)
	}
	oldCreds, err := pki.LoadIdentity(old)
	if err != nil {
		t.Fatal(err)
	}
	if s := oldCreds.Chain[0].SerialNumber.String(); s != carols[0] && s != carols[1] {
		t.Fatalf("carol's old serial %s is not listed: %v", s, carols)
	}
	p.mustCtl(t, dir, "certs", "revoke", oldCreds.Chain[0].SerialNumber.String())
	if oldRun() == 0 {
		t.Fatal("carol's old certificate still accepted after certs revoke")
	}
	if _, errOut, code := asCarol("sites", "list"); code != 0 {
		t.Fatalf("carol's renewed certificate refused after the old one was revoked: %s", errOut)
	}

	// Delete: the site is gone, its name enrols anew under another ID.
	p.mustCtl(t, dir, "sites", "delete", "b1")
	if out := p.mustCtl(t, dir, "sites", "list"); strings.Contains(out, "b1") {
		t.Fatalf("sites list after delete: %s", out)
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "tokens", "create", "--site", "b1", "--json")), &tok); err != nil {
		t.Fatal(err)
	}
	if fresh := enrolEdge(t, p.addr, tok.Token, "b1"); fresh == id {
		t.Fatal("the deleted site's ID was reused")
	}
}

// copyDir copies the files of src into a new directory dst (modes kept).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
