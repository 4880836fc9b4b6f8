package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// schedule is a fixed arrival rate: arrival i is due at start + i/rate.
type schedule struct {
	start time.Time
	rate  float64 // per second
}

// at is when arrival i is due.
func (s schedule) at(i int) time.Time {
	return s.start.Add(time.Duration(float64(i) * float64(time.Second) / s.rate))
}

// count is the number of arrivals due in [start, start+d).
func (s schedule) count(d time.Duration) int {
	n := int(s.rate * d.Seconds())
	for n > 0 && !s.at(n-1).Before(s.start.Add(d)) { // float error at the edge
		n--
	}
	for s.at(n).Before(s.start.Add(d)) {
		n++
	}
	return n
}

// errThrottled is an answer 429: the server's rate limit, not its
// capacity, refused the request.
var errThrottled = errors.New("throttled")

// clock is the time the load generator schedules by (a fake in tests).
type clock interface {
	Now() time.Time
	// SleepUntil returns at t, or with ctx's error when it ends first.
	SleepUntil(ctx context.Context, t time.Time) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stepResult is one rate of the ladder.
type stepResult struct {
	OfferedPerS  float64     `json:"offered_per_s"`
	DurationS    float64     `json:"duration_s"` // the schedule's span (arrivals ÷ rate), or to the last answer when later
	Scheduled    int         `json:"scheduled"`
	Sent         int         `json:"sent"`
	OK           int         `json:"ok"`
	Errors       int         `json:"errors"`    // sent, and failed or timed out
	Throttled    int         `json:"throttled"` // of the errors, answered 429
	Overflow     int         `json:"overflow"`  // not sent: -max-inflight queries were in flight
	AchievedPerS float64     `json:"achieved_per_s"`
	Latency      rig.Summary `json:"latency"` // scheduled time → answer, of the answered
	ErrorSample  string      `json:"error_sample,omitempty"`

	ControllerCores float64 `json:"controller_cores"`
	DatabaseCores   float64 `json:"database_cores"`
	LoadgenCores    float64 `json:"loadgen_cores"`
	IngestAcksPerS  float64 `json:"ingest_acks_per_s"` // the edges' telemetry acknowledged meanwhile
	Saturated       string  `json:"saturated,omitempty"`
}

// openLoop offers do at rate for d: arrival i leaves at its due time
// whatever the answers to earlier ones, so that a slow server meets more
// requests, not fewer (no coordinated omission). A request's latency is
// counted from its due time, so the generator's own lateness is charged
// too. At most maxInFlight are in flight; an arrival beyond is an
// overflow. It returns when every request sent has ended.
func openLoop(ctx context.Context, clk clock, rate float64, d time.Duration, maxInFlight int, do func(ctx context.Context) error) stepResult {
	s := schedule{start: clk.Now(), rate: rate}
	n := s.count(d)
	r := stepResult{OfferedPerS: rate, Scheduled: n}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex // guards lat, r.OK, r.Errors, r.ErrorSample, last
		lat     = make([]time.Duration, 0, n)
		last    time.Time
		slots   = make(chan struct{}, maxInFlight)
		stopped bool
	)
	for i := 0; i < n && !stopped; i++ {
		due := s.at(i)
		if clk.SleepUntil(ctx, due) != nil {
			stopped = true
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			r.Overflow++
			continue
		}
		r.Sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := do(ctx)
			end := clk.Now()
			<-slots
			mu.Lock()
			defer mu.Unlock()
			if end.After(last) {
				last = end
			}
			if err != nil {
				r.Errors++
				if errors.Is(err, errThrottled) {
					r.Throttled++
				}
				if r.ErrorSample == "" {
					r.ErrorSample = err.Error()
				}
				return
			}
			r.OK++
			lat = append(lat, end.Sub(due))
		}()
	}
	wg.Wait()
	r.Latency = rig.Summarize(lat)
	el := time.Duration(float64(n) / rate * float64(time.Second)) // the schedule's span: n arrivals, one each 1/rate
	if last.Sub(s.start) > el {
		el = last.Sub(s.start)
	}
	r.DurationS = el.Seconds()
	r.AchievedPerS = float64(r.OK) / el.Seconds()
	return r
}

// limits say when a step has saturated the controller.
type limits struct {
	maxP99      time.Duration
	minAchieved float64 // of the offered rate
	maxErrors   float64 // errors and overflows, of the scheduled
}

// saturated says why r saturated the controller, or "".
func (l limits) saturated(r stepResult) string {
	if r.Scheduled > 0 {
		if f := float64(r.Errors+r.Overflow) / float64(r.Scheduled); f > l.maxErrors {
			return fmt.Sprintf("errors %.1f%% > %.1f%%", 100*f, 100*l.maxErrors)
		}
	}
	if p99 := time.Duration(r.Latency.P99MS * float64(time.Millisecond)); p99 > l.maxP99 {
		return fmt.Sprintf("p99 %.0f ms > %v", r.Latency.P99MS, l.maxP99)
	}
	if r.AchievedPerS < l.minAchieved*r.OfferedPerS {
		return fmt.Sprintf("achieved %.1f/s < %.0f%% of %.0f/s offered", r.AchievedPerS, 100*l.minAchieved, r.OfferedPerS)
	}
	return ""
}
