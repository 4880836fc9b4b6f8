package api_test

import (
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
)

// flowsEvent is site's current-flows report of path at `at`: an rsync
// flow and a smaller ssh one.
func flowsEvent(network, site, path string, at time.Time) *events.Event {
	return &events.Event{Kind: events.KindFlows, Network: network, Site: site, At: at,
		Flows: &events.PathFlows{PathID: path, WindowStart: at.Add(-10 * time.Second), TotalFlows: 2, Flows: []events.Flow{
			{Src: "10.2.0.2", Dst: "10.1.0.2", SrcPort: 40000, DstPort: 873, Protocol: 6, Application: "rsync", Class: "bulk",
				Policy: "default", TxBytes: 5000000, RxBytes: 70000, TxPackets: 3500, RxPackets: 1200, Started: at.Add(-time.Minute)},
			{Src: "10.2.0.2", Dst: "10.1.0.9", SrcPort: 40001, DstPort: 22, Protocol: 6, Application: "ssh", Class: "interactive",
				Policy: "default", ServerName: "host.example", TxBytes: 900, RxBytes: 1200, TxPackets: 9, RxPackets: 10, Started: at},
		}}}
}
