package graph_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
)

type pathFlow struct {
	ReportedBy, Src, Dst, Application, Class, Policy string
	SrcPort, DstPort, Protocol                       int64
	ServerName                                       *string
	TxBytes, RxBytes, TxPackets, RxPackets           int64
	StartedAt, WindowStart, WindowEnd                time.Time
}

// TestPathCurrentFlows: a path's current flows are both ends' newest
// reports (from the bus, as the telemetry ingest publishes them),
// busiest first, in the path and the paths queries; a newer report of an
// end replaces its older one, and an empty one clears it; any role reads
// them, nobody unauthenticated.
func TestPathCurrentFlows(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	report := func(site, path string, at time.Time, flows ...events.Flow) {
		e.bus.Publish(&events.Event{Kind: events.KindFlows, Network: "default", Site: site, At: at,
			Flows: &events.PathFlows{PathID: path, WindowStart: at.Add(-10 * time.Second), TotalFlows: uint32(len(flows)), Flows: flows}})
	}
	rsync := events.Flow{Src: "10.1.0.2", Dst: "10.2.0.2", SrcPort: 40000, DstPort: 873, Protocol: 6, Application: "rsync",
		Class: "bulk", Policy: "default", TxBytes: 9_000_000, RxBytes: 40_000, TxPackets: 6000, RxPackets: 900, Started: now.Add(-time.Minute)}
	ack := rsync
	ack.TxBytes, ack.RxBytes = 40_000, 9_000_000
	dns := events.Flow{Src: "10.2.0.2", Dst: "10.1.0.53", SrcPort: 5353, DstPort: 53, Protocol: 17, Application: "dns",
		Class: "interactive", Policy: "default", ServerName: "ns.example", TxBytes: 300, RxBytes: 200, Started: now}
	report("a", "a/inet->b/inet", now, rsync)
	report("b", "b/inet->a/inet", now, dns, ack)
	query := `query($id: ID!) { path(id: $id) { id currentFlows { reportedBy src dst srcPort dstPort protocol application class policy
		serverName txBytes rxBytes txPackets rxPackets startedAt windowStart windowEnd } } }`
	get := func(tok string) []pathFlow {
		t.Helper()
		var out struct {
			Path struct{ CurrentFlows []pathFlow }
		}
		e.ok(tok, query, map[string]any{"id": "a/inet->b/inet"}, &out)
		return out.Path.CurrentFlows
	}
	var fs []pathFlow
	for deadline := time.Now().Add(5 * time.Second); len(fs) < 3 && time.Now().Before(deadline); {
		fs = get("viewer")
		time.Sleep(10 * time.Millisecond)
	}
	if len(fs) != 3 || fs[0].ReportedBy != "a" || fs[0].Application != "rsync" || fs[0].TxBytes != 9_000_000 || fs[0].RxPackets != 900 ||
		fs[0].DstPort != 873 || fs[0].Protocol != 6 || fs[0].ServerName != nil || !fs[0].StartedAt.Equal(now.Add(-time.Minute)) ||
		!fs[0].WindowStart.Equal(now.Add(-10*time.Second)) || !fs[0].WindowEnd.Equal(now) {
		t.Fatalf("flows %+v", fs)
	}
	if fs[1].ReportedBy != "b" || fs[1].RxBytes != 9_000_000 || fs[2].Application != "dns" || fs[2].ServerName == nil || *fs[2].ServerName != "ns.example" {
		t.Fatalf("b's flows %+v", fs[1:])
	}
	// b's next report has no flows on the path; an older report of a's
	// (a resent batch) does not replace its newer one.
	report("b", "b/inet->a/inet", now.Add(10*time.Second))
	report("a", "a/inet->b/inet", now.Add(-time.Hour), dns)
	for deadline := time.Now().Add(5 * time.Second); len(fs) != 1 && time.Now().Before(deadline); {
		fs = get("admin")
		time.Sleep(10 * time.Millisecond)
	}
	if len(fs) != 1 || fs[0].Application != "rsync" {
		t.Fatalf("after b's empty report %+v", fs)
	}
	var list struct {
		Paths struct {
			Nodes []struct {
				ID           string
				CurrentFlows []pathFlow
			}
		}
	}
	e.ok("viewer", `{ paths { nodes { id currentFlows { application } } } }`, nil, &list)
	for _, p := range list.Paths.Nodes {
		if want := map[bool]int{true: 1, false: 0}[p.ID == "a/inet->b/inet"]; len(p.CurrentFlows) != want {
			t.Errorf("path %s: %d flows, want %d", p.ID, len(p.CurrentFlows), want)
		}
	}
	if r := e.do("", query, map[string]any{"id": "a/inet->b/inet"}); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("without a token: %d %+v", r.status, r.Errors)
	}
}
