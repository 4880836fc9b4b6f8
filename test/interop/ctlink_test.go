//go:build interop

package interop

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// lastSeen is site's last_seen_at in patronus ctl sites list --json (the
// contract); zero when never.
func (l *testLab) lastSeen(site string) time.Time {
	l.t.Helper()
	var list struct {
		Sites []struct {
			Site       struct{ Name string } `json:"site"`
			LastSeenAt *time.Time            `json:"last_seen_at"`
		} `json:"sites"`
	}
	out := l.mustCtl("--json", "sites", "list")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		l.t.Fatalf("sites list --json: %v\n%s", err, out)
	}
	for _, s := range list.Sites {
		if s.Site.Name == site && s.LastSeenAt != nil {
			return *s.LastSeenAt
		}
	}
	return time.Time{}
}

// pathEventSince says whether the controller has a path_state event of
// site's, on a path through link, at or after t (patronus ctl events
// --json): it came in the site's own telemetry.
func (l *testLab) pathEventSince(site, link string, t time.Time) bool {
	l.t.Helper()
	var list struct {
		Events []struct {
			At       time.Time `json:"at"`
			SiteName string    `json:"site_name"`
			PathID   string    `json:"path_id"`
			Kind     string    `json:"kind"`
		} `json:"events"`
	}
	out := l.mustCtl("--json", "events", "--site", site, "--since", "5m")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		l.t.Fatalf("events --json: %v\n%s", err, out)
	}
	for _, e := range list.Events {
		if e.SiteName == site && e.Kind == "path_state" && strings.HasPrefix(e.PathID, site+"/"+link) && !e.At.Before(t) {
			return true
		}
	}
	return false
}

// logCount is how many lines of an edge's log file contain want.
func logCount(t *testing.T, file, want string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), want)
}

// waitLog waits for the n-th line containing want in an edge's log file.
func waitLog(t *testing.T, file, want string, n int, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); logCount(t, file, want) < n; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(file)
			t.Fatalf("%d lines with %q in %s after %v, want %d:\n%s", logCount(t, file, want), want, file, d, n, b)
		}
	}
}

// TestLabControlChannelLinkCut: site1's cheapest link (inet) is cut in
// the underlay, its interface staying up. The edge's control channel,
// bound to inet, moves to lte: the controller sees site1 again within
// 10 s of the cut (patronus ctl sites list --json, last_seen_at, the
// contract of issue 12) and gets its path states (inet's paths down).
// When inet comes back, the channel returns to it.
func TestLabControlChannelLinkCut(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "2")
	site1 := l.st.Sites[0]
	if site1.Name != "site1" || len(site1.Links) != 2 || site1.Links[0].Name != "inet" {
		t.Fatalf("lab: %+v", l.st.Sites)
	}
	// The configuration brings the links; the channel takes inet within a
	// probe interval.
	const onInet, onLTE = `msg="control channel on link" link=inet`, `msg="control channel on link" link=lte`
	waitLog(t, site1.Log, onInet, 1, 30*time.Second)
	for deadline := time.Now().Add(10 * time.Second); time.Since(l.lastSeen("site1")) > 2*time.Second; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("site1 not seen within 2 s of now before the cut")
		}
	}

	cut := time.Now()
	l.impair("site1", "inet", "--down")
	var seen []time.Time
	for time.Since(cut) < 15*time.Second {
		if s := l.lastSeen("site1"); len(seen) == 0 || !s.Equal(seen[len(seen)-1]) {
			seen = append(seen, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The controller's silence is the largest gap between the successive
	// last_seen_at values across the cut; site1 is seen again at its end.
	var gap time.Duration
	var again time.Time
	for i := 1; i < len(seen); i++ {
		if d := seen[i].Sub(seen[i-1]); d > gap && seen[i].After(cut) {
			gap, again = d, seen[i]
		}
	}
	t.Logf("cut at %s; last_seen_at values %v; silence %v; seen again %v after the cut",
		cut.Format("15:04:05.000"), stamps(seen), gap.Round(time.Millisecond), again.Sub(cut).Round(time.Millisecond))
	if again.IsZero() || again.Sub(cut) > 10*time.Second {
		t.Errorf("site1 seen again %v after its cheapest link's cut: more than 10 s", again.Sub(cut))
	}
	if lag := time.Since(l.lastSeen("site1")); lag > 3*time.Second {
		t.Errorf("15 s after the cut, site1 last seen %v ago", lag)
	}
	waitLog(t, site1.Log, onLTE, 1, time.Second)
	// Path states keep arriving: site1's own telemetry (only lte can have
	// carried it) told the controller that its inet paths changed state.
	if !l.pathEventSince("site1", "inet", cut) {
		t.Errorf("no path_state event of site1's inet paths since the cut:\n%s", l.mustCtl("events", "--site", "site1", "--since", "5m"))
	}

	// inet back: after answering probes for 20 s, it takes the channel
	// back; the site stays seen.
	back := time.Now()
	l.impair("site1", "inet", "--up")
	waitLog(t, site1.Log, onInet, 2, 45*time.Second)
	t.Logf("channel back on inet %v after the link", time.Since(back).Round(200*time.Millisecond))
	time.Sleep(3 * time.Second)
	if lag := time.Since(l.lastSeen("site1")); lag > 3*time.Second {
		t.Errorf("after the return to inet, site1 last seen %v ago", lag)
	}
	if n := logCount(t, site1.Log, `msg="control channel on link"`); n != 3 {
		b, _ := os.ReadFile(site1.Log)
		t.Errorf("the channel took a link %d times, want 3 (inet, lte, inet):\n%s", n, b)
	}
}

func stamps(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("15:04:05.000")
	}
	return out
}
