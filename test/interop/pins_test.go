//go:build interop

package interop

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// edgePin is a pin as `patronus status --json` shows it.
type edgePin struct {
	Path    string `json:"path"`
	Origin  string `json:"origin"`
	ID      int64  `json:"id"`
	Ignored string `json:"ignored"`
}

// edgePins returns the pins of a site's edge.
func (l *testLab) edgePins(site string) []edgePin {
	l.t.Helper()
	var st struct {
		Pins []edgePin `json:"pins"`
	}
	if err := json.Unmarshal([]byte(l.mustExec(site, "patronus", "status", "--json")), &st); err != nil {
		l.t.Fatal(err)
	}
	return st.Pins
}

// waitPins waits until ok holds for a site's pins.
func (l *testLab) waitPins(site, what string, ok func([]edgePin) bool) {
	l.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ps := l.edgePins(site)
		if ok(ps) {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: no %s within 5s; pins %+v", site, what, ps)
		}
	}
}

// TestLabControllerPin: a pin set with patronus ctl in the controller
// node reaches site1's edge, which shows it with origin controller and
// sends host1's traffic to host2 over the pinned lte path instead of the
// preferred inet one; a local pin for the same traffic wins over it
// until cleared; deleting the controller's pin takes it off the edge and
// the traffic goes back to inet.
func TestLabControllerPin(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "2")
	s1, s2 := l.st.Sites[0], l.st.Sites[1]
	lte := s1.Name + "/lte->" + s2.Name + "/lte"
	inet := s1.Name + "/inet->" + s2.Name + "/inet"
	// moved sends 300 pings from host1 to host2 and returns how many
	// packets site1 sent on the lte and the inet path meanwhile.
	moved := func() (onLTE, onInet uint64) {
		t.Helper()
		before := l.pathTx(s1.Name)
		l.mustExec(s1.HostNode, "ping", "-q", "-c", "300", "-i", "0.005", "-W", "1", s2.HostIPv4)
		after := l.pathTx(s1.Name)
		return after[lte] - before[lte], after[inet] - before[inet]
	}
	// unpinned: no pin sends site1's pings on lte->lte (steering picks
	// another path: inet->inet on a quiet machine).
	unpinned := func(what string, onLTE, onInet uint64) {
		t.Helper()
		t.Logf("%s: %d packets on lte, %d on inet", what, onLTE, onInet)
		if onLTE > 10 {
			t.Fatalf("%s: %d packets on lte with no pin there", what, onLTE)
		}
	}
	want := func(what string, onLTE, onInet uint64, lteWanted bool) {
		t.Helper()
		t.Logf("%s: %d packets on lte, %d on inet", what, onLTE, onInet)
		hi, lo := onInet, onLTE
		if lteWanted {
			hi, lo = onLTE, onInet
		}
		if hi < 300 || lo > 10 {
			t.Fatalf("%s: %d packets on lte, %d on inet; want the 300 pings on %s", what, onLTE, onInet, map[bool]string{true: "lte", false: "inet"}[lteWanted])
		}
	}
	onLTE, onInet := moved()
	unpinned("before any pin", onLTE, onInet)

	// The other end of the path first: the controller stores it from
	// site1's end.
	var pin struct {
		ID     string `json:"id"`
		PathID string `json:"path_id"`
	}
	out := l.mustCtl("--json", "pins", "set", "--site", s1.Name, "--dst", s2.LANIPv4, "--path", s2.Name+"/lte->"+s1.Name+"/lte")
	if err := json.Unmarshal([]byte(out), &pin); err != nil || pin.PathID != lte {
		t.Fatalf("pins set: %v\n%s", err, out)
	}
	id, _ := strconv.ParseInt(pin.ID, 10, 64)
	l.waitPins(s1.Name, "controller pin in force", func(ps []edgePin) bool {
		return len(ps) == 1 && ps[0].Origin == "controller" && ps[0].ID == id && ps[0].Path == lte && ps[0].Ignored == ""
	})
	if list := l.mustExec(s1.Name, "patronus", "pin"); !strings.Contains(list, "controller") || !strings.Contains(list, lte) {
		t.Fatalf("patronus pin on %s:\n%s", s1.Name, list)
	}
	if ps := l.edgePins(s2.Name); len(ps) != 0 {
		t.Fatalf("%s has site1's pin: %+v", s2.Name, ps)
	}
	onLTE, onInet = moved()
	want("controller pin on lte", onLTE, onInet, true)

	// A local pin for the same traffic wins; clearing it gives the
	// controller's back.
	l.mustExec(s1.Name, "patronus", "pin", "--path", inet, "--dst", s2.LANIPv4)
	onLTE, onInet = moved()
	want("local pin on inet over the controller's", onLTE, onInet, false)
	l.mustExec(s1.Name, "patronus", "pin", "--clear")
	if ps := l.edgePins(s1.Name); len(ps) != 1 || ps[0].Origin != "controller" {
		t.Fatalf("after pin --clear: %+v, want the controller's pin kept", ps)
	}
	onLTE, onInet = moved()
	want("controller pin after the local one cleared", onLTE, onInet, true)

	l.mustCtl("pins", "delete", pin.ID)
	l.waitPins(s1.Name, "no pins", func(ps []edgePin) bool { return len(ps) == 0 })
	if list := l.mustCtl("pins", "list"); strings.Contains(list, lte) {
		t.Fatalf("ctl pins list after delete:\n%s", list)
	}
	onLTE, onInet = moved()
	unpinned("pin deleted", onLTE, onInet)
}
