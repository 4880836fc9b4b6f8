package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/test/bench/gqlws"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// subscriber is one WebSocket subscription to pathEvents.
type subscriber struct {
	edge   int // the index of the one edge it watches; -1: all
	conn   *gqlws.Conn
	recv   *receiver
	err    error     // why it ended before it was told to, or nil
	end    time.Time // when it ended so
	errs   int64     // next messages with GraphQL errors
	gqlErr string    // the first of their errors
}

// pathEventNext is a next message's payload.
type pathEventNext struct {
	Data struct {
		PathEvents struct {
			Site   string `json:"site"`
			PathID string `json:"pathId"`
			State  string `json:"state"`
		} `json:"pathEvents"`
	} `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

// read takes events until ctx ends or the subscription does.
func (s *subscriber) read(ctx context.Context) {
	for {
		m, err := s.conn.Next(ctx)
		at := time.Now()
		if err != nil {
			if ctx.Err() == nil {
				s.err, s.end = err, at
			}
			return
		}
		if m.Type != gqlws.TypeNext {
			s.err, s.end = fmt.Errorf("the server sent %s %.200s (after the error %q)", m.Type, m.Payload, s.gqlErr), at
			return
		}
		var ev pathEventNext
		if err := json.Unmarshal(m.Payload, &ev); err != nil || len(ev.Errors) > 0 {
			if s.errs++; s.gqlErr == "" {
				s.gqlErr = fmt.Sprintf("%.200s", m.Payload)
			}
			continue
		}
		s.recv.receive(ev.Data.PathEvents.PathID, ev.Data.PathEvents.State, at)
	}
}

// subResult is the subscription phase of one store.
type subResult struct {
	Subscribers      int         `json:"subscribers"` // that subscribed
	Failed           int         `json:"subscribers_failed"`
	Throttled        int64       `json:"upgrades_throttled"` // answered 429 and tried again
	FailSample       string      `json:"subscribe_error_sample,omitempty"`
	Filter           string      `json:"filter"` // all: every event to every subscriber; site: each subscriber one site's
	ConnectS         float64     `json:"connect_s"`
	FlipEveryS       float64     `json:"flip_every_s"`
	WindowS          float64     `json:"window_s"`
	StateChanges     int         `json:"state_changes_sent"`    // flips sent in the window
	Expected         int64       `json:"deliveries_expected"`   // state changes × subscribers
	Delivered        int64       `json:"deliveries"`            // received within the drain
	Lost             int64       `json:"deliveries_lost"`       // expected − delivered
	ToAll            int         `json:"state_changes_to_all"`  // received by every subscriber
	ToNone           int         `json:"state_changes_to_none"` // received by no subscriber
	SubsEnded        int         `json:"subscriptions_ended"`
	EndedBefore      int         `json:"subscriptions_ended_before_window"` // by the server, or by an error
	EndSample        string      `json:"end_sample,omitempty"`              // one reason
	Repeats          int64       `json:"repeat_events"`                     // a path's state as already seen
	Unmatched        int64       `json:"unmatched_events"`                  // reports in flight when it subscribed, mostly         // a state no edge sent
	Other            int64       `json:"other_path_events"`                 // paths that do not flip
	GraphQLErrors    int64       `json:"graphql_error_events"`              // next messages with errors
	ToLast           rig.Summary `json:"delay_to_last_subscriber"`          // per state change received by all
	ToEach           rig.Summary `json:"delay_to_each_subscriber"`          // per delivery
	GoalMet          bool        `json:"goal_p99_to_last_under_1s"`
	ControllerCores  float64     `json:"controller_cores"`
	DatabaseCores    float64     `json:"database_cores"`
	LoadgenCores     float64     `json:"loadgen_cores"`
	IngestAcksPerS   float64     `json:"ingest_acks_per_s"`
	RSSBeforeMiB     float64     `json:"controller_rss_before_subscribers_mib"`
	RSSSubscribedMiB float64     `json:"controller_rss_subscribed_mib"`
	RSSMaxMiB        float64     `json:"controller_rss_max_mib"`

	windowStart time.Time // when the window opened
}

// goalToLast is the goal: a state change reaches the last
// subscriber within this (p99).
const goalToLast = time.Second

// rssEvery is how often the controller's memory is sampled in the window.
const rssEvery = 500 * time.Millisecond

// audience says what subscriber j subscribes to: the query, its
// variables, and the index of the one edge it watches (-1: all).
type audience interface {
	request(j int) (query string, vars map[string]any, edge int)
}

// everyone: every subscriber subscribes to every path event.
type everyone struct{}

func (everyone) request(int) (string, map[string]any, int) { return pathEventsSubscription, nil, -1 }

// bySite: subscriber j subscribes to the events of site j mod edges only
// (pathEvents(site:)), as a dashboard showing one site does.
type bySite struct{ edges int }

func (a bySite) request(j int) (string, map[string]any, int) {
	return sitePathEventsSubscription, map[string]any{"site": rig.SiteName(j % a.edges)}, j % a.edges
}

// connectSubscribers opens n subscriptions, conc at a time, subscriber
// j as clients[j mod len(clients)], and returns those that subscribed;
// it fails only when none did. failed counts the others, firstErr is
// one's error.
func connectSubscribers(ctx context.Context, clients []*apiClient, aud audience, n, conc int, log *flipLog, w *rig.Window) (subs []*subscriber, failed int, firstErr error) {
	all := make([]*subscriber, n)
	errs := make([]error, n)
	rig.Parallel(n, conc, func(j int) error {
		q, vars, edge := aud.request(j)
		c, err := clients[j%len(clients)].subscribe(ctx, q, vars)
		if err != nil {
			errs[j] = fmt.Errorf("subscriber %d: %w", j+1, err)
			return nil
		}
		all[j] = &subscriber{edge: edge, conn: c, recv: newReceiver(log, w)}
		return nil
	})
	for j, s := range all {
		if s != nil {
			subs = append(subs, s)
		} else if failed++; firstErr == nil {
			firstErr = errs[j]
		}
	}
	if len(subs) == 0 && n > 0 {
		return nil, failed, fmt.Errorf("no subscriber could subscribe: %w", firstErr)
	}
	return subs, failed, firstErr
}

// expectation is how many subscribers a state change of edge i is for.
func expectation(subs []*subscriber, edges int) func(i int) int {
	all, per := 0, make([]int, edges)
	for _, s := range subs {
		if s.edge < 0 {
			all++
		} else if s.edge < edges {
			per[s.edge]++
		}
	}
	return func(i int) int { return all + per[i] }
}

func closeSubscribers(subs []*subscriber) {
	var wg sync.WaitGroup
	for _, s := range subs {
		if s != nil {
			wg.Add(1)
			go func() { defer wg.Done(); s.conn.Close() }()
		}
	}
	wg.Wait()
}

// sampleRSS records the controller's largest RSS until ctx ends.
func sampleRSS(ctx context.Context, pid int, max *atomic.Uint64) {
	t := time.NewTicker(rssEvery)
	defer t.Stop()
	for {
		if v, err := rig.RSSMiB(pid); err == nil {
			for cur := max.Load(); uint64(v*1024) > cur && !max.CompareAndSwap(cur, uint64(v*1024)); cur = max.Load() {
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// tally sums what the subscribers received of the window's flips.
func tally(r *subResult, flips []*flip, subs []*subscriber, edges int) {
	r.StateChanges = len(flips)
	expected := expectation(subs, edges)
	var toLast []time.Duration
	for _, f := range flips {
		want := expected(f.edge)
		if want == 0 {
			continue
		}
		r.Expected += int64(want)
		n := int(f.received.Load())
		r.Delivered += int64(n)
		switch {
		case n >= want:
			r.ToAll++
			toLast = append(toLast, time.Duration(f.lastNS.Load()))
		case n == 0:
			r.ToNone++
		}
	}
	r.Lost = r.Expected - r.Delivered
	var each []time.Duration
	for _, s := range subs {
		each = append(each, s.recv.delays...)
		r.Repeats += s.recv.repeats
		r.Unmatched += s.recv.unmatched
		r.Other += s.recv.other
		r.GraphQLErrors += s.errs
		if s.err != nil {
			r.SubsEnded++
			if s.end.Before(r.windowStart) {
				r.EndedBefore++
			}
			if r.EndSample == "" {
				r.EndSample = s.err.Error()
			}
		}
	}
	r.ToLast, r.ToEach = rig.Summarize(toLast), rig.Summarize(each)
	r.GoalMet = r.Lost == 0 && r.ToAll > 0 && r.ToLast.P99MS < float64(goalToLast)/float64(time.Millisecond)
}
