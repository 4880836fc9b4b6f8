package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// drainTimeout is how long the window's last batches may take to be
// acknowledged after it closes.
const drainTimeout = 15 * time.Second

// result is one store's measurement.
type result struct {
	Build            string           `json:"build"` // "now" or "baseline"
	Store            string           `json:"store"`
	Replicas         int              `json:"replicas"` // controllers on the one store, edges spread over them
	Edges            int              `json:"edges"`
	Paths            int              `json:"paths_per_edge"`
	WindowS          float64          `json:"window_s"`
	LoadAvgStart     string           `json:"loadavg_start"`
	LoadAvgEnd       string           `json:"loadavg_end"`
	EnrolS           float64          `json:"enrol_s"` // tokens and enrolments of all edges
	ConnectS         float64          `json:"connect_s"`
	Sent             int64            `json:"batches_sent"`
	Acked            int64            `json:"acks_in_window"`
	AcksPerS         float64          `json:"acks_per_s"`
	ExpectedPerS     float64          `json:"expected_per_s"`
	UnackedAfter     int              `json:"unacked_after_drain"`
	Events           int64            `json:"steering_events_sent"`
	Errors           int64            `json:"errors"`
	ErrorSample      string           `json:"error_sample,omitempty"`
	LatP50MS         float64          `json:"latency_p50_ms"`
	LatP99MS         float64          `json:"latency_p99_ms"`
	LatMaxMS         float64          `json:"latency_max_ms"`
	LatN             int              `json:"latency_samples"`
	ControllerCores  float64          `json:"controller_cores"`
	DatabaseCores    float64          `json:"database_cores"` // PostgreSQL server processes; 0 for SQLite
	LoadgenCores     float64          `json:"loadgen_cores"`
	ControllerRSSMiB float64          `json:"controller_rss_mib"`
	SizeStart        int64            `json:"store_bytes_start"`
	SizeEnd          int64            `json:"store_bytes_end"`
	GrowthPerDayGiB  float64          `json:"growth_gib_per_day"`
	BytesPerBatch    float64          `json:"bytes_per_batch"`
	RowsAdded        map[string]int64 `json:"rows_added"`
	TableBytesAdded  map[string]int64 `json:"table_bytes_added"` // with indexes
	FileBytes        int64            `json:"sqlite_file_bytes_after_checkpoint,omitempty"`
	ForgedRate       int              `json:"forged_rate,omitempty"`
	ForgedSent       int64            `json:"forged_sent,omitempty"`
	ForgedRefused    int64            `json:"forged_refused,omitempty"`
	ForgedLimited    int64            `json:"forged_rate_limited,omitempty"`
	ForgedOther      int64            `json:"forged_other,omitempty"`
	// Scrapes of /metrics in the window (-scrape-every).
	ScrapeN      int     `json:"scrapes,omitempty"`
	ScrapeP50MS  float64 `json:"scrape_p50_ms,omitempty"`
	ScrapeMaxMS  float64 `json:"scrape_max_ms,omitempty"`
	ScrapeBytes  int64   `json:"scrape_bytes,omitempty"`
	ScrapeSeries int     `json:"scrape_samples,omitempty"`
	ScrapeErrors int     `json:"scrape_errors,omitempty"`
	ScrapeError  string  `json:"scrape_error,omitempty"`
}

func runStore(ctx context.Context, o options, bin, st, dir string) (*result, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r := &result{Store: st, Replicas: max(1, o.replicas), Edges: o.edges, Paths: o.paths, ExpectedPerS: float64(o.edges)}
	storeArg, dbPID := "sqlite", 0
	var pg *rig.Postgres
	if st == "postgres" {
		var err error
		if pg, err = rig.StartPostgres(ctx, o.pgFsync, "ctlload"); err != nil {
			return nil, err
		}
		defer pg.Srv.Stop()
		storeArg, dbPID = pg.URL, pg.Srv.PID()
	}
	log.Printf("%s: starting the controller %s", st, bin)
	c, err := rig.StartController(ctx, bin, filepath.Join(dir, "controller"), storeArg)
	if err != nil {
		return nil, err
	}
	defer c.Stop()

	t0 := time.Now()
	creds, err := rig.EnrolAll(ctx, c, o.edges, o.enrolConc)
	if err != nil {
		return nil, err
	}
	r.EnrolS = time.Since(t0).Seconds()
	log.Printf("%s: %d tokens made and sites enrolled in %.1f s", st, o.edges, r.EnrolS)
	ctls, err := startReplicas(ctx, bin, dir, storeArg, c, r.Replicas)
	for _, rc := range ctls[1:] {
		defer rc.Stop()
	}
	if err != nil {
		return nil, err
	}

	var probe storeProbe
	var sq *sqliteProbe
	if pg != nil {
		if probe, err = openPGProbe(ctx, pg.URL); err != nil {
			return nil, err
		}
	} else {
		if sq, err = openSQLiteProbe(filepath.Join(c.DataDir, "controller.db")); err != nil {
			return nil, err
		}
		probe = sq
	}
	defer probe.close()

	t0 = time.Now()
	sctx, stopEdges := context.WithCancel(ctx)
	defer stopEdges()
	edges, err := connectSpread(sctx, ctls, creds, o.paths, o.enrolConc)
	if err != nil {
		return nil, err
	}
	r.ConnectS = time.Since(t0).Seconds()
	defer rig.CloseAll(edges)

	var w rig.Window
	rec := &rig.Recorder{}
	eventP := 0.0
	if o.eventEvery > 0 {
		eventP = time.Second.Seconds() / o.eventEvery.Seconds()
	}
	wg := rig.RunAll(sctx, edges, eventP, &w, rec)
	log.Printf("%s: %d edges connected to %d controllers in %.1f s, streaming; warm-up %v", st, o.edges, len(ctls), r.ConnectS, o.warmup)
	select {
	case <-time.After(o.warmup):
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	// The window.
	size0, err := probe.size(ctx)
	if err != nil {
		return nil, err
	}
	rows0, err := probe.rows(ctx)
	if err != nil {
		return nil, err
	}
	tables0, err := probe.tableBytes(ctx)
	if err != nil {
		return nil, err
	}
	perfDone := make(chan error, 1)
	if o.perfDir != "" {
		go func() { perfDone <- perfRecord(ctx, o.perfDir, filepath.Base(dir), c.PID(), o.duration) }()
	} else {
		perfDone <- nil
	}
	r.LoadAvgStart = rig.LoadAvg()
	ctl0, err := cpuSeconds(ctls)
	if err != nil {
		return nil, err
	}
	db0 := 0.0
	if dbPID != 0 {
		db0, _ = rig.TreeCPUSeconds(dbPID)
	}
	self0 := rig.SelfCPUSeconds()
	var sc *scraper
	scrapeCtx, stopScrapes := context.WithCancel(ctx)
	defer stopScrapes()
	scraped := make(chan struct{})
	if o.scrapeEvery > 0 {
		if sc, err = newScraper(c); err != nil {
			return nil, err
		}
		go func() { defer close(scraped); sc.run(scrapeCtx, o.scrapeEvery) }()
	} else {
		close(scraped)
	}
	start := time.Now()
	w.Open()
	log.Printf("%s: window open for %v", st, o.duration)
	var fs floodStats
	fctx, stopFlood := context.WithCancel(ctx)
	floodDone := make(chan error, 1)
	if o.forgedRate > 0 {
		log.Printf("%s: %d forged enrolments a second during the window", st, o.forgedRate)
		go func() { floodDone <- flood(fctx, c, o.forgedRate, &fs) }()
	} else {
		floodDone <- nil
	}
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
		stopFlood()
		return nil, ctx.Err()
	}
	stopFlood()
	if err := <-floodDone; err != nil {
		return nil, fmt.Errorf("flood: %w", err)
	}
	r.ForgedRate, r.ForgedSent, r.ForgedRefused, r.ForgedLimited, r.ForgedOther = o.forgedRate, fs.Sent.Load(), fs.Refused.Load(), fs.Limited.Load(), fs.Other.Load()
	w.Close()
	stopScrapes()
	<-scraped
	elapsed := time.Since(start).Seconds()
	if sc != nil {
		sc.fill(r)
	}
	ctl1, _ := cpuSeconds(ctls)
	db1 := 0.0
	if dbPID != 0 {
		db1, _ = rig.TreeCPUSeconds(dbPID)
	}
	self1 := rig.SelfCPUSeconds()
	r.LoadAvgEnd = rig.LoadAvg()
	r.ControllerRSSMiB = rssMiB(ctls)
	size1, err := probe.size(ctx)
	if err != nil {
		return nil, err
	}
	rows1, err := probe.rows(ctx)
	if err != nil {
		return nil, err
	}
	tables1, err := probe.tableBytes(ctx)
	if err != nil {
		return nil, err
	}
	if err := <-perfDone; err != nil {
		log.Printf("%s: %v", st, err)
	}

	// Let the window's last batches be acknowledged, then stop.
	deadline := time.Now().Add(drainTimeout)
	for {
		n := rig.UnackedAll(edges)
		r.UnackedAfter = n
		if n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopEdges()
	wg.Wait()

	r.WindowS = elapsed
	r.Sent, r.Acked, r.Events = rec.Sent.Load(), rec.Acked.Load(), rec.Events.Load()
	r.AcksPerS = float64(r.Acked) / elapsed
	r.Errors = rec.Errors.Load()
	r.ErrorSample = rec.ErrorSample()
	lat := rig.Summarize(rec.Latencies())
	r.LatN, r.LatP50MS, r.LatP99MS, r.LatMaxMS = lat.N, lat.P50MS, lat.P99MS, lat.MaxMS
	r.ControllerCores = (ctl1 - ctl0) / elapsed
	r.DatabaseCores = (db1 - db0) / elapsed
	r.LoadgenCores = (self1 - self0) / elapsed
	r.SizeStart, r.SizeEnd = size0, size1
	r.GrowthPerDayGiB = float64(size1-size0) / elapsed * 86400 / (1 << 30)
	r.RowsAdded = map[string]int64{}
	for t, n := range rows1 {
		r.RowsAdded[t] = n - rows0[t]
	}
	r.TableBytesAdded = map[string]int64{}
	for t, n := range tables1 {
		r.TableBytesAdded[t] = n - tables0[t]
	}
	if r.Acked > 0 {
		r.BytesPerBatch = float64(size1-size0) / float64(r.Acked)
	}
	rig.CloseAll(edges)
	for i, c := range ctls {
		if err := c.Stop(); err != nil {
			log.Printf("%s: controller %d stop: %v", st, i+1, err)
		}
	}
	if sq != nil {
		db, wal, err := sq.checkpointedFileSize(ctx)
		if err != nil {
			log.Printf("sqlite checkpoint: %v", err)
		}
		r.FileBytes = db + wal
	}
	return r, nil
}
