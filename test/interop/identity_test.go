//go:build interop

package interop

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
)

// siteInfo is what ctl --json sites show says of a site.
type siteInfo struct {
	Site struct {
		Name string `json:"name"`
		ID   uint32 `json:"id"`
	} `json:"site"`
	Key   string `json:"wireguard_public_key"`
	State string `json:"state"`
}

func (l *testLab) siteInfo(name string) siteInfo {
	l.t.Helper()
	var s siteInfo
	if err := json.Unmarshal([]byte(l.mustCtl("--json", "sites", "show", name)), &s); err != nil {
		l.t.Fatal(err)
	}
	return s
}

// startEdge starts site's edge again, as the lab does, with env added;
// it is killed when the test ends.
func (l *testLab) startEdge(s *lab.Site, ctlAddr string, env ...string) {
	l.t.Helper()
	lf, err := os.OpenFile(s.Log, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		l.t.Fatal(err)
	}
	defer lf.Close()
	c := exec.Command("ip", "netns", "exec", "pl-"+l.name+"-site"+strconv.Itoa(s.ID), patronusBin(l.t), "edge",
		"--controller", ctlAddr, "--state-dir", filepath.Dir(s.Config), "--control-socket", s.ControlSocket)
	c.Stdout, c.Stderr = lf, lf
	c.Env = append(os.Environ(), env...)
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		l.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	l.t.Cleanup(func() {
		_ = c.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	})
}

// TestLabSiteReset: site2's edge loses its state directory (key,
// certificate, WireGuard key). patronus ctl sites reset makes a token
// with which a new edge takes site2's place under its name and ID, with
// the links and prefixes the controller kept, and a new WireGuard key
// that site1 takes: host1 reaches host2 again.
func TestLabSiteReset(t *testing.T) {
	l := upLab(t, "--sites", "2")
	st, err := lab.Load(l.root, l.name)
	if err != nil {
		t.Fatal(err)
	}
	s2 := &st.Sites[1]
	before := l.siteInfo("site2")
	if err := syscall.Kill(s2.EdgePID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(s2.EdgePID, 0) == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("site2's edge did not stop")
		}
	}
	if err := os.RemoveAll(filepath.Dir(s2.Config)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.exec("host1", "ping", "-c", "1", "-W", "1", l.st.Sites[1].HostIPv4); err == nil {
		t.Fatal("host2 reachable with site2's edge stopped")
	}
	var tok struct {
		Token string `json:"token"`
		Info  struct {
			ID    string `json:"id"`
			Reset bool   `json:"reset"`
		} `json:"info"`
	}
	if err := json.Unmarshal([]byte(l.mustCtl("--json", "sites", "reset", "site2", "--ttl", "10m")), &tok); err != nil || tok.Token == "" || !tok.Info.Reset {
		t.Fatalf("ctl sites reset: %v %+v", err, tok)
	}
	t0 := time.Now()
	l.startEdge(s2, st.Controller.Address, "PATRONUS_JOIN_TOKEN="+tok.Token)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, err := l.exec("host1", "ping", "-c", "1", "-W", "1", l.st.Sites[1].HostIPv4); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("host2 unreachable 30 s after site2's edge re-enrolled")
		}
	}
	t.Logf("host1 reaches host2 %v after the new edge started", time.Since(t0).Round(time.Millisecond))
	after := l.siteInfo("site2")
	if after.Site.ID != before.Site.ID || after.Key == before.Key || after.State != "SITE_STATE_ENROLLED" {
		t.Errorf("site2 before %+v, after %+v", before, after)
	}
	if r := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 100, 2*time.Second).wait(); r.Lost != 0 {
		t.Errorf("stream to the reset site: %+v", r)
	}
	// The token was good once.
	out, err := l.exec("controller", "timeout", "5", "patronus", "edge", "--controller", st.Controller.Address,
		"--join-token", tok.Token, "--state-dir", filepath.Join(t.TempDir(), "state"), "--control-socket", filepath.Join(t.TempDir(), "s.sock"))
	if err == nil {
		t.Errorf("the reset token enrolled a second edge:\n%s", out)
	}
}
