package manage

import (
	"fmt"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
)

// TestLiveFlowsBounded: Live keeps at most maxLiveFlowPaths path ends'
// flows; a full table refuses a new path end until its reports are older
// than flowsMaxAge, then drops them for it. Each end's newest report
// shows, and only while younger than flowsMaxAge.
func TestLiveFlowsBounded(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	l := NewLive()
	l.now = func() time.Time { return now }
	ev := func(site, path string, at time.Time, app string) *events.Event {
		return &events.Event{Kind: events.KindFlows, Network: "n", Site: site, At: at,
			Flows: &events.PathFlows{PathID: path, TotalFlows: 1, Flows: []events.Flow{{Application: app}}}}
	}
	for i := range maxLiveFlowPaths {
		l.Observe(ev("a", fmt.Sprintf("a/l%d->b/inet", i), now, "x"))
	}
	l.Observe(ev("a", "a/new->b/inet", now, "x"))
	if got := l.pathFlows("n", "a/new~b/inet", now, flowsMaxAge); len(got) != 0 || len(l.flows) != maxLiveFlowPaths {
		t.Fatalf("a full table took a new path end: %d entries", len(l.flows))
	}
	now = now.Add(flowsMaxAge + time.Second)
	l.Observe(ev("a", "a/new->b/inet", now, "new"))
	l.Observe(ev("b", "b/inet->a/new", now, "b's"))
	l.Observe(ev("b", "b/inet->a/new", now.Add(-time.Second), "older")) // a resent batch
	got := l.pathFlows("n", "a/new~b/inet", now, flowsMaxAge)
	if len(l.flows) != 2 || len(got) != 2 || got[0].Site != "a" || got[0].Flows[0].Application != "new" || got[1].Flows[0].Application != "b's" {
		t.Fatalf("after the sweep: %d entries, flows %+v", len(l.flows), got)
	}
	if got := l.pathFlows("n", "a/new~b/inet", now.Add(flowsMaxAge+time.Second), flowsMaxAge); len(got) != 0 {
		t.Fatalf("stale reports shown: %+v", got)
	}
}
