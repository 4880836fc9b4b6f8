package dataplane

import (
	"fmt"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/session"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// TestPathsPublishedReady: the control loop reads every published path's
// prober and BFD key every controlTick while new paths are put under
// steering, as Reconfigure does. Under -race this fails if a path is
// published before everything it points to is written.
func TestPathsPublishedReady(t *testing.T) {
	d := withSteering(t, &Dataplane{cfg: &config.Valid{ID: 1, Overlay: config.Overlay{MTU: 1420},
		Links: []config.ValidLink{{Name: "inet", Color: "inet"}},
		BFD:   session.Config{DesiredMinTx: time.Second, RequiredMinRx: time.Second, DetectMult: 3}}, pool: newBufPool(256), stop: make(chan struct{})})
	d.cur = d.cfg
	d.wg.Add(1)
	go d.controlLoop()
	defer func() { close(d.stop); d.wg.Wait() }()
	for i := range 40 {
		p := &Path{ID: fmt.Sprint("s1/inet->s2/l", i), site: 2, num: i + 1, started: time.Now(), link: &wanLink{cfg: d.cfg.Links[0]},
			shim: testEndpoint(1, 2, nil)}
		p.tun = newPathTUN(p.ID, 1420, d.pool, p.shim, nil)
		d.mu.Lock()
		d.paths = append(d.paths, p)
		err := d.syncSteeringLocked(&d.cfg.Steering, d.cfg)
		d.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
}
