package bfdtest_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/bfdtest"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// Two Managers joined by a Pipe bring a session Up, and a cut link takes
// it Down by detection.
func ExamplePipe() {
	a, b := bfd.NewManager(nil), bfd.NewManager(nil)
	addrA, addrB := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	pipe := bfdtest.NewPipe(a, b, addrA, addrB)
	defer pipe.Close()
	defer b.Close()
	defer a.Close()

	events, cancel := a.Subscribe()
	defer cancel()
	timers := session.Config{DesiredMinTx: 20 * time.Millisecond, RequiredMinRx: 20 * time.Millisecond, DetectMult: 3}
	a.Add(bfd.SessionConfig{Key: bfd.Key{Local: addrA, Peer: addrB}, Config: timers}, pipe.AtoB)
	b.Add(bfd.SessionConfig{Key: bfd.Key{Local: addrB, Peer: addrA}, Config: timers}, pipe.BtoA)

	wait := func(to packet.State) {
		for ev := range events {
			if ev.To == to {
				fmt.Println(ev.To, ev.Diag) // from Init, or from Down if the peer was Init first
				return
			}
		}
	}
	wait(packet.StateUp)
	pipe.Cut(true)
	wait(packet.StateDown)
	// Output:
	// up none
	// down control_detection_time_expired
}
