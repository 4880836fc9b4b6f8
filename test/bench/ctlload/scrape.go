package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// scrapeTimeout bounds one scrape of /metrics.
const scrapeTimeout = 30 * time.Second

// scraper GETs the controller's /metrics every interval, as Prometheus
// would, with the operator certificate (an admin principal), and keeps
// each scrape's time, size and sample count.
type scraper struct {
	c      *http.Client
	url    string
	mu     sync.Mutex
	times  []time.Duration
	bytes  int64
	series int
	errs   int
	errMsg string
}

func newScraper(c *rig.Controller) (*scraper, error) {
	creds, err := pki.LoadIdentity(filepath.Join(c.DataDir, "admin"))
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: creds.ClientTLSConfig(rig.ServerName)}
	return &scraper{c: &http.Client{Transport: tr, Timeout: scrapeTimeout}, url: "https://" + c.Addr + "/metrics"}, nil
}

// run scrapes until ctx ends.
func (s *scraper) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.once()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *scraper) once() {
	start := time.Now()
	resp, err := s.c.Get(s.url)
	if err != nil {
		s.fail(err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		s.fail(fmt.Errorf("%s", resp.Status))
		return
	}
	n, series := int64(0), 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		n += int64(len(line)) + 1
		if line != "" && !strings.HasPrefix(line, "#") {
			series++
		}
	}
	if err := sc.Err(); err != nil {
		s.fail(err)
		return
	}
	d := time.Since(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.times = append(s.times, d)
	s.bytes, s.series = n, series
}

func (s *scraper) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs++
	s.errMsg = err.Error()
}

// fill puts the scrapes into r.
func (s *scraper) fill(r *result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := rig.Summarize(s.times)
	r.ScrapeN, r.ScrapeP50MS, r.ScrapeMaxMS = sum.N, sum.P50MS, sum.MaxMS
	r.ScrapeBytes, r.ScrapeSeries, r.ScrapeErrors, r.ScrapeError = s.bytes, s.series, s.errs, s.errMsg
}
