package bgp

import "testing"

// TestClosedReasonKeptUntilEstablished: the reason a session left
// established stays the neighbour's while it connects again (a prefix
// limit's restart goes through idle, connect and active), and is gone
// once it is established again.
func TestClosedReasonKeptUntilEstablished(t *testing.T) {
	l := newEventLog(8)
	const n = "10.1.0.2"
	step := func(to, reason string) {
		l.add(Event{Neighbor: n, To: to}, func() string { return reason })
	}
	step("established", "")
	if r := l.closedReason(n); r != "" {
		t.Fatalf("established: reason %q", r)
	}
	step("idle", reasonPrefixLimit)
	for _, to := range []string{"connect", "active", "idle"} {
		step(to, "not asked")
		if r := l.closedReason(n); r != reasonPrefixLimit {
			t.Fatalf("%s after a prefix limit: reason %q", to, r)
		}
	}
	step("established", "")
	if r := l.closedReason(n); r != "" {
		t.Fatalf("established again: reason %q", r)
	}
	if r := l.closedReason("10.9.9.9"); r != "" {
		t.Fatalf("a neighbour never seen: reason %q", r)
	}
}
