package main

import (
	"fmt"
	"io"
	"strings"
)

func printResult(w io.Writer, o options, r *result) {
	fmt.Fprintf(w, "\n== %s: %d edges × %d paths, window %.1f s (load average %s → %s)\n", r.Store, r.Edges, r.Paths, r.WindowS, r.LoadAvgStart, r.LoadAvgEnd)
	fmt.Fprintf(w, "enrolment (tokens + Enroll, %d in flight): %.1f s for %d sites; connecting the Report streams: %.1f s\n", o.enrolConc, r.EnrolS, r.Edges, r.ConnectS)
	fmt.Fprintf(w, "batches sent %d, acks %d: %.1f acks/s of %.0f expected (%.1f%%); unacked %.0f s after the window: %d; steering events %d\n",
		r.Sent, r.Acked, r.AcksPerS, r.ExpectedPerS, 100*r.AcksPerS/r.ExpectedPerS, drainTimeout.Seconds(), r.UnackedAfter, r.Events)
	fmt.Fprintf(w, "ingest latency (send → ack, %d batches): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", r.LatN, r.LatP50MS, r.LatP99MS, r.LatMaxMS)
	fmt.Fprintf(w, "CPU, cores: controller %.2f, database server %.2f, load generator %.2f; controller RSS %.0f MiB\n",
		r.ControllerCores, r.DatabaseCores, r.LoadgenCores, r.ControllerRSSMiB)
	fmt.Fprintf(w, "store: %.1f MiB → %.1f MiB: %.0f bytes per batch, %.1f GiB per day", mib(r.SizeStart), mib(r.SizeEnd), r.BytesPerBatch, r.GrowthPerDayGiB)
	if r.FileBytes > 0 {
		fmt.Fprintf(w, " (file after a checkpoint: %.1f MiB)", mib(r.FileBytes))
	}
	fmt.Fprintln(w)
	var rows []string
	for _, t := range telemetryTables {
		rows = append(rows, fmt.Sprintf("%s +%d", t, r.RowsAdded[t]))
	}
	fmt.Fprintf(w, "rows: %s\n", strings.Join(rows, ", "))
	fmt.Fprintf(w, "errors: %d %s\n", r.Errors, r.ErrorSample)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// printComparison puts every store next to the first, as ratios.
func printComparison(w io.Writer, rs []*result) {
	if len(rs) < 2 {
		return
	}
	base := rs[0]
	fmt.Fprintf(w, "\n== ratios, each store ÷ %s (same run)\n", base.Store)
	type metric struct {
		name string
		get  func(*result) float64
	}
	ms := []metric{
		{"acks/s", func(r *result) float64 { return r.AcksPerS }},
		{"p50 latency", func(r *result) float64 { return r.LatP50MS }},
		{"p99 latency", func(r *result) float64 { return r.LatP99MS }},
		{"controller cores", func(r *result) float64 { return r.ControllerCores }},
		{"controller + database cores", func(r *result) float64 { return r.ControllerCores + r.DatabaseCores }},
		{"load generator cores", func(r *result) float64 { return r.LoadgenCores }},
		{"store growth per day", func(r *result) float64 { return r.GrowthPerDayGiB }},
	}
	fmt.Fprintf(w, "%-28s", "")
	for _, r := range rs {
		fmt.Fprintf(w, " %12s", r.Store)
	}
	fmt.Fprintln(w)
	for _, m := range ms {
		fmt.Fprintf(w, "%-28s", m.name)
		for _, r := range rs {
			fmt.Fprintf(w, " %12.3g", m.get(r))
		}
		for _, r := range rs[1:] {
			if b := m.get(base); b != 0 {
				fmt.Fprintf(w, "   %s/%s %.2f×", r.Store, base.Store, m.get(r)/b)
			}
		}
		fmt.Fprintln(w)
	}
}
