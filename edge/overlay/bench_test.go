package overlay

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

// BenchmarkRoutes is the kernel's routes of n peer prefixes put into the
// overlay interface and removed again (one op is both), in a network
// namespace of its own (root only): a site's BGP routers can give a peer
// 100,000 prefixes (docs/BGP.md).
func BenchmarkRoutes(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			runtime.LockOSThread() // never unlocked: the thread, alone in the namespace, exits with the goroutine
			ns, err := netns.New()
			if err != nil {
				b.Fatal(err)
			}
			defer ns.Close()
			ifc, err := Open("ptbench0", 1420, netip.MustParseAddr("fd70:6174:726f::7"))
			if err != nil {
				b.Fatal(err)
			}
			defer ifc.Close()
			pfxs := make([]netip.Prefix, n)
			for i := range pfxs {
				pfxs[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(20 + i>>16), byte(i >> 8), byte(i), 0}), 24)
			}
			for b.Loop() {
				if err := ifc.AddRoutes(pfxs); err != nil {
					b.Fatal(err)
				}
				if err := ifc.DelRoutes(pfxs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
