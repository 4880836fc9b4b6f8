package bfd

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// queueSender holds packets until its flush runs, as udp.BatchedSender does.
type queueSender struct {
	mu              sync.Mutex
	queued, flushed []packet.State
}

func (q *queueSender) Send(b []byte) error {
	var c packet.Control
	if err := c.Decode(b); err != nil {
		return err
	}
	q.mu.Lock()
	q.queued = append(q.queued, c.State)
	q.mu.Unlock()
	return nil
}

func (q *queueSender) flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.flushed = append(q.flushed, q.queued...)
	q.queued = q.queued[:0]
}

func (q *queueSender) snapshot() (queued, flushed []packet.State) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]packet.State(nil), q.queued...), append([]packet.State(nil), q.flushed...)
}

// TestSetFlush: every packet a Manager sends on its own (timers, and the
// AdminDown of Remove) is followed by the flush installed with SetFlush.
func TestSetFlush(t *testing.T) {
	m := NewManager(nil)
	defer m.Close()
	q := &queueSender{}
	m.SetFlush(q.flush)
	k := Key{Local: netip.MustParseAddr("198.18.0.1"), Peer: netip.MustParseAddr("198.18.0.2")}
	cfg := SessionConfig{Key: k, Config: session.Config{DesiredMinTx: 10 * time.Millisecond, RequiredMinRx: 10 * time.Millisecond, DetectMult: 3}}
	if _, err := m.Add(cfg, q); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		queued, flushed := q.snapshot()
		if len(flushed) > 0 && len(queued) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("first periodic packet not flushed: queued %v flushed %v", queued, flushed)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := m.Remove(k); err != nil {
		t.Fatal(err)
	}
	queued, flushed := q.snapshot()
	if len(queued) != 0 || flushed[len(flushed)-1] != packet.StateAdminDown {
		t.Errorf("after Remove: queued %v, flushed ending %v; want the AdminDown flushed", queued, flushed)
	}
}
