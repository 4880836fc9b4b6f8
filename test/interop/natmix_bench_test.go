//go:build interop

package interop

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// natMix is the NAT of each link of BenchmarkLabNATMix's five sites
// (inet, lte); "" is a public link. Four public, three cone, three
// symmetric.
var natMix = map[string][2]string{
	"site1": {"", "cone"},
	"site2": {"", "symmetric"},
	"site3": {"cone", "symmetric"},
	"site4": {"cone", "symmetric"},
	"site5": {"", ""},
}

// natPairKind names a path by its ends' NATs: direct (both public),
// punched (a cone end, no symmetric one), relay-expected (a symmetric
// end).
func natPairKind(a, b string) string {
	switch {
	case a == "symmetric" || b == "symmetric":
		return "symmetric"
	case a == "cone" || b == "cone":
		return "punched"
	}
	return "public"
}

var (
	logPathMade = regexp.MustCompile(`^time=(\S+) .*msg=path .*id=(\S+) `)
	logPathUp   = regexp.MustCompile(`^time=(\S+) .*msg="path bfd" .*path=(\S+) .*to=up`)
)

// pathFirstUp reads an edge's log: for every path, the time from its
// first making to its BFD's first up (its first packets both ways).
func pathFirstUp(tb testing.TB, file string) map[string]time.Duration {
	tb.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	made, out := map[string]time.Time{}, map[string]time.Duration{}
	for _, line := range strings.Split(string(raw), "\n") {
		for _, re := range []*regexp.Regexp{logPathMade, logPathUp} {
			m := re.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, m[1])
			if err != nil {
				tb.Fatalf("%s: %q: %v", file, line, err)
			}
			if _, ok := made[m[2]]; re == logPathMade && !ok {
				made[m[2]] = at
			}
			if _, ok := out[m[2]]; re == logPathUp && !ok && !made[m[2]].IsZero() {
				out[m[2]] = at.Sub(made[m[2]])
			}
		}
	}
	return out
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// BenchmarkLabNATMix (issue 15): five sites of two links each, behind a
// mix of NATs (natMix: 4 public links, 3 cone, 3 symmetric), the lab's
// relay on the controller node. Once every path is up it counts the
// paths by the NATs at their ends and by transport (direct, relayed),
// and the time from each path's making to its first packets both ways
// (BFD up, from the edges' logs), by kind: direct between public links,
// punched (a cone end), relayed with both ends symmetric and relayed with
// one end symmetric. The machine's load average is
// logged with the figures (scripts/bench-nat.sh runs it).
//
//	go test -tags interop -run '^$' -bench LabNATMix -benchtime 1x ./test/interop/
func BenchmarkLabNATMix(b *testing.B) {
	args := []string{"--sites", "5", "--links", "2", "--timeout", "180s"}
	for site, links := range natMix {
		for i, kind := range links {
			if kind != "" {
				args = append(args, "--nat", fmt.Sprintf("%s:%s=%s", site, []string{"inet", "lte"}[i], kind))
			}
		}
	}
	for range b.N {
		load0 := loadAvg()
		start := time.Now()
		l := upLab(b, args...)
		allUp := time.Since(start)
		count := map[string]int{}             // kind/transport
		first := map[string][]time.Duration{} // by transport and kind
		for _, s := range l.st.Sites {
			up := pathFirstUp(b, s.Log)
			for id, p := range l.natPaths(s.Name) {
				var ls, lr, rs, rr string
				if _, err := fmt.Sscanf(strings.NewReplacer("/", " ", "->", " ").Replace(id), "%s %s %s %s", &ls, &lr, &rs, &rr); err != nil {
					b.Fatalf("path %q: %v", id, err)
				}
				ln, rn := natMix[ls][slices.Index([]string{"inet", "lte"}, lr)], natMix[rs][slices.Index([]string{"inet", "lte"}, rr)]
				kind := natPairKind(ln, rn)
				if p.BFDState != "up" {
					b.Errorf("%s: bfd %s", id, p.BFDState)
				}
				count[kind+"/"+p.Transport]++
				cat := kind
				switch {
				case p.Transport == "relayed" && ln == "symmetric" && rn == "symmetric":
					cat = "relayed, both ends symmetric"
				case p.Transport == "relayed":
					cat = "relayed, one end symmetric"
				}
				if d, ok := up[id]; ok {
					first[cat] = append(first[cat], d)
				}
			}
		}
		total, direct := 0, 0
		for k, n := range count {
			total += n
			if strings.HasSuffix(k, "/direct") {
				direct += n
			}
		}
		b.Logf("BENCHMARK nat-mix: %d paths (directed, both ends), %d direct (%.0f%%), %d relayed; by ends/transport %v; all up %v after lab up started",
			total, direct, 100*float64(direct)/float64(total), total-direct, count, allUp.Round(100*time.Millisecond))
		for _, cat := range []string{"public", "punched", "relayed, both ends symmetric", "relayed, one end symmetric"} {
			d := first[cat]
			slices.Sort(d)
			if len(d) == 0 {
				continue
			}
			b.Logf("BENCHMARK nat-mix: made to first packet, %s: %d paths, median %v, max %v", cat, len(d),
				d[len(d)/2].Round(10*time.Millisecond), d[len(d)-1].Round(10*time.Millisecond))
		}
		b.Logf("load average at start %s, at end %s", load0, loadAvg())
		if count["symmetric/direct"] > 0 || count["punched/relayed"] > 0 || count["public/relayed"] > 0 {
			b.Errorf("a path not as docs/NAT.md says: %v", count)
		}
	}
}
