package overlay

import (
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// TestOverlay opens the overlay interface in a network namespace of its
// own (root only): the interface is up with the control address, routes
// come and go, a route already gone is no error, its MTU changes at
// runtime (SetMTU), and Close removes the interface. The test runs on a
// locked thread that is never unlocked, so that the thread, which alone
// is in the namespace, ends with it.
func TestOverlay(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	errs := make(chan string, 16)
	go func() {
		defer close(errs)
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		ns, err := netns.New()
		if err != nil {
			errs <- "netns: " + err.Error()
			return
		}
		defer ns.Close()
		checkOverlay(func(s string) { errs <- s })
	}()
	for e := range errs {
		t.Error(e)
	}
}

func checkOverlay(fail func(string)) {
	ctl := netip.MustParseAddr("fd70:6174:726f::7")
	ifc, err := Open("ptov0", 1420, ctl)
	if err != nil {
		fail("Open: " + err.Error())
		return
	}
	link, err := netlink.LinkByName(ifc.Name())
	if err != nil || link.Attrs().Flags&net.FlagUp == 0 || link.Attrs().MTU != 1420 {
		fail("interface not up with its MTU")
	}
	addrs, _ := netlink.AddrList(link, netlink.FAMILY_V6)
	if !hasAddr(addrs, ctl) {
		fail("no control address")
	}
	pfx := netip.MustParsePrefix("10.2.0.0/24")
	if err := ifc.AddRoutes([]netip.Prefix{pfx, pfx}); err != nil { // twice: replaced
		fail("AddRoutes: " + err.Error())
	}
	if n := routesTo(link, pfx); n != 1 {
		fail("routes after AddRoutes: not one")
	}
	if err := ifc.DelRoutes([]netip.Prefix{pfx}); err != nil || routesTo(link, pfx) != 0 {
		fail("DelRoutes did not remove the route")
	}
	if err := ifc.DelRoutes([]netip.Prefix{pfx}); err != nil {
		fail("DelRoutes of a route already gone: " + err.Error())
	}
	if err := ifc.SetMTU(1380); err != nil {
		fail("SetMTU: " + err.Error())
	}
	if l, err := netlink.LinkByName(ifc.Name()); err != nil || l.Attrs().MTU != 1380 {
		fail("SetMTU did not change the interface's MTU")
	}
	if err := ifc.Close(); err != nil {
		fail("Close: " + err.Error())
	}
	if _, err := netlink.LinkByName("ptov0"); err == nil {
		fail("the interface outlived Close")
	}
}

func hasAddr(addrs []netlink.Addr, a netip.Addr) bool {
	for _, x := range addrs {
		if y, ok := netip.AddrFromSlice(x.IP); ok && y == a {
			return true
		}
	}
	return false
}

func routesTo(link netlink.Link, pfx netip.Prefix) int {
	rs, _ := netlink.RouteList(link, netlink.FAMILY_V4)
	n := 0
	for _, r := range rs {
		if r.Dst != nil && r.Dst.String() == pfx.String() {
			n++
		}
	}
	return n
}
