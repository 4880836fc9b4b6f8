// Command apiload is the benchmark of the controller's management API
// (docs/BENCHMARKS.md, "Controller API: queries and live subscriptions").
// On each store in turn it starts `patronus controller` as a separate
// process on a hub-and-spoke network, makes users with `patronus ctl
// users add` (each signs in from a source address of its own, as the API
// limits requests per user and per address), enrols N sites and the hub
// with their links, and runs N simulated edges streaming telemetry in
// this process (test/bench/rig, as ctlload does); then:
//
//  1. it offers the GraphQL query { sites { name paths { id state } } } at
//     fixed arrival rates (an open loop: requests leave on schedule
//     whether or not earlier ones have been answered), rate after rate
//     until the controller saturates, and records per step the latency
//     from each request's scheduled time to its answer (p50, p99, max),
//     the answers per second achieved, errors, and the CPU of the
//     controller, of PostgreSQL and of this process;
//
//  2. it opens M WebSocket subscriptions to pathEvents
//     (graphql-transport-ws), each to one site's events and then each to
//     all, while every edge flips one of its paths between UP and DOWN at
//     known times, and measures for every state change the delay from the
//     edge's send to its receipt by each subscriber and by the last of
//     them, the deliveries lost, and the controller's CPU and memory.
//
//     apiload -patronus bin/patronus [-edges 1000] [-subscribers 1000] [-stores sqlite,postgres]
//
// scripts/bench-api.sh builds and runs it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

type options struct {
	patronus  string
	edges     int
	paths     int
	stores    []string
	phases    map[string]bool
	enrolConc int
	pgFsync   bool
	warmup    time.Duration
	workDir   string
	keep      bool
	jsonOut   string

	clients int // users, one source address each
	role    string

	// query ladder
	rates       []float64
	step        time.Duration
	maxInFlight int
	reqTimeout  time.Duration
	limits      limits
	query       string

	// subscriptions
	subscribers int
	subConc     int
	subWindow   time.Duration
	subSettle   time.Duration
	subDrain    time.Duration
	flipEvery   time.Duration
	subFilters  []string
}

// sitesQuery is the query of the ladder: every site with its paths.
const sitesQuery = "{ sites { name paths { id state } } }"

// pathEventsSubscription is what every subscriber subscribes to
// (-sub-filter all).
const pathEventsSubscription = "subscription { pathEvents { site pathId state at } }"

// sitePathEventsSubscription is one site's events (-sub-filter site).
const sitePathEventsSubscription = "subscription ($site: String) { pathEvents(site: $site) { site pathId state at } }"

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(2)
	}
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	var stores, phases, rates, subFilters string
	fs := flag.NewFlagSet("apiload", flag.ContinueOnError)
	fs.StringVar(&o.patronus, "patronus", "", "the patronus binary to run as the controller (required)")
	fs.IntVar(&o.edges, "edges", 1000, "simulated edges")
	fs.IntVar(&o.paths, "paths", 4, "paths per edge, to the hub (at most 8: 4 local links × 2 of the hub)")
	fs.StringVar(&stores, "stores", "sqlite,postgres", "stores to run, in order: sqlite, postgres")
	fs.StringVar(&phases, "phases", "query,subscribe", "what to measure on each store: query (the rate ladder), subscribe (subscribers and state changes)")
	fs.IntVar(&o.enrolConc, "enrol-concurrency", 32, "enrolments and connections in flight")
	fs.BoolVar(&o.pgFsync, "pg-fsync", true, "PostgreSQL with fsync=on")
	fs.DurationVar(&o.warmup, "warmup", 10*time.Second, "telemetry streamed before the first measurement")
	fs.StringVar(&o.workDir, "work-dir", "", "directory for data directories (default: a new /tmp/cb-apiload-*)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory")
	fs.StringVar(&o.jsonOut, "json", "", "write the results as JSON to this file")
	fs.StringVar(&rates, "rates", "0.5,1,2,5,10,20,50,100,200,400,800,1600,3200,6400", "offered query rates per second, in order; the ladder stops at the first saturated step")
	fs.DurationVar(&o.step, "step", 10*time.Second, "duration of each rate step")
	fs.IntVar(&o.maxInFlight, "max-inflight", 4096, "queries in flight at most; an arrival beyond is counted as an error (overflow), not sent")
	fs.DurationVar(&o.reqTimeout, "request-timeout", 10*time.Second, "a query not answered within this is an error")
	fs.DurationVar(&o.limits.maxP99, "max-p99", time.Second, "saturation: a step whose p99 latency is above this")
	fs.Float64Var(&o.limits.minAchieved, "min-achieved", 0.95, "saturation: a step whose achieved rate is below this fraction of the offered")
	fs.Float64Var(&o.limits.maxErrors, "max-errors", 0.01, "saturation: a step with more than this fraction of errors")
	fs.IntVar(&o.clients, "users", 64, "users the load is spread over, each signed in from its own source address 127.0.1.N (the API limits requests per user and per address)")
	fs.StringVar(&o.role, "role", "viewer", "the users' role")
	fs.IntVar(&o.subscribers, "subscribers", 1000, "concurrent WebSocket subscribers to pathEvents")
	fs.IntVar(&o.subConc, "subscribe-concurrency", 32, "subscribers connecting at once")
	fs.DurationVar(&o.subWindow, "sub-window", 60*time.Second, "measured window of the subscription phase: state changes sent in it count")
	fs.DurationVar(&o.subSettle, "sub-settle", 3*time.Second, "wait after the last subscriber subscribed before the window opens")
	fs.DurationVar(&o.subDrain, "sub-drain", 5*time.Second, "how long after the window deliveries of its state changes still count")
	fs.DurationVar(&o.flipEvery, "flip-every", 60*time.Second, "each edge flips one path's state (UP ↔ DOWN) this often, phases spread")
	fs.StringVar(&subFilters, "sub-filter", "site,all", "the subscription phases, in order: site (subscriber j: pathEvents(site:) of site j mod -edges), all (every subscriber every path event)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.query = sitesQuery
	o.subFilters = strings.Split(subFilters, ",")
	for _, f := range o.subFilters {
		if f != "all" && f != "site" {
			return o, fmt.Errorf("-sub-filter: %q is not site or all", f)
		}
	}
	if o.patronus == "" {
		return o, errors.New("-patronus: required")
	}
	if o.edges < 1 || o.paths < 1 || o.subscribers < 0 || o.enrolConc < 1 || o.subConc < 1 || o.maxInFlight < 1 {
		return o, errors.New("-edges, -paths, -enrol-concurrency, -subscribe-concurrency and -max-inflight must be at least 1, -subscribers at least 0")
	}
	if o.paths > rig.MaxLinkedPaths {
		return o, fmt.Errorf("-paths: at most %d", rig.MaxLinkedPaths)
	}
	if o.clients < 1 || o.clients > 254 {
		return o, errors.New("-users: from 1 to 254 (one source address each, 127.0.1.N)")
	}
	if o.step < time.Second || o.subWindow < time.Second || o.flipEvery < time.Second {
		return o, errors.New("-step, -sub-window and -flip-every must be at least 1s")
	}
	o.stores = strings.Split(stores, ",")
	for _, st := range o.stores {
		if st != "sqlite" && st != "postgres" {
			return o, fmt.Errorf("-stores: %q is not sqlite or postgres", st)
		}
	}
	o.phases = map[string]bool{}
	for _, p := range strings.Split(phases, ",") {
		if p != "query" && p != "subscribe" {
			return o, fmt.Errorf("-phases: %q is not query or subscribe", p)
		}
		o.phases[p] = true
	}
	var err error
	if o.rates, err = parseRates(rates); err != nil {
		return o, fmt.Errorf("-rates: %w", err)
	}
	return o, nil
}

// report is the JSON apiload writes.
type report struct {
	Machine map[string]string `json:"machine"`
	Options map[string]any    `json:"options"`
	Stores  []*storeResult    `json:"stores"`
}

func machine() map[string]string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return map[string]string{"cpus": strconv.Itoa(runtime.NumCPU()), "kernel": strings.TrimSpace(string(kernel)), "go": runtime.Version()}
}

// summary is what the options were, for the JSON.
func (o options) summary() map[string]any {
	return map[string]any{"edges": o.edges, "paths": o.paths, "stores": o.stores, "warmup_s": o.warmup.Seconds(),
		"query": o.query, "rates": o.rates, "step_s": o.step.Seconds(), "max_inflight": o.maxInFlight,
		"request_timeout_s": o.reqTimeout.Seconds(), "max_p99_ms": rig.MS(o.limits.maxP99),
		"min_achieved": o.limits.minAchieved, "max_errors": o.limits.maxErrors, "pg_fsync": o.pgFsync,
		"users": o.clients, "role": o.role, "subscribers": o.subscribers, "sub_filters": o.subFilters, "sub_window_s": o.subWindow.Seconds(),
		"sub_drain_s": o.subDrain.Seconds(), "flip_every_s": o.flipEvery.Seconds()}
}

// parseRates reads "50,100,200": positive and rising.
func parseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive rate", f)
		}
		if len(out) > 0 && v <= out[len(out)-1] {
			return nil, fmt.Errorf("%v after %v: rates must rise", v, out[len(out)-1])
		}
		out = append(out, v)
	}
	return out, nil
}

func run(ctx context.Context, o options) error {
	if o.workDir == "" {
		d, err := os.MkdirTemp("", "cb-apiload-")
		if err != nil {
			return err
		}
		o.workDir = d
		if !o.keep {
			defer os.RemoveAll(d)
		}
	}
	var results []*storeResult
	for _, st := range o.stores {
		r, err := runStore(ctx, o, st, filepath.Join(o.workDir, st))
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		results = append(results, r)
		printStore(os.Stdout, o, r)
	}
	if len(results) > 1 {
		printSummary(os.Stdout, results)
	}
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(report{Machine: machine(), Options: o.summary(), Stores: results}, "", "  ")
		if err := os.WriteFile(o.jsonOut, b, 0o644); err != nil {
			return err
		}
		log.Printf("results in %s", o.jsonOut)
	}
	return nil
}
