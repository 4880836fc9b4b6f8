package lab

import (
	"strings"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// pathMonitor watches every edge's paths (its control socket, every
// 100 ms) and records the times a site had no path up to a peer: the
// moments all paths between two sites were down, whatever the cause (a
// site cut, an edge restarting, or an edge that stalled). Its goroutine
// owns open; outs is guarded by mu.
type pathMonitor struct {
	sites []Site
	stop  chan struct{}
	done  chan struct{}
	open  map[[2]string]time.Time // site, peer -> down since
	mu    sync.Mutex
	outs  []ChaosOutage
}

const monitorInterval = 100 * time.Millisecond

func startPathMonitor(sites []Site) *pathMonitor {
	m := &pathMonitor{sites: sites, stop: make(chan struct{}), done: make(chan struct{}), open: map[[2]string]time.Time{}}
	go m.run()
	return m
}

func (m *pathMonitor) run() {
	defer close(m.done)
	t := time.NewTicker(monitorInterval)
	defer t.Stop()
	for {
		m.poll(time.Now())
		select {
		case <-m.stop:
			m.closeAll(time.Now())
			return
		case <-t.C:
		}
	}
}

// poll reads every edge's status: a peer with no path up (or an edge
// that does not answer: every peer) opens an outage, one with a path up
// again closes it.
func (m *pathMonitor) poll(now time.Time) {
	for i := range m.sites {
		s := &m.sites[i]
		var es edgeStatus
		_, err := ctlsock.Get(s.ControlSocket, "/status", &es)
		up := map[string]bool{}
		for _, p := range es.Paths {
			if peer := pathPeer(p.ID); peer != "" && !up[peer] {
				up[peer] = err == nil && p.LastHandshake != nil && p.BFDState == "up"
			}
		}
		for _, peer := range m.sites {
			if peer.Name == s.Name {
				continue
			}
			key := [2]string{s.Name, peer.Name}
			since, isOpen := m.open[key]
			switch {
			case !up[peer.Name] && !isOpen:
				m.open[key] = now
			case up[peer.Name] && isOpen:
				delete(m.open, key)
				m.record(key, since, now)
			}
		}
	}
}

func (m *pathMonitor) closeAll(now time.Time) {
	for key, since := range m.open {
		m.record(key, since, now)
	}
	clear(m.open)
}

func (m *pathMonitor) record(key [2]string, from, to time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outs = append(m.outs, ChaosOutage{Site: key[0], Peer: key[1], Cause: "observed", From: from, LastsS: secs(to.Sub(from))})
}

// finish stops the monitor and returns what it saw.
func (m *pathMonitor) finish() []ChaosOutage {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.outs
}

// pathPeer is the remote site of a path ID, "a/inet->b/lte": b.
func pathPeer(id string) string {
	_, remote, ok := strings.Cut(id, "->")
	if !ok {
		return ""
	}
	site, _, _ := strings.Cut(remote, "/")
	return site
}
