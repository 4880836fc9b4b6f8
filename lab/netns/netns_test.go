package netns

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

func listNamespaces(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v\n%s", err, out)
	}
	return string(out)
}

func TestNamespacesAreConnectedAndRemoved(t *testing.T) {
	SkipIfNotRoot(t)
	var names []string
	var sleeper *Proc
	t.Run("build", func(t *testing.T) {
		a, b := New(t), New(t)
		names = []string{a.Name, b.Name}
		ifA, ifB := Connect(a, b)
		if ifA != "eth0" || ifB != "eth0" {
			t.Errorf("first interfaces = %s, %s; want eth0, eth0", ifA, ifB)
		}
		a.AddAddr(ifA, "198.18.0.1/24")
		b.AddAddr(ifB, "fd00::2/64")
		b.AddLocalRoute("198.19.0.0/24")
		a.EnableForwarding()
		if out := a.Must("ip", "-o", "addr", "show", "dev", ifA); !strings.Contains(out, "198.18.0.1/24") {
			t.Errorf("address missing in %s:\n%s", a.Name, out)
		}
		if out := b.Must("ip", "-o", "addr", "show", "to", "fd00::2"); strings.Contains(out, "tentative") {
			t.Errorf("IPv6 address still tentative despite nodad:\n%s", out)
		}
		if out := a.Must("cat", "/proc/sys/net/ipv4/ip_forward"); strings.TrimSpace(out) != "1" {
			t.Errorf("ip_forward = %q", out)
		}
		if !strings.Contains(listNamespaces(t), names[0]) {
			t.Errorf("%s not listed", names[0])
		}
		sleeper = a.Start("sleep", "300")
	})
	select {
	case <-sleeper.Done():
	case <-time.After(5 * time.Second):
		t.Error("process started in the namespace still runs after cleanup")
	}
	list := listNamespaces(t)
	for _, n := range names {
		if strings.Contains(list, n) {
			t.Errorf("namespace %s left behind after cleanup", n)
		}
	}
}

func TestNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n := Prefix + randomHex(4)
		if seen[n] {
			t.Fatalf("duplicate name %s", n)
		}
		seen[n] = true
	}
}
