package main

import (
	"fmt"
	"io"
	"strings"
)

func printResult(w io.Writer, o options, r *result) {
	fmt.Fprintf(w, "\n== %s, %s: %d edges × %d paths, window %.1f s (load average %s → %s)\n", r.Build, r.Store, r.Edges, r.Paths, r.WindowS, r.LoadAvgStart, r.LoadAvgEnd)
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
		per := ""
		if n := r.RowsAdded[t]; n > 0 {
			per = fmt.Sprintf(" (%.1f MiB, %.0f bytes/row)", mib(r.TableBytesAdded[t]), float64(r.TableBytesAdded[t])/float64(n))
		}
		rows = append(rows, fmt.Sprintf("%s +%d%s", t, r.RowsAdded[t], per))
	}
	fmt.Fprintf(w, "rows: %s\n", strings.Join(rows, ", "))
	fmt.Fprintf(w, "errors: %d %s\n", r.Errors, r.ErrorSample)
	if r.ForgedRate > 0 {
		fmt.Fprintf(w, "forged enrolments at %d/s: %d sent, %d refused, %d rate limited, %d other answers\n",
			r.ForgedRate, r.ForgedSent, r.ForgedRefused, r.ForgedLimited, r.ForgedOther)
	}
	if r.ScrapeN > 0 || r.ScrapeErrors > 0 {
		fmt.Fprintf(w, "/metrics: %d scrapes, p50 %.1f ms, max %.1f ms; %d samples, %.2f MiB; errors %d %s\n",
			r.ScrapeN, r.ScrapeP50MS, r.ScrapeMaxMS, r.ScrapeSeries, mib(r.ScrapeBytes), r.ScrapeErrors, r.ScrapeError)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// printComparison puts b next to a, as ratios b ÷ a.
func printComparison(w io.Writer, title string, a, b *result) {
	fmt.Fprintf(w, "\n== %s (same run)\n", title)
	type metric struct {
		name string
		get  func(*result) float64
	}
	ms := []metric{
		{"acks/s", func(r *result) float64 { return r.AcksPerS }},
		{"p50 latency, ms", func(r *result) float64 { return r.LatP50MS }},
		{"p99 latency, ms", func(r *result) float64 { return r.LatP99MS }},
		{"max latency, ms", func(r *result) float64 { return r.LatMaxMS }},
		{"controller cores", func(r *result) float64 { return r.ControllerCores }},
		{"controller + database cores", func(r *result) float64 { return r.ControllerCores + r.DatabaseCores }},
		{"CPU ms per batch (ctl + db)", func(r *result) float64 {
			if r.AcksPerS == 0 {
				return 0
			}
			return 1000 * (r.ControllerCores + r.DatabaseCores) / r.AcksPerS
		}},
		{"load generator cores", func(r *result) float64 { return r.LoadgenCores }},
		{"store bytes per batch", func(r *result) float64 { return r.BytesPerBatch }},
		{"store growth, GiB/day", func(r *result) float64 { return r.GrowthPerDayGiB }},
	}
	fmt.Fprintf(w, "%-30s %12s %12s %8s\n", "", a.Build+" "+a.Store, b.Build+" "+b.Store, "ratio")
	for _, m := range ms {
		ratio := "-"
		if m.get(a) != 0 {
			ratio = fmt.Sprintf("%.2f×", m.get(b)/m.get(a))
		}
		fmt.Fprintf(w, "%-30s %12.4g %12.4g %8s\n", m.name, m.get(a), m.get(b), ratio)
	}
}
