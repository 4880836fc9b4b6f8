package graph

import (
	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
)

// currentFlows converts a path's current flows (manage.Path.CurrentFlows).
func currentFlows(p manage.Path) []*model.PathFlow {
	fs := p.CurrentFlows()
	out := make([]*model.PathFlow, 0, len(fs))
	for _, f := range fs {
		pf := &model.PathFlow{ReportedBy: f.Site, Src: f.Src, Dst: f.Dst, SrcPort: int64(f.SrcPort), DstPort: int64(f.DstPort),
			Protocol: int64(f.Protocol), Application: f.Application, Class: f.Class, Policy: f.Policy,
			TxBytes: int64(f.TxBytes), RxBytes: int64(f.RxBytes), TxPackets: int64(f.TxPackets), RxPackets: int64(f.RxPackets),
			StartedAt: f.Started, WindowStart: f.WindowStart, WindowEnd: f.At}
		if f.ServerName != "" {
			pf.ServerName = &f.ServerName
		}
		out = append(out, pf)
	}
	return out
}
