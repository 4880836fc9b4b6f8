package sqlcore

import (
	"context"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

func recv(t *testing.T, ch <-chan store.Revision) store.Revision {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received")
		return store.Revision{}
	}
}

// TestHubCoalesces: a reader that falls behind gets the newest revision
// per network, never an older one after a newer.
func TestHubCoalesces(t *testing.T) {
	h := NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	sub := h.subscribe()
	out := make(chan store.Revision)
	go sub.run(ctx, done, h, out)
	for i := int64(1); i <= 100; i++ {
		h.Publish(store.Revision{NetworkID: 1, Number: i})
	}
	h.Publish(store.Revision{NetworkID: 1, Number: 50}) // stale: dropped
	h.Publish(store.Revision{NetworkID: 2, Number: 7})
	var last1 int64
	for got2 := false; last1 != 100 || !got2; {
		r := recv(t, out)
		switch r.NetworkID {
		case 1:
			if r.Number <= last1 {
				t.Fatalf("revision %d after %d", r.Number, last1)
			}
			last1 = r.Number
		case 2:
			got2 = r.Number == 7
		}
	}
	cancel()
	for range out { // closed when ctx ends
	}
	h.mu.Lock()
	n := len(h.subs)
	h.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d subscribers left", n)
	}
	close(done)
}
