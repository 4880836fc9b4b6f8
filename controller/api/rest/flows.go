package rest

import (
	"net/http"
	"time"

	"github.com/patronus-sdwan/patronus/controller/manage"
)

// PathFlows are a path's current flows (manage.Path.CurrentFlows).
type PathFlows struct {
	Path  string     `json:"path"`
	Flows []PathFlow `json:"flows"`
}

// PathFlow is a flow on a path in a window as one end reported it.
type PathFlow struct {
	ReportedBy  string    `json:"reported_by"`
	Src         string    `json:"src"`
	Dst         string    `json:"dst"`
	SrcPort     uint16    `json:"src_port"`
	DstPort     uint16    `json:"dst_port"`
	Protocol    uint8     `json:"protocol"`
	Application string    `json:"application"`
	Class       string    `json:"class"`
	Policy      string    `json:"policy"`
	ServerName  string    `json:"server_name,omitempty"`
	TxBytes     uint64    `json:"tx_bytes"`
	RxBytes     uint64    `json:"rx_bytes"`
	TxPackets   uint64    `json:"tx_packets"`
	RxPackets   uint64    `json:"rx_packets"`
	StartedAt   time.Time `json:"started_at"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
}

// pathFlows answers a path's current flows, busiest first.
func (h *Handler) pathFlows(w http.ResponseWriter, r *http.Request) error {
	p, err := h.m.Path(r.Context(), r.PathValue("network"), r.PathValue("path"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pathFlowsOf(p))
}

func pathFlowsOf(p manage.Path) PathFlows {
	out := PathFlows{Path: p.ID, Flows: []PathFlow{}}
	for _, f := range p.CurrentFlows() {
		out.Flows = append(out.Flows, PathFlow{ReportedBy: f.Site, Src: f.Src, Dst: f.Dst, SrcPort: f.SrcPort, DstPort: f.DstPort,
			Protocol: f.Protocol, Application: f.Application, Class: f.Class, Policy: f.Policy, ServerName: f.ServerName,
			TxBytes: f.TxBytes, RxBytes: f.RxBytes, TxPackets: f.TxPackets, RxPackets: f.RxPackets,
			StartedAt: f.Started.UTC(), WindowStart: f.WindowStart.UTC(), WindowEnd: f.At.UTC()})
	}
	return out
}
