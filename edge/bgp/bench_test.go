package bgp

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
)

// BenchmarkAdvertiseWithdraw is a site's n prefixes advertised to a
// router (a GoBGP server over TCP) and withdrawn again when the site goes
// down: one op is both, each until the router has them all (or none).
// The ad_s and wd_s metrics are the two halves; SetSites_s is the time
// the SetSites calls themselves took.
func BenchmarkAdvertiseWithdraw(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			port := freePort(b)
			r := newRouter(b, "127.0.0.2", 65010, 4200000001, port, "")
			var l learned
			nb := r.neighbor()
			nb.MaxPrefixes = 4 * uint32(n)
			s := startSpeaker(b, port, &l, nb)
			waitFor(b, sessionTimeout, "session established", established(s, r))
			up := Site{ID: 2, Name: "site-2", Prefixes: benchPrefixes(n), Up: true, Score: 100}
			down := up
			down.Up = false
			var ad, wd, calls time.Duration
			for b.Loop() {
				t0 := time.Now()
				s.SetSites([]Site{up})
				calls += time.Since(t0)
				waitFor(b, 10*time.Minute, "advertised", func() bool { return r.count() == n })
				ad += time.Since(t0)
				t1 := time.Now()
				s.SetSites([]Site{down})
				calls += time.Since(t1)
				waitFor(b, 10*time.Minute, "withdrawn", func() bool { return r.count() == 0 })
				wd += time.Since(t1)
			}
			b.ReportMetric(ad.Seconds()/float64(b.N), "ad_s")
			b.ReportMetric(wd.Seconds()/float64(b.N), "wd_s")
			b.ReportMetric(calls.Seconds()/float64(b.N), "SetSites_s")
		})
	}
}

// count is the number of IPv4 destinations in the router's table.
func (r *router) count() int {
	t, err := r.srv.GetTable(context.Background(), &api.GetTableRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL,
		Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}})
	if err != nil {
		return -1
	}
	return int(t.NumDestination)
}

// benchPrefixes are n /24s from 20.0.0.0 on.
func benchPrefixes(n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		out[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(20 + i>>16), byte(i >> 8), byte(i), 0}), 24)
	}
	return out
}

// BenchmarkLearn is a router's announcement of n prefixes at once until
// the speaker has reported them all as learned (GoBGP's import, the
// best-path watch, the learner's scans and pacing); reports is how many
// reports that took.
func BenchmarkLearn(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			port := freePort(b)
			r := newRouter(b, "127.0.0.2", 65010, 4200000001, port, "")
			nb := r.neighbor()
			nb.MaxPrefixes = 4 * uint32(n)
			var l learned
			s := startSpeaker(b, port, &l, nb)
			waitFor(b, sessionTimeout, "session established", established(s, r))
			text := make([]string, n)
			for i, p := range benchPrefixes(n) {
				text[i] = p.String()
			}
			reports := 0
			for b.Loop() {
				_, before := l.count()
				r.announceMany(text)
				waitFor(b, 10*time.Minute, "learned", func() bool { got, _ := l.count(); return got == n })
				_, after := l.count()
				reports += after - before
				b.StopTimer()
				if err := r.srv.DeletePath(apiutil.DeletePathRequest{DeleteAll: true}); err != nil {
					b.Fatal(err)
				}
				waitFor(b, 10*time.Minute, "unlearned", func() bool { got, _ := l.count(); return got == 0 })
				b.StartTimer()
			}
			b.ReportMetric(float64(reports)/float64(b.N), "reports")
		})
	}
}
