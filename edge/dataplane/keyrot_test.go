package dataplane_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
)

// rotating is cfg with peer id rotating to next.
func rotating(cfg *config.Valid, id int, next *ecdh.PublicKey) *config.Valid {
	for i := range cfg.Peers {
		if cfg.Peers[i].ID == uint16(id) {
			cfg.Peers[i].NextPublicKey = next
		}
	}
	return cfg
}

// newKey makes a new key for site id.
func (n *testNet) newKey(int) *ecdh.PrivateKey {
	n.t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		n.t.Fatal(err)
	}
	return k
}

// persistKey makes k site id's key and writes its key file (what the
// edge persists once its rotation is done).
func (n *testNet) persistKey(id int, k *ecdh.PrivateKey) {
	n.t.Helper()
	n.keys[id] = k
	file := filepath.Join(n.dir, fmt.Sprintf("site%d.key", id))
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(k.Bytes())+"\n"), 0o600); err != nil {
		n.t.Fatal(err)
	}
}

// keysOf returns the keys site s's paths use: its own and its peer's.
func keysOf(s *testSite) (own, peer map[string]bool) {
	own, peer = map[string]bool{}, map[string]bool{}
	for _, p := range s.dp.Status().Paths {
		own[p.PublicKey], peer[p.PeerPublicKey] = true, true
	}
	return own, peer
}

// TestSitesKeyRotation: streams of 1,000 packets/s each way between two
// sites with four paths; site 2 knows site 1's next key; site 1 rotates
// path by path. Nothing is lost either way; every path of both sites
// uses the new key after; the controller's commit (site 2's peer key
// becomes the new one) and site 1's configuration with its new key file
// restart no path.
func TestSitesKeyRotation(t *testing.T) {
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	next := n.newKey(1)
	s2 := n.start(2, rotating(n.config(2, []int{1}, slowBFD), 1, next.PublicKey()))
	n.waitUp()
	to2, to1 := collect(s2), collect(s1)
	defer to2.stop()
	defer to1.stop()
	stop12, next12 := stream(s1, 1, 2, 200, time.Millisecond)
	stop21, next21 := stream(s2, 2, 1, 200, time.Millisecond)
	to2.waitFor(t, 10, 10*time.Second)
	to1.waitFor(t, 10, 10*time.Second)

	t0 := time.Now()
	if err := s1.dp.RotateKey(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	t.Logf("rotated 4 paths in %v", time.Since(t0).Round(time.Millisecond))
	time.Sleep(200 * time.Millisecond)
	stop12()
	stop21()
	to2.waitFor(t, next12.Load()-1, 5*time.Second)
	to1.waitFor(t, next21.Load()-1, 5*time.Second)
	for _, c := range []struct {
		name string
		col  *collector
		sent uint32
	}{{"1→2", to2, next12.Load()}, {"2→1", to1, next21.Load()}} {
		lost := 0
		for i := range c.sent {
			if c.col.has(i) == 0 {
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("%s: %d of %d packets lost during the rotation", c.name, lost, c.sent)
		}
	}
	newPub := base64.StdEncoding.EncodeToString(next.PublicKey().Bytes())
	if own, _ := keysOf(s1); len(own) != 1 || !own[newPub] {
		t.Errorf("site 1's paths use %v, want only %s", own, newPub)
	}
	if _, peer := keysOf(s2); len(peer) != 1 || !peer[newPub] {
		t.Errorf("site 2's paths know site 1 as %v, want only %s", peer, newPub)
	}

	// The controller commits: site 2's peer key is the new one.
	n.persistKey(1, next)
	ch, err := s2.dp.Reconfigure(n.config(2, []int{1}, slowBFD))
	if err != nil || len(ch.PeersRestarted) != 0 {
		t.Errorf("commit on site 2: %+v, %v", ch, err)
	}
	ch, err = s1.dp.Reconfigure(n.config(1, []int{2}, slowBFD))
	if err != nil || len(ch.PeersRestarted) != 0 {
		t.Errorf("site 1 with its new key file: %+v, %v", ch, err)
	}
	s1.tun.Inject(udp(1, 2, 1e6, 100))
	to2.waitFor(t, 1e6, 5*time.Second)
}

// TestKeyRotationPeerUnaware: the peer does not know the next key. The
// first path does not come up under it: RotateKey fails with
// ErrRotationUp and the path has its old key again and comes back up;
// the site keeps its old key for new configurations.
func TestKeyRotationPeerUnaware(t *testing.T) {
	t.Cleanup(dataplane.SetRotateTimers(time.Second, time.Hour)) // after the sites closed
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	err := s1.dp.RotateKey(context.Background(), n.newKey(1))
	if !errors.Is(err, dataplane.ErrRotationUp) {
		t.Fatalf("RotateKey = %v, want ErrRotationUp", err)
	}
	old := base64.StdEncoding.EncodeToString(n.keys[1].PublicKey().Bytes())
	if own, _ := keysOf(s1); len(own) != 1 || !own[old] {
		t.Errorf("site 1's paths use %v, want only its old key", own)
	}
	n.waitUp()
	if _, err := s1.dp.Reconfigure(n.config(1, []int{2}, slowBFD)); err != nil {
		t.Errorf("same configuration after the failed rotation: %v", err)
	}
}

// TestKeyRotationLateConfig: the peer learns the next key only after
// the rotating site moved a path to it: the path, down, tries the next
// key after keyRetryAfter and comes up.
func TestKeyRotationLateConfig(t *testing.T) {
	t.Cleanup(dataplane.SetRotateTimers(20*time.Second, 500*time.Millisecond)) // after the sites closed
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	s2 := n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	next := n.newKey(1)
	done := make(chan error, 1)
	go func() { done <- s1.dp.RotateKey(context.Background(), next) }()
	time.Sleep(time.Second) // the first path is down under the new key
	if _, err := s2.dp.Reconfigure(rotating(n.config(2, []int{1}, slowBFD), 1, next.PublicKey())); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n.waitUp()
}
