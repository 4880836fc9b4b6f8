package main

import (
	"fmt"
	"io"

	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

func printStore(w io.Writer, o options, r *storeResult) {
	fmt.Fprintf(w, "\n== %s: %d edges × %d paths to hub %s streaming telemetry (enrolled in %.1f s, links in %.1f s); load average %s → %s\n",
		r.Store, r.Edges, r.Paths, rig.HubName, r.EnrolS, r.LinksS, r.LoadAvgStart, r.LoadAvgEnd)
	if o.phases["query"] {
		printLadder(w, o, r)
	}
	for _, s := range r.Subs {
		printSub(w, o, s)
	}
	fmt.Fprintf(w, "telemetry errors during the run: %d %s\n", r.IngestErrors, r.IngestSample)
}

func printLadder(w io.Writer, o options, r *storeResult) {
	fmt.Fprintf(w, "query %s (answer: %d sites, %d paths, %d bytes), open loop over %d users, %v a step, latency from each request's due time:\n",
		o.query, r.Sites, r.PathsReturned, r.AnswerBytes, o.clients, o.step)
	fmt.Fprintf(w, "%10s %10s %9s %9s %9s %7s %5s %8s %9s %8s %9s %9s  %s\n",
		"offered/s", "answered/s", "p50 ms", "p99 ms", "max ms", "errors", "429", "overflow", "ctl cores", "db cores", "gen cores", "ingest/s", "")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%10g %10.1f %9.1f %9.1f %9.1f %7d %5d %8d %9.2f %8.2f %9.2f %9.0f  %s\n",
			s.OfferedPerS, s.AchievedPerS, s.Latency.P50MS, s.Latency.P99MS, s.Latency.MaxMS, s.Errors, s.Throttled, s.Overflow,
			s.ControllerCores, s.DatabaseCores, s.LoadgenCores, s.IngestAcksPerS, s.Saturated)
		if s.ErrorSample != "" {
			fmt.Fprintf(w, "%10s an error: %.200s\n", "", s.ErrorSample)
		}
	}
	switch {
	case r.SaturatedAt > 0 && r.MaxSustained == 0:
		fmt.Fprintf(w, "saturated at the first rate, %g/s offered: lower -rates\n", r.SaturatedAt)
	case r.SaturatedAt > 0:
		fmt.Fprintf(w, "saturated at %g/s offered; highest rate sustained %g/s\n", r.SaturatedAt, r.MaxSustained)
	default:
		fmt.Fprintf(w, "not saturated up to %g/s offered (raise -rates)\n", r.MaxSustained)
	}
}

func printSub(w io.Writer, o options, s *subResult) {
	what := pathEventsSubscription
	if s.Filter == "site" {
		what = sitePathEventsSubscription + " (subscriber j: site j mod edges)"
	}
	fmt.Fprintf(w, "%d subscribers to %s (connected in %.1f s); window %.1f s, each edge flipping one path every %.0f s:\n",
		s.Subscribers, what, s.ConnectS, s.WindowS, s.FlipEveryS)
	if s.Throttled > 0 {
		fmt.Fprintf(w, "  %d upgrades were answered 429 (rate limited) and tried again\n", s.Throttled)
	}
	if s.Failed > 0 {
		fmt.Fprintf(w, "  %d subscribers failed to subscribe: %.200s\n", s.Failed, s.FailSample)
	}
	fmt.Fprintf(w, "  state changes sent %d; deliveries %d of %d (lost %d); reached every subscriber %d, none %d\n",
		s.StateChanges, s.Delivered, s.Expected, s.Lost, s.ToAll, s.ToNone)
	if s.SubsEnded > 0 {
		fmt.Fprintf(w, "  subscriptions ended by the server or an error: %d (%d before the window opened); one: %.200s\n", s.SubsEnded, s.EndedBefore, s.EndSample)
	}
	goal := "NOT met"
	if s.GoalMet {
		goal = "met"
	}
	if s.ToLast.N == 0 {
		fmt.Fprintf(w, "  no state change reached all its subscribers: no delay to the last (goal: p99 under %v, none lost: %s)\n", goalToLast, goal)
	} else {
		fmt.Fprintf(w, "  delay edge send → last subscriber (%d changes): p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal: p99 under %v, none lost: %s)\n",
			s.ToLast.N, s.ToLast.P50MS, s.ToLast.P99MS, s.ToLast.MaxMS, goalToLast, goal)
	}
	if s.ToEach.N > 0 {
		fmt.Fprintf(w, "  delay edge send → each subscriber (%d deliveries): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			s.ToEach.N, s.ToEach.P50MS, s.ToEach.P99MS, s.ToEach.MaxMS)
	}
	fmt.Fprintf(w, "  CPU, cores: controller %.2f, database %.2f, load generator %.2f; telemetry acks %.0f/s\n",
		s.ControllerCores, s.DatabaseCores, s.LoadgenCores, s.IngestAcksPerS)
	fmt.Fprintf(w, "  controller RSS: %.0f MiB before the subscribers, %.0f MiB subscribed, %.0f MiB at most in the window\n",
		s.RSSBeforeMiB, s.RSSSubscribedMiB, s.RSSMaxMiB)
	fmt.Fprintf(w, "  other events: %d repeats of a state already seen, %d states matched to no flip (reports in flight as it subscribed), %d of paths that do not flip, %d with GraphQL errors\n",
		s.Repeats, s.Unmatched, s.Other, s.GraphQLErrors)
}

// printSummary puts the stores side by side.
func printSummary(w io.Writer, rs []*storeResult) {
	fmt.Fprintf(w, "\n== summary (same run)\n%-44s", "")
	for _, r := range rs {
		fmt.Fprintf(w, " %12s", r.Store)
	}
	fmt.Fprintln(w)
	row := func(name string, get func(*storeResult) (float64, bool)) {
		fmt.Fprintf(w, "%-44s", name)
		for _, r := range rs {
			if v, ok := get(r); ok {
				fmt.Fprintf(w, " %12.4g", v)
			} else {
				fmt.Fprintf(w, " %12s", "-")
			}
		}
		fmt.Fprintln(w)
	}
	sustained := func(r *storeResult) *stepResult {
		for i := len(r.Steps) - 1; i >= 0; i-- {
			if r.Steps[i].Saturated == "" {
				return r.Steps[i]
			}
		}
		return nil
	}
	row("sites query: highest rate sustained, /s", func(r *storeResult) (float64, bool) { return r.MaxSustained, r.MaxSustained > 0 })
	row("  p50 there, ms", func(r *storeResult) (float64, bool) {
		s := sustained(r)
		return pick(s != nil, func() float64 { return s.Latency.P50MS })
	})
	row("  p99 there, ms", func(r *storeResult) (float64, bool) {
		s := sustained(r)
		return pick(s != nil, func() float64 { return s.Latency.P99MS })
	})
	row("  controller cores there", func(r *storeResult) (float64, bool) {
		s := sustained(r)
		return pick(s != nil, func() float64 { return s.ControllerCores })
	})
	row("  saturated at, /s offered", func(r *storeResult) (float64, bool) { return r.SaturatedAt, r.SaturatedAt > 0 })
	for _, filter := range []string{"site", "all"} {
		sub := func(get func(*subResult) float64) func(*storeResult) (float64, bool) {
			return func(r *storeResult) (float64, bool) {
				for _, s := range r.Subs {
					if s.Filter == filter {
						return get(s), true
					}
				}
				return 0, false
			}
		}
		delay := func(get func(*subResult) float64) func(*storeResult) (float64, bool) {
			return func(r *storeResult) (float64, bool) {
				v, ok := sub(get)(r)
				n, _ := sub(func(s *subResult) float64 { return float64(s.ToLast.N) })(r)
				return v, ok && n > 0 // no change reached all its subscribers: no delay
			}
		}
		row("subscribers ("+filter+"): → last, p50 ms", delay(func(s *subResult) float64 { return s.ToLast.P50MS }))
		row("  → last subscriber, p99 ms", delay(func(s *subResult) float64 { return s.ToLast.P99MS }))
		row("  deliveries lost", sub(func(s *subResult) float64 { return float64(s.Lost) }))
		row("  subscriptions ended", sub(func(s *subResult) float64 { return float64(s.SubsEnded) }))
		row("  controller cores", sub(func(s *subResult) float64 { return s.ControllerCores }))
		row("  controller RSS, max MiB", sub(func(s *subResult) float64 { return s.RSSMaxMiB }))
	}
}

func pick(ok bool, v func() float64) (float64, bool) {
	if !ok {
		return 0, false
	}
	return v(), true
}
