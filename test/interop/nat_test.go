//go:build interop

package interop

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// natPath is what these tests read of a path in patronus status --json.
type natPath struct {
	ID            string     `json:"id"`
	Endpoint      string     `json:"endpoint"`
	BFDState      string     `json:"bfd_state"`
	Transport     string     `json:"transport"`
	RemoteNAT     string     `json:"remote_nat"`
	Punched       bool       `json:"punched"`
	LastHandshake *time.Time `json:"last_handshake"`
	BFD           struct {
		DetectionTimeMS float64 `json:"detection_time_ms"`
	} `json:"bfd"`
}

func (l *testLab) natPaths(site string) map[string]natPath {
	l.t.Helper()
	var st struct {
		Paths []natPath `json:"paths"`
	}
	out := l.mustExec(site, "patronus", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		l.t.Fatalf("%s status --json: %v\n%s", site, err, out)
	}
	m := map[string]natPath{}
	for _, p := range st.Paths {
		m[p.ID] = p
	}
	return m
}

// logTime is the time of the first line of an edge's log that matches re.
func logTime(t *testing.T, file string, re *regexp.Regexp) time.Time {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if !re.MatchString(line) {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatalf("%s: %q: %v", file, line, err)
		}
		return at
	}
	t.Fatalf("%s: no line matches %v", file, re)
	return time.Time{}
}

// firstPacket logs and returns how long a path took from its making (its
// peer link's endpoint known) to BFD up inside it: its first packets both
// ways.
func firstPacket(t *testing.T, log, path string) time.Duration {
	t.Helper()
	q := regexp.QuoteMeta(path)
	made := logTime(t, log, regexp.MustCompile(`msg=path .*id=`+q+` `))
	up := logTime(t, log, regexp.MustCompile(`msg="path bfd" .*path=`+q+` .*to=up`))
	t.Logf("%s: made %s, BFD up %v later", path, made.Format("15:04:05.000"), up.Sub(made).Round(time.Millisecond))
	return up.Sub(made)
}

// TestLabNAT: two sites whose lte links are both behind cone NAT. Each
// edge learns its links' public endpoints and NAT kinds from the
// controller's STUN responder; the lte-to-lte path, between two NATs,
// comes up by hole punching within 5 s of both edges running, direct;
// a NAT rebinding in the middle of a stream is recovered (measured and
// logged); and a link behind symmetric NAT is classified as such.
func TestLabNAT(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "2", "--nat", "site1:lte=cone", "--nat", "site2:lte=cone")
	const punched = "site1/lte->site2/lte"
	for _, site := range []string{"site1", "site2"} {
		for id, p := range l.natPaths(site) {
			if p.BFDState != "up" || p.LastHandshake == nil || p.Transport != "direct" {
				t.Errorf("%s %s: bfd %s, handshake %v, transport %q", site, id, p.BFDState, p.LastHandshake, p.Transport)
			}
			if strings.HasSuffix(id, "/lte") != (p.RemoteNAT != "") {
				t.Errorf("%s %s: remote_nat %q", site, id, p.RemoteNAT)
			}
			if p.RemoteNAT != "" && (p.RemoteNAT != "endpoint-independent/address-and-port-dependent" || !p.Punched) {
				t.Errorf("%s %s: remote_nat %q punched %v, want the lab's cone NAT, punched", site, id, p.RemoteNAT, p.Punched)
			}
		}
	}
	p := l.natPaths("site1")[punched]
	if !strings.HasPrefix(p.Endpoint, "172.17.2.2:") {
		t.Errorf("%s goes to %s, want site2's lte NAT's public address 172.17.2.2", punched, p.Endpoint)
	}
	logs := map[string]string{}
	for _, s := range l.st.Sites {
		logs[s.Name] = s.Log
	}
	running := logTime(t, logs["site1"], regexp.MustCompile(`msg="edge up"`))
	if t2 := logTime(t, logs["site2"], regexp.MustCompile(`msg="edge up"`)); t2.After(running) {
		running = t2
	}
	up := logTime(t, logs["site1"], regexp.MustCompile(`msg="path bfd" .*path=`+regexp.QuoteMeta(punched)+` .*to=up`))
	t.Logf("%s up %v after both edges run", punched, up.Sub(running).Round(time.Millisecond))
	if up.Sub(running) > 5*time.Second {
		t.Errorf("%s took %v after both edges run, want within 5 s", punched, up.Sub(running))
	}
	firstPacket(t, logs["site1"], "site1/inet->site2/inet")
	firstPacket(t, logs["site1"], punched)
	firstPacket(t, logs["site2"], "site2/lte->site1/lte")

	t.Run("rebind", func(t *testing.T) { natRebind(t, l) })
	t.Run("symmetric", natSymmetric)
}

// natRebind: with every flow pinned to lte, site1's NAT rebinds in the
// middle of a ping stream. site1 detects its paths down (BFD), asks its
// link's mapping again at once and reports the new one; the controller
// pushes it to site2, whose paths to site1's lte are repointed (the
// WireGuard session kept: no handshake) and punch. The timeline is taken
// from the edges' logs and logged; site2's repoint must follow site1's
// detection within a second.
func natRebind(t *testing.T, l *testLab) {
	l.pinAll("lte")
	var wg sync.WaitGroup
	var loss float64
	wg.Add(1)
	go func() {
		defer wg.Done()
		loss, _ = l.ping("host1", l.st.Sites[1].HostIPv4, 300, "0.02")
	}()
	time.Sleep(time.Second)
	before := l.natPaths("site2")["site2/lte->site1/lte"].Endpoint
	detection := time.Duration(l.natPaths("site1")["site1/lte->site2/lte"].BFD.DetectionTimeMS * float64(time.Millisecond))
	// Made once, or twice with the lab's relay (relayed first, remade when
	// site1's observed endpoint arrived): the rebind must not make it again.
	const made = `msg=path site=site2 id=site2/lte->site1/lte`
	madeBefore := strings.Count(readFile(t, l.st.Sites[1].Log), made)
	at := time.Now()
	if out, err := l.run("impair", "--rebind", "site1:lte"); err != nil {
		t.Fatalf("lab impair --rebind: %v\n%s", err, out)
	}
	done := time.Now()
	var back time.Time
	for deadline := at.Add(30 * time.Second); time.Now().Before(deadline) && back.IsZero(); time.Sleep(20 * time.Millisecond) {
		if st := l.natPaths("site2")["site2/lte->site1/lte"]; st.BFDState == "up" && st.Endpoint != before {
			back = time.Now()
		}
	}
	wg.Wait()
	if back.IsZero() {
		t.Fatalf("site2/lte->site1/lte not up again at site1's new mapping 30 s after site1's NAT rebound")
	}
	after := l.natPaths("site2")["site2/lte->site1/lte"]
	s1, s2 := l.st.Sites[0].Log, l.st.Sites[1].Log
	q := regexp.QuoteMeta
	detected := logTimeAfter(t, s1, at, regexp.MustCompile(`msg="path bfd" .*path=`+q("site1/lte->")+`.* to=down`))
	mapped := logTimeAfter(t, s1, at, regexp.MustCompile(`msg="nat mapping changed" link=lte`))
	repointed := logTimeAfter(t, s2, at, regexp.MustCompile(`msg="path repointed" .*id=`+q("site2/lte->site1/lte")+` `))
	up := logTimeAfter(t, s2, repointed, regexp.MustCompile(`msg="path bfd" .*path=`+q("site2/lte->site1/lte")+` .*to=up`))
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	t.Logf("site1's lte NAT rebound (lab impair ran %v); site1's BFD (detection time %v) detected its first lte path down %v after the command started, "+
		"had its new mapping %v after detecting, site2 repointed %v after detecting (WireGuard session kept), BFD up at site2 %v after the repoint "+
		"(%v after the rebind); site2 now sends to %s (before: %s); a 300-ping stream at 50/s lost %.1f%% (≈ %v)",
		ms(done.Sub(at)), detection, ms(detected.Sub(at)), ms(mapped.Sub(detected)), ms(repointed.Sub(detected)), ms(up.Sub(repointed)), ms(up.Sub(at)),
		after.Endpoint, before, loss*100, time.Duration(loss*300*20)*time.Millisecond)
	if repointed.Sub(detected) > time.Second {
		t.Errorf("site2 repointed %v after site1 detected the rebind, want within a second", repointed.Sub(detected))
	}
	if n := strings.Count(readFile(t, s2), made); n != madeBefore {
		t.Errorf("site2/lte->site1/lte made %d times after the rebind, want none (repointed, not remade)", n-madeBefore)
	}
	for _, site := range l.st.Sites {
		logWindow(t, site.Log, at.Add(-50*time.Millisecond), back.Add(50*time.Millisecond), regexp.MustCompile(`lte|nat|stun`))
	}
	if !strings.HasPrefix(after.Endpoint, "172.17.1.2:") || strings.HasSuffix(after.Endpoint, ":51820") {
		t.Errorf("after the rebind site2 sends to %s, want site1's new mapping (172.17.1.2:40001)", after.Endpoint)
	}
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// logTimeAfter is the time of the first line of an edge's log at or
// after from that matches re.
func logTimeAfter(t *testing.T, file string, from time.Time, re *regexp.Regexp) time.Time {
	t.Helper()
	for _, line := range strings.Split(readFile(t, file), "\n") {
		ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err == nil && !at.Before(from) && re.MatchString(line) {
			return at
		}
	}
	t.Fatalf("%s: no line after %s matches %v", file, from.Format("15:04:05.000"), re)
	return time.Time{}
}

// logWindow logs the lines of an edge's log between from and to that
// match re: the timeline of a recovery.
func logWindow(t *testing.T, file string, from, to time.Time, re *regexp.Regexp) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err == nil && !at.Before(from) && !at.After(to) && re.MatchString(line) {
			t.Logf("%s: %s", file[strings.LastIndex(file, "/")+1:], line)
		}
	}
}

// natSymmetric: a link behind symmetric NAT is classified
// address-and-port-dependent (its peers see it so, a relay's cue), and
// the lab comes up with every path that does not need a relay.
func natSymmetric(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "2", "--nat", "site1:lte=symmetric")
	// The lab waits for the paths that come up without a relay: the path
	// to site1's lte is made once site1 has reported its mapping.
	var p natPath
	ok := false
	for deadline := time.Now().Add(15 * time.Second); !ok && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		p, ok = l.natPaths("site2")["site2/inet->site1/lte"]
	}
	if !ok || p.RemoteNAT != "address-and-port-dependent/address-and-port-dependent" {
		t.Fatalf("site2's path to site1's lte: %+v (present %v), want remote_nat address-and-port-dependent/address-and-port-dependent", p, ok)
	}
	t.Logf("site1 lte behind symmetric NAT: site2 sees %s at %s", p.RemoteNAT, p.Endpoint)
}

// TestLabNATTimeout: the NAT routers of both lte links keep an idle UDP
// flow 4 s (lab up --nat-timeout 4s, an nftables ct timeout policy).
// Each edge measures its lte NAT's timeout from the link's own socket (a
// bounded binary search, natdisc.MeasureLifetime: about 70 s of idle
// probes for a 4-s timeout), sets the keepalive of its lte paths below it
// (1 s), and every path is still up.
func TestLabNATTimeout(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "2", "--nat", "site1:lte=cone", "--nat", "site2:lte=cone", "--nat-timeout", "4s")
	const timeout = 4 * time.Second
	measured := regexp.MustCompile(`msg="nat lifetime measured" .*link=lte alive_after=(\S+) forgotten_after=(\S+)`)
	keepalive := regexp.MustCompile(`msg="link keepalive" .*link=lte interval=(\S+)`)
	for _, s := range l.st.Sites {
		var m []string
		for deadline := time.Now().Add(150 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(time.Second) {
			m = measured.FindStringSubmatch(readFile(t, s.Log))
		}
		if m == nil {
			t.Fatalf("%s: no NAT lifetime measured within 150 s", s.Name)
		}
		alive, err1 := time.ParseDuration(m[1])
		dead, err2 := time.ParseDuration(m[2])
		if err1 != nil || err2 != nil || alive > timeout || dead < timeout {
			t.Errorf("%s: the NAT kept an idle flow %s and forgot it after %s, want the 4-s timeout between them", s.Name, m[1], m[2])
		}
		var k []string
		for deadline := time.Now().Add(10 * time.Second); k == nil && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			k = keepalive.FindStringSubmatch(readFile(t, s.Log))
		}
		if k == nil || k[1] != "1s" {
			t.Fatalf("%s: lte keepalive %v, want 1s (half the 3–4 s the NAT keeps an idle flow, whole seconds)", s.Name, k)
		}
		t.Logf("%s: lte NAT timeout measured between %s (kept) and %s (forgotten) for a 4-s ct timeout; lte paths' keepalive %s", s.Name, m[1], m[2], k[1])
	}
	for _, site := range []string{"site1", "site2"} {
		for id, p := range l.natPaths(site) {
			if p.BFDState != "up" {
				t.Errorf("%s %s: bfd %s after the measurement, want up", site, id, p.BFDState)
			}
		}
	}
}
