package sqlite_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
	"github.com/patronus-sdwan/patronus/controller/store/storetest"
)

// BenchmarkSetLearnedPrefixes: a site's learned set of n prefixes grows
// by 1,000 (one op), as an edge reports a router's large announcement in
// growing steps (docs/BGP.md, "Pacing").
func BenchmarkSetLearnedPrefixes(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if _, err := st.CreateNetwork(ctx, "corp", store.FullMesh); err != nil {
				b.Fatal(err)
			}
			if _, err := st.CreateSite(ctx, "corp", store.SiteSpec{Name: "s1", Role: store.Spoke, PublicKey: storetest.Key()}); err != nil {
				b.Fatal(err)
			}
			all := make([]netip.Prefix, n+1000*(b.N+1))
			for i := range all {
				all[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(20 + i>>16), byte(i >> 8), byte(i), 0}), 24)
			}
			if _, err := st.SetLearnedPrefixes(ctx, "corp", "s1", all[:n]); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := st.SetLearnedPrefixes(ctx, "corp", "s1", all[:n+1000*(i+1)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
