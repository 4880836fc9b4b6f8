package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// benchUser is the prefix of the users apiload makes and signs in as.
const benchUser = "bench"

// coolDown separates the query ladder from the subscriptions, so that
// these start on a controller no longer busy with the last step.
const coolDown = 5 * time.Second

// storeResult is one store's measurement.
type storeResult struct {
	Store         string        `json:"store"`
	Edges         int           `json:"edges"`
	Paths         int           `json:"paths_per_edge"`
	LoadAvgStart  string        `json:"loadavg_start"`
	LoadAvgEnd    string        `json:"loadavg_end"`
	EnrolS        float64       `json:"enrol_s"`
	LinksS        float64       `json:"links_s"`     // the hub and every site's links
	Sites         int           `json:"query_sites"` // what one sites query returned
	PathsReturned int           `json:"query_paths"`
	AnswerBytes   int           `json:"query_answer_bytes"`
	Steps         []*stepResult `json:"query_steps"`
	MaxSustained  float64       `json:"query_max_sustained_per_s"` // the last step that did not saturate
	SaturatedAt   float64       `json:"query_saturated_at_per_s"`  // 0: not within -rates
	Subs          []*subResult  `json:"subscriptions"`             // one per -sub-filter
	IngestErrors  int64         `json:"ingest_errors"`
	IngestSample  string        `json:"ingest_error_sample,omitempty"`
}

// bed is a store's running test bed: the controller, its database
// server, the edges and the API client.
type bed struct {
	ctl     *rig.Controller
	dbPID   int
	edges   []*rig.Edge
	rec     *rig.Recorder
	flips   *flipLog
	clients []*apiClient // one per user
}

func runStore(ctx context.Context, o options, st, dir string) (*storeResult, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r := &storeResult{Store: st, Edges: o.edges, Paths: o.paths, LoadAvgStart: rig.LoadAvg()}
	storeArg, b := "sqlite", &bed{}
	if st == "postgres" {
		pg, err := rig.StartPostgres(ctx, o.pgFsync, "apiload")
		if err != nil {
			return nil, err
		}
		defer pg.Srv.Stop()
		storeArg, b.dbPID = pg.URL, pg.Srv.PID()
	}
	log.Printf("%s: starting the controller %s", st, o.patronus)
	topo, err := rig.HubAndSpoke(dir)
	if err != nil {
		return nil, err
	}
	c, err := rig.StartController(ctx, o.patronus, filepath.Join(dir, "controller"), storeArg, topo...)
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	b.ctl = c
	if b.clients, err = makeClients(ctx, c, dir, o.clients, o.role, o.maxInFlight); err != nil {
		return nil, err
	}
	ectx, stopEdges := context.WithCancel(ctx)
	defer stopEdges()
	wg, err := b.startEdges(ectx, o, r)
	if err != nil {
		return nil, err
	}
	defer func() { stopEdges(); rig.CloseAll(b.edges); wg.Wait() }()
	log.Printf("%s: %d edges streaming; warm-up %v", st, o.edges, o.warmup)
	if err := sleep(ctx, o.warmup); err != nil {
		return nil, err
	}
	if r.Sites, r.PathsReturned, r.AnswerBytes, err = b.clients[0].countSites(ctx); err != nil {
		return nil, fmt.Errorf("the sites query: %w", err)
	}
	log.Printf("%s: the sites query returns %d sites, %d paths, %d bytes", st, r.Sites, r.PathsReturned, r.AnswerBytes)
	if o.phases["query"] {
		if err := b.ladder(ctx, o, r); err != nil {
			return nil, err
		}
	}
	for _, filter := range o.subFilters {
		if !o.phases["subscribe"] || o.subscribers == 0 {
			break
		}
		if err := sleep(ctx, coolDown); err != nil {
			return nil, err
		}
		sub, err := b.subscribe(ctx, o, filter)
		if err != nil {
			return nil, fmt.Errorf("subscribers (%s): %w", filter, err)
		}
		r.Subs = append(r.Subs, sub)
	}
	r.IngestErrors, r.IngestSample = b.rec.Errors.Load(), b.rec.ErrorSample()
	r.LoadAvgEnd = rig.LoadAvg()
	return r, nil
}

// makeClients makes n users (benchN, role) with random passwords
// through `patronus ctl users add`, and signs each in from a source
// address of its own (127.0.1.N): the API limits requests per source
// address and per user, and the load is that of n people.
func makeClients(ctx context.Context, c *rig.Controller, dir string, n int, role string, maxConns int) ([]*apiClient, error) {
	creds, err := pki.LoadIdentity(filepath.Join(c.DataDir, "admin"))
	if err != nil {
		return nil, err
	}
	clients := make([]*apiClient, n)
	err = rig.Parallel(n, userConcurrency, func(i int) error {
		user := fmt.Sprintf("%s%d", benchUser, i+1)
		pw := make([]byte, 18)
		rand.Read(pw)
		password := base64.RawURLEncoding.EncodeToString(pw)
		pwFile := filepath.Join(dir, user+"-password")
		if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
			return err
		}
		if _, err := c.Ctl(ctx, "users", "add", user, "--role", role, "--password-file", pwFile); err != nil {
			return err
		}
		from := net.IPv4(127, 0, 1, byte(i+1))
		clients[i] = newAPIClient(c.Addr, rig.ServerName, creds.CA, user, password, from, maxConns)
		return clients[i].login(ctx)
	})
	return clients, err
}

// userConcurrency is how many users are made at once (each a ctl
// process and a password hash in the controller).
const userConcurrency = 4

// startEdges enrols the edges, gives them and the hub their links (a
// hub-and-spoke network whose paths are those the edges report),
// connects the edges, each flipping its first path's state, and starts
// their telemetry; the telemetry window opens
// at once and stays open, so that acks are counted in every phase.
func (b *bed) startEdges(ctx context.Context, o options, r *storeResult) (*sync.WaitGroup, error) {
	t0 := time.Now()
	creds, err := rig.EnrolAll(ctx, b.ctl, o.edges, o.enrolConc)
	if err != nil {
		return nil, err
	}
	r.EnrolS = time.Since(t0).Seconds()
	sites := make([]string, len(creds))
	for i, cr := range creds {
		sites[i] = cr.Identity.SiteName
	}
	t0 = time.Now()
	if err := rig.PutLinks(ctx, b.ctl, sites, o.paths, o.enrolConc); err != nil {
		return nil, err
	}
	r.LinksS = time.Since(t0).Seconds()
	flipPaths := make([]string, o.edges)
	for i, cr := range creds {
		flipPaths[i] = rig.PathIDs(cr.Identity.SiteName, o.paths)[0]
	}
	b.flips = newFlipLog(flipPaths, o.flipEvery)
	if b.edges, err = rig.ConnectAll(ctx, b.ctl.Addr, creds, o.paths, o.enrolConc, b.flips.hookFor); err != nil {
		return nil, err
	}
	b.rec = &rig.Recorder{}
	w := &rig.Window{}
	w.Open()
	return rig.RunAll(ctx, b.edges, 0, w, b.rec), nil
}

// meters measure the controller's, the database's and this process's
// CPU and the edges' acks over an interval.
type meters struct {
	ctl, db, self *rig.CPUMeter
	acks0         int64
	t0            time.Time
	rec           *rig.Recorder
}

func (b *bed) startMeters() *meters {
	m := &meters{ctl: rig.NewCPUMeter(b.ctl.PID(), false), db: rig.NewCPUMeter(b.dbPID, true), self: rig.NewCPUMeter(0, false), rec: b.rec}
	m.ctl.Start()
	if b.dbPID != 0 {
		m.db.Start()
	}
	m.self.Start()
	m.acks0, m.t0 = b.rec.Acked.Load(), time.Now()
	return m
}

// stop returns the cores of the controller, the database, this process,
// and the acks per second.
func (m *meters) stop(hasDB bool) (ctl, db, self, acks float64) {
	ctl, self = m.ctl.Stop(), m.self.Stop()
	if hasDB {
		db = m.db.Stop()
	}
	acks = float64(m.rec.Acked.Load()-m.acks0) / time.Since(m.t0).Seconds()
	return ctl, db, self, acks
}

// ladder offers the sites query at each rate until a step saturates.
func (b *bed) ladder(ctx context.Context, o options, r *storeResult) error {
	var next atomic.Uint64
	do := func(ctx context.Context) error { // round robin over the users
		rctx, cancel := context.WithTimeout(ctx, o.reqTimeout)
		defer cancel()
		_, err := b.clients[next.Add(1)%uint64(len(b.clients))].query(rctx, o.query)
		return err
	}
	for _, rate := range o.rates {
		m := b.startMeters()
		s := openLoop(ctx, realClock{}, rate, o.step, o.maxInFlight, do)
		s.ControllerCores, s.DatabaseCores, s.LoadgenCores, s.IngestAcksPerS = m.stop(b.dbPID != 0)
		if err := ctx.Err(); err != nil {
			return err
		}
		s.Saturated = o.limits.saturated(s)
		r.Steps = append(r.Steps, &s)
		log.Printf("%s: %.0f/s offered: %.1f/s answered, p50 %.1f ms, p99 %.1f ms, %d errors, %d overflows; controller %.2f cores %s",
			r.Store, rate, s.AchievedPerS, s.Latency.P50MS, s.Latency.P99MS, s.Errors, s.Overflow, s.ControllerCores, s.Saturated)
		if s.Saturated != "" {
			r.SaturatedAt = rate
			return nil
		}
		r.MaxSustained = rate
	}
	return nil
}

// subscribe runs the subscription phase with subscribers of filter
// (all, site).
func (b *bed) subscribe(ctx context.Context, o options, filter string) (*subResult, error) {
	r := &subResult{Filter: filter, FlipEveryS: o.flipEvery.Seconds()}
	r.RSSBeforeMiB, _ = rig.RSSMiB(b.ctl.PID())
	t0 := time.Now()
	var aud audience = everyone{}
	if filter == "site" {
		aud = bySite{edges: o.edges}
	}
	w := &rig.Window{}
	b.flips.measure(w)
	for _, c := range b.clients {
		if err := c.freshFor(ctx, o.subSettle+o.subWindow+o.subDrain+tokenSlack); err != nil {
			return nil, err
		}
	}
	subs, failed, subErr := connectSubscribers(ctx, b.clients, aud, o.subscribers, o.subConc, b.flips, w)
	if len(subs) == 0 {
		return nil, subErr
	}
	r.Subscribers, r.Failed = len(subs), failed
	for _, c := range b.clients {
		r.Throttled += c.throttled.Load()
	}
	if subErr != nil {
		r.FailSample = subErr.Error()
	}
	r.ConnectS = time.Since(t0).Seconds()
	sctx, stopSubs := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() { defer wg.Done(); s.read(sctx) }()
	}
	defer func() { stopSubs(); closeSubscribers(subs); wg.Wait() }()
	log.Printf("%d subscribers subscribed (%d failed) in %.1f s; settling %v", len(subs), failed, r.ConnectS, o.subSettle)
	if err := sleep(ctx, o.subSettle); err != nil {
		return nil, err
	}
	if err := b.window(ctx, o, r, w); err != nil {
		return nil, err
	}
	stopSubs()
	wg.Wait()
	tally(r, b.flips.windowFlips(w), subs, o.edges)
	return r, nil
}

// window measures the subscription window and waits for its drain.
func (b *bed) window(ctx context.Context, o options, r *subResult, w *rig.Window) error {
	r.RSSSubscribedMiB, _ = rig.RSSMiB(b.ctl.PID())
	var rssMax atomic.Uint64
	rctx, stopRSS := context.WithCancel(ctx)
	defer stopRSS()
	go sampleRSS(rctx, b.ctl.PID(), &rssMax)
	m := b.startMeters()
	start := time.Now()
	r.windowStart = start
	w.Open()
	log.Printf("subscription window open for %v (each edge flips a path every %v)", o.subWindow, o.flipEvery)
	if err := sleep(ctx, o.subWindow); err != nil {
		return err
	}
	w.Close()
	r.WindowS = time.Since(start).Seconds()
	r.ControllerCores, r.DatabaseCores, r.LoadgenCores, r.IngestAcksPerS = m.stop(b.dbPID != 0)
	if err := sleep(ctx, o.subDrain); err != nil {
		return err
	}
	r.RSSMaxMiB = float64(rssMax.Load()) / 1024
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	return realClock{}.SleepUntil(ctx, time.Now().Add(d))
}
