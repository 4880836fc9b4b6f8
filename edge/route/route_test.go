package route

import (
	"fmt"
	"net/netip"
	"testing"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestLongestPrefixMatch(t *testing.T) {
	tb, err := Build([]Route{
		{pfx("10.0.0.0/8"), Dest{Site: 1}},
		{pfx("10.2.0.0/16"), Dest{Site: 2}},
		{pfx("10.2.3.0/24"), Dest{Site: 3}},
		{pfx("10.11.0.0/24"), Dest{Site: 11, Local: true}},
		{pfx("fd00::/56"), Dest{Site: 1}},
		{pfx("fd00:0:0:2::/64"), Dest{Site: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]Dest{
		"10.9.9.9": {Site: 1}, "10.2.9.9": {Site: 2}, "10.2.3.4": {Site: 3},
		"10.11.0.7": {Site: 11, Local: true}, "fd00::1": {Site: 1}, "fd00:0:0:2::9": {Site: 2},
	} {
		if got, ok := tb.Lookup(netip.MustParseAddr(ip)); !ok || got != want {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", ip, got, ok, want)
		}
	}
	for _, ip := range []string{"192.0.2.1", "11.0.0.1", "2001:db8::1"} {
		if d, ok := tb.Lookup(netip.MustParseAddr(ip)); ok {
			t.Errorf("Lookup(%s) = %+v, want no route", ip, d)
		}
	}
}

func TestBuildRefusesBadTables(t *testing.T) {
	for _, bad := range [][]Route{
		{{pfx("10.2.0.0/16"), Dest{Site: 2}}, {pfx("10.2.0.0/16"), Dest{Site: 3}}},
		{{pfx("10.2.0.0/16"), Dest{Site: 2}}, {netip.MustParsePrefix("10.3.0.1/16"), Dest{Site: 3}}},
	} {
		if tb, err := Build(bad); err == nil || tb != nil {
			t.Errorf("Build(%v) accepted", bad)
		}
	}
	if New().Len() != 0 {
		t.Error("New is not empty")
	}
}

func manyRoutes(n int) []Route {
	rs := make([]Route, 0, n)
	for i := range n {
		rs = append(rs, Route{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), Dest{Site: uint16(i%500 + 1)}})
	}
	return rs
}

func TestLookupDoesNotAllocate(t *testing.T) {
	tb, err := Build(manyRoutes(10000))
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("10.20.30.40")
	if a := testing.AllocsPerRun(1000, func() { tb.Lookup(ip) }); a != 0 {
		t.Errorf("Lookup allocates %v times", a)
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tb, err := Build(manyRoutes(n))
			if err != nil {
				b.Fatal(err)
			}
			ip := netip.MustParseAddr("10.0.7.9")
			b.ReportAllocs()
			for b.Loop() {
				tb.Lookup(ip)
			}
		})
	}
}
