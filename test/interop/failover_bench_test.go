//go:build interop

package interop

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkLabFailover measures what cutting the link of a voice stream
// costs it: a 500 packets/s stream from host1 to host2 in a two-site lab;
// the local link at site 1 that carries it is cut silently (nftables
// drop) and the largest gap at the receiver is recorded; the link comes
// back, and the next run cuts the link the stream moved to. Each BFD
// setting gets PATRONUS_FAILOVER_RUNS runs (default 20) in its own lab.
// It reports the median and worst gap, and their ratio to the BFD
// detection time of the setting, measured in the same run.
//
//	go test -tags interop -run '^$' -bench LabFailover -benchtime 1x ./test/interop/
func BenchmarkLabFailover(b *testing.B) {
	runs := 20
	if v, err := strconv.Atoi(os.Getenv("PATRONUS_FAILOVER_RUNS")); err == nil && v > 0 {
		runs = v
	}
	for _, tc := range []struct {
		interval time.Duration
		mult     int
	}{{100 * time.Millisecond, 3}, {50 * time.Millisecond, 3}} {
		detect := float64(tc.interval.Milliseconds()) * float64(tc.mult)
		b.Run(fmt.Sprintf("bfd-%v-x%d", tc.interval, tc.mult), func(b *testing.B) {
			l := upLab(b, "--static", "--sites", "2", "--bfd-interval", tc.interval.String(), "--bfd-multiplier", strconv.Itoa(tc.mult))
			var gaps []float64
			var lost []string
			for range b.N * runs {
				s := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 500, 3*time.Second)
				time.Sleep(500 * time.Millisecond)
				link := l.busiestLink("site1", 300*time.Millisecond)
				l.impair("1", link, "--down")
				r := s.wait()
				gaps = append(gaps, r.MaxGapMS)
				lost = append(lost, strconv.FormatUint(r.Lost, 10))
				l.impair("1", link, "--up")
				l.waitBFDUp("site1", 20*time.Second)
			}
			slices.Sort(gaps)
			median, worst := gaps[len(gaps)/2], gaps[len(gaps)-1]
			if len(gaps)%2 == 0 {
				median = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
			}
			b.ReportMetric(median, "median-gap-ms")
			b.ReportMetric(worst, "worst-gap-ms")
			b.ReportMetric(median/detect, "median/detect")
			b.ReportMetric(worst/detect, "worst/detect")
			b.Logf("detection time %.0f ms; %d runs; gaps (ms, sorted) %v; packets lost per run %s",
				detect, len(gaps), gaps, strings.Join(lost, " "))
		})
	}
}

// waitBFDUp waits until every path of site has BFD up.
func (l *testLab) waitBFDUp(site string, d time.Duration) {
	l.t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		up := 0
		st := l.edgeStatus(site)
		for _, p := range st.Paths {
			if p.BFDState == "up" {
				up++
			}
		}
		if up == len(st.Paths) {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: %d of %d paths with BFD up after %v", site, up, len(st.Paths), d)
		}
	}
}
