//go:build interop

package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
)

// pathKeys returns the keys site's paths use (patronus status --json):
// its own public keys and its peers'.
func (l *testLab) pathKeys(site string) (own, peer map[string]int) {
	l.t.Helper()
	var st struct {
		Paths []struct {
			PublicKey     string `json:"public_key"`
			PeerPublicKey string `json:"peer_public_key"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(l.mustExec(site, "patronus", "status", "--json")), &st); err != nil {
		l.t.Fatal(err)
	}
	own, peer = map[string]int{}, map[string]int{}
	for _, p := range st.Paths {
		own[p.PublicKey]++
		peer[p.PeerPublicKey]++
	}
	return own, peer
}

// TestLabKeyRotation: streams of 1,000 packets/s each way between host1
// and host2 while site1's WireGuard key rotates (patronus ctl sites
// rotate-key site1 --wait): none is lost. Afterwards the controller, every
// path of site1 and every path of site2 know site1 by its new key, and
// site1's edge, restarted, comes back with it: a stream again loses
// nothing.
func TestLabKeyRotation(t *testing.T) {
	l := upLab(t, "--sites", "2")
	st, err := lab.Load(l.root, l.name)
	if err != nil {
		t.Fatal(err)
	}
	l.waitBFDUp("site1", 30*time.Second)
	l.waitBFDUp("site2", 30*time.Second)
	before := l.siteInfo("site1")

	const d = 30 * time.Second
	to2 := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 1000, d)
	to1 := l.startStream("host2", "host1", l.st.Sites[0].HostIPv4, 1000, d)
	time.Sleep(2 * time.Second)
	t0 := time.Now()
	l.mustCtl("sites", "rotate-key", "site1", "--wait", "25s")
	t.Logf("rotation done in %v", time.Since(t0).Round(time.Millisecond))
	for name, s := range map[string]*streamRun{"host1→host2": to2, "host2→host1": to1} {
		r := s.wait()
		t.Logf("%s: %+v", name, r)
		if r.Lost != 0 || r.Unique < 25000 {
			t.Errorf("%s during the rotation: %+v, want none lost", name, r)
		}
	}

	after := l.siteInfo("site1")
	if after.Key == before.Key || after.Site.ID != before.Site.ID {
		t.Fatalf("site1 before %+v, after %+v", before, after)
	}
	l.checkKeys(after.Key)
	next := filepath.Join(filepath.Dir(st.Sites[0].Config), "wireguard.next.key")
	if _, err := os.Stat(next); !os.IsNotExist(err) {
		t.Errorf("%s after the rotation: %v, want it gone (renamed over wireguard.key)", next, err)
	}

	// site1's edge restarted: it comes back with the new key.
	s1 := &st.Sites[0]
	if err := syscall.Kill(s1.EdgePID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(s1.EdgePID, 0) == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("site1's edge did not stop")
		}
	}
	l.startEdge(s1, st.Controller.Address)
	time.Sleep(time.Second) // the control socket is the new edge's
	l.waitBFDUp("site1", 30*time.Second)
	l.waitBFDUp("site2", 30*time.Second)
	l.checkKeys(after.Key)
	if r := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 100, 2*time.Second).wait(); r.Lost != 0 || r.Unique != 200 {
		t.Errorf("stream after site1's restart: %+v", r)
	}
}

// checkKeys: every path of site1 uses key, and every path of site2 knows
// site1 by it.
func (l *testLab) checkKeys(key string) {
	l.t.Helper()
	if own, _ := l.pathKeys("site1"); len(own) != 1 || own[key] == 0 {
		l.t.Errorf("site1's paths use %v, want only %s", own, key)
	}
	if _, peer := l.pathKeys("site2"); len(peer) != 1 || peer[key] == 0 {
		l.t.Errorf("site2's paths know site1 as %v, want only %s", peer, key)
	}
}
