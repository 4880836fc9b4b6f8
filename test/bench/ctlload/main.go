// Command ctlload is the controller's load benchmark (docs/BENCHMARKS.md,
// "Controller: 1,000 edges' telemetry"): it starts `patronus controller`
// as a separate process on each store in turn, enrols N sites with real
// join tokens, and runs N edge clients in this process — each with its
// own mutual-TLS identity from enrolment, its own connection and its own
// EdgeControl.Report stream — that send one Telemetry batch a second, as
// `patronus edge` does: one PathSample and one PathCounters per path, and
// now and then a steering event. It measures the controller's CPU (and
// PostgreSQL's, and its own), the latency from sending a batch to its
// acknowledgement, acknowledgements per second, and the store's growth;
// with -scrape-every, also the time, size and sample count of scrapes of
// the controller's /metrics (with the operator certificate) in the window.
//
//	ctlload -patronus bin/patronus [-edges 1000] [-duration 60s] [-stores sqlite,postgres]
//
// scripts/bench-controller.sh builds and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type options struct {
	patronus    string
	baseline    string
	edges       int
	paths       int
	duration    time.Duration
	warmup      time.Duration
	stores      []string
	eventEvery  time.Duration
	enrolConc   int
	pgFsync     bool
	perfDir     string
	workDir     string
	jsonOut     string
	keepWorkDir bool
	forgedRate  int
	scrapeEvery time.Duration
	traceRounds int // -trace
	replicas    int // controllers on one PostgreSQL in this build's run
	replicaRun  int // -replicas
	pairs       int // -pairs
}

func main() {
	var o options
	var stores string
	flag.StringVar(&o.patronus, "patronus", "", "the patronus binary to run as the controller (required)")
	flag.StringVar(&o.baseline, "baseline", "", "another patronus binary (e.g. an older commit) to run on each store too, for a before/after in the same run")
	flag.IntVar(&o.edges, "edges", 1000, "simulated edges")
	flag.IntVar(&o.paths, "paths", 4, "paths per edge (2 local links × 2 hub links at 4)")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "measured window")
	flag.DurationVar(&o.warmup, "warmup", 10*time.Second, "telemetry sent before the window opens (connections settle)")
	flag.StringVar(&stores, "stores", "sqlite,postgres", "stores to run, in order: sqlite, postgres")
	flag.DurationVar(&o.eventEvery, "event-every", 60*time.Second, "mean time between steering events of one edge (0: none)")
	flag.IntVar(&o.enrolConc, "enrol-concurrency", 32, "enrolments in flight")
	flag.BoolVar(&o.pgFsync, "pg-fsync", true, "PostgreSQL with fsync=on (durable commits, like SQLite's synchronous=FULL)")
	flag.StringVar(&o.perfDir, "perf-dir", "", "if set, perf record -g the controller during the window into DIR/perf-STORE.data")
	flag.StringVar(&o.workDir, "work-dir", "", "directory for data directories (default: a new /tmp/cb-ctlload-*)")
	flag.StringVar(&o.jsonOut, "json", "", "write the results as JSON to this file")
	flag.BoolVar(&o.keepWorkDir, "keep", false, "keep the work directory")
	flag.IntVar(&o.forgedRate, "forged-rate", 0, "also run each store with this many forged enrolments a second during the window (label \"flood\"), to compare with the run without")
	flag.DurationVar(&o.scrapeEvery, "scrape-every", 0, "scrape the controller's /metrics this often during the window, as Prometheus would (0: never)")
	flag.IntVar(&o.traceRounds, "trace", 0, "if N > 0, run each store 2N times, alternating tracing off and on (OTEL_EXPORTER_OTLP_ENDPOINT to an OTLP/gRPC sink in this process); -baseline is then ignored")
	flag.IntVar(&o.replicaRun, "replicas", 1, "on PostgreSQL, also run this many controller replicas on the one database, the edges spread over them (label \"N replicas\"), right after the one-controller run of the same build, and compare")
	flag.IntVar(&o.pairs, "pairs", 1, "with -replicas: run this many pairs of one controller and N replicas, alternating which goes first (labels \"1 controller #k\", \"N replicas #k\")")
	flag.Parse()
	o.stores = strings.Split(stores, ",")
	if o.patronus == "" || o.edges < 1 || o.paths < 1 || o.duration < time.Second || o.replicaRun < 1 {
		flag.Usage()
		os.Exit(2)
	}
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

// runBuild runs one store with one build; a label starting "tracing on"
// runs the controller with OTEL_EXPORTER_OTLP_ENDPOINT set to a sink in
// this process (OTLP/gRPC), and counts the spans it exported.
func runBuild(ctx context.Context, o options, bin, st, label string) (*result, error) {
	dir := filepath.Join(o.workDir, strings.ReplaceAll(label, " ", "-")+"-"+st)
	if !strings.HasPrefix(label, "tracing on") {
		r, err := runStore(ctx, o, bin, st, dir)
		if r != nil {
			r.Build = label
		}
		return r, err
	}
	sink, err := startOTLPSink()
	if err != nil {
		return nil, err
	}
	defer sink.stop()
	os.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+sink.addr)
	os.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	defer os.Unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	defer os.Unsetenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	t0 := time.Now()
	r, err := runStore(ctx, o, bin, st, dir)
	if r != nil {
		r.Build = label
		log.Printf("%s %s: the controller exported %d spans, %.0f/s over the whole run", label, st, sink.spans.Load(),
			float64(sink.spans.Load())/time.Since(t0).Seconds())
	}
	return r, err
}

func run(ctx context.Context, o options) error {
	if o.workDir == "" {
		d, err := os.MkdirTemp("", "cb-ctlload-")
		if err != nil {
			return err
		}
		o.workDir = d
		if !o.keepWorkDir {
			defer os.RemoveAll(d)
		}
	}
	var results []*result
	for _, st := range o.stores {
		if st != "sqlite" && st != "postgres" {
			return fmt.Errorf("-stores: %q is not sqlite or postgres", st)
		}
	}
	for _, st := range o.stores {
		type build struct {
			label, bin string
			forged     int // forged enrolments a second during the window
			replicas   int // 0: one controller
		}
		builds := []build{{"now", o.patronus, 0, 0}}
		if o.baseline != "" {
			builds = []build{{"baseline", o.baseline, 0, 0}, builds[0]}
		}
		if o.forgedRate > 0 {
			builds = append(builds, build{"flood", o.patronus, o.forgedRate, 0})
		}
		if o.replicaRun > 1 && st == "postgres" {
			builds = slices.DeleteFunc(builds, func(b build) bool { return b.label == "now" }) // it runs in the pairs
			for k := range max(1, o.pairs) {
				one := build{fmt.Sprintf("1 controller #%d", k+1), o.patronus, 0, 1}
				more := build{fmt.Sprintf("%d replicas #%d", o.replicaRun, k+1), o.patronus, 0, o.replicaRun}
				if k%2 == 1 {
					one, more = more, one
				}
				builds = append(builds, one, more)
			}
		}
		if o.traceRounds > 0 {
			builds = nil
			for i := range o.traceRounds {
				builds = append(builds, build{fmt.Sprintf("tracing off %d", i+1), o.patronus, 0, 0},
					build{fmt.Sprintf("tracing on %d", i+1), o.patronus, 0, 0})
			}
		}
		for _, b := range builds {
			ob := o
			ob.forgedRate = b.forged
			ob.replicas = b.replicas
			r, err := runBuild(ctx, ob, b.bin, st, b.label)
			if err != nil {
				return fmt.Errorf("%s %s: %w", b.label, st, err)
			}
			results = append(results, r)
			printResult(os.Stdout, o, r)
		}
	}
	find := func(build, st string) *result {
		for _, r := range results {
			if r.Build == build && r.Store == st {
				return r
			}
		}
		return nil
	}
	if a, b := find("now", "sqlite"), find("now", "postgres"); a != nil && b != nil {
		printComparison(os.Stdout, "postgres ÷ sqlite, now", a, b)
	}
	for _, st := range o.stores {
		if a, b := find("baseline", st), find("now", st); a != nil && b != nil {
			printComparison(os.Stdout, "now ÷ baseline, "+st, a, b)
		}
		for k := range max(1, o.pairs) {
			if a, b := find(fmt.Sprintf("1 controller #%d", k+1), st), find(fmt.Sprintf("%d replicas #%d", o.replicaRun, k+1), st); o.replicaRun > 1 && a != nil && b != nil {
				printComparison(os.Stdout, fmt.Sprintf("%d replicas ÷ 1 controller, %s, pair %d", o.replicaRun, st, k+1), a, b)
			}
		}
		if a, b := find("now", st), find("flood", st); a != nil && b != nil {
			printComparison(os.Stdout, fmt.Sprintf("flood of %d forged enrolments/s ÷ none, %s", o.forgedRate, st), a, b)
		}
	}
	for _, st := range o.stores {
		for i := range o.traceRounds {
			if a, b := find(fmt.Sprintf("tracing off %d", i+1), st), find(fmt.Sprintf("tracing on %d", i+1), st); a != nil && b != nil {
				printComparison(os.Stdout, fmt.Sprintf("tracing on ÷ off, %s, round %d", st, i+1), a, b)
			}
		}
	}
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		return os.WriteFile(o.jsonOut, b, 0o644)
	}
	return nil
}
