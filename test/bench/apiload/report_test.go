package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

func TestReportPrints(t *testing.T) {
	o, err := parseFlags([]string{"-patronus", "x"})
	if err != nil {
		t.Fatal(err)
	}
	sqlite := &storeResult{Store: "sqlite", Edges: 1000, Paths: 4, Sites: 1001, PathsReturned: 8000, AnswerBytes: 399648,
		Steps: []*stepResult{
			{OfferedPerS: 0.5, AchievedPerS: 0.5, Latency: rig.Summary{P50MS: 600, P99MS: 700}},
			{OfferedPerS: 1, AchievedPerS: 0.9, Errors: 3, Throttled: 1, ErrorSample: "HTTP 429", Saturated: "p99 1500 ms > 1s"},
		},
		MaxSustained: 0.5, SaturatedAt: 1,
		Subs: []*subResult{
			{Filter: "site", Subscribers: 1000, StateChanges: 1000, Expected: 1000, Delivered: 1000, ToAll: 1000, GoalMet: true,
				ToLast: rig.Summary{N: 1000, P50MS: 8, P99MS: 449}, ToEach: rig.Summary{N: 1000, P50MS: 8, P99MS: 449}},
			{Filter: "all", Subscribers: 1000, StateChanges: 1000, Expected: 1000000, Lost: 1000000, ToNone: 1000,
				SubsEnded: 1000, EndedBefore: 1000, EndSample: "the server sent complete"},
		}}
	postgres := &storeResult{Store: "postgres", Steps: []*stepResult{{OfferedPerS: 0.5, Errors: 2, Saturated: "errors 20.0% > 1.0%"}}, SaturatedAt: 0.5}
	var b bytes.Buffer
	printStore(&b, o, sqlite)
	printStore(&b, o, postgres)
	printSummary(&b, []*storeResult{sqlite, postgres})
	out := b.String()
	for _, want := range []string{
		"1001 sites, 8000 paths, 399648 bytes", "open loop over 64 users",
		"saturated at 1/s offered; highest rate sustained 0.5/s", "an error: HTTP 429",
		"delay edge send → last subscriber (1000 changes): p50 8.0 ms, p99 449.0 ms", "none lost: met",
		"subscriptions ended by the server or an error: 1000 (1000 before the window opened)",
		"no state change reached all its subscribers", "none lost: NOT met",
		"saturated at the first rate, 0.5/s offered: lower -rates",
		"sites query: highest rate sustained, /s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "p50 0.0 ms") {
		t.Errorf("a delay of no delivery printed as zero:\n%s", out)
	}
}
