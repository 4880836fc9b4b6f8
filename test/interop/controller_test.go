//go:build interop

package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ctl runs patronus ctl ARGS... in the lab's controller node.
func (l *testLab) ctl(args ...string) (string, error) {
	l.t.Helper()
	return l.exec("controller", append([]string{"patronus", "ctl"}, args...)...)
}

func (l *testLab) mustCtl(args ...string) string {
	l.t.Helper()
	out, err := l.ctl(args...)
	if err != nil {
		l.t.Fatalf("patronus ctl %v: %v\n%s", args, err, out)
	}
	return out
}

var appliedLine = regexp.MustCompile(`^time=(\S+) level=INFO msg="configuration applied"`)

// appliedAfter waits for the edge log file to show a configuration applied
// after t0 and returns when it was.
func (l *testLab) appliedAfter(log string, t0 time.Time, d time.Duration) time.Time {
	l.t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		raw, _ := os.ReadFile(log)
		for _, line := range strings.Split(string(raw), "\n") {
			if m := appliedLine.FindStringSubmatch(line); m != nil {
				if at, err := time.Parse(time.RFC3339Nano, m[1]); err == nil && at.After(t0) {
					return at
				}
			}
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: no configuration applied within %v", log, d)
		}
	}
}

// hasPolicy reports whether site's edge has a policy named name in force.
func (l *testLab) hasPolicy(site, name string) bool {
	l.t.Helper()
	var st struct {
		Policies []struct{ Name string } `json:"policies"`
	}
	if err := json.Unmarshal([]byte(l.mustExec(site, "patronus", "status", "--json")), &st); err != nil {
		l.t.Fatal(err)
	}
	for _, p := range st.Policies {
		if p.Name == name {
			return true
		}
	}
	return false
}

// forgedCredentials writes operator credentials of a CA of our own, with
// the identity the lab's operator has: the controller must refuse them.
func forgedCredentials(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "patronus CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	id, _ := url.Parse("spiffe://patronus/admin/admin")
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "admin"}, URIs: []*url.URL{id},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caCert, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	for name, b := range map[string]*pem.Block{
		"identity.key": {Type: "EC PRIVATE KEY", Bytes: keyDER},
		"identity.crt": {Type: "CERTIFICATE", Bytes: leafDER},
		"ca.crt":       {Type: "CERTIFICATE", Bytes: caDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLabController: every site of the lab enrols through the lab's
// controller; a used token and forged operator credentials are refused;
// a policy set with patronus ctl reaches the edges within a second and
// changes steering; with the controller gone for a minute the edges keep
// forwarding and failing over, and take changes again once it is back;
// a revoked site loses its tunnels.
func TestLabController(t *testing.T) {
	l := upLab(t, "--sites", "3")
	if st := l.status(); st.ControllerNode != "controller" {
		t.Fatalf("lab status: controller_node %q", st.ControllerNode)
	}
	var sites struct {
		Sites []struct {
			Site  struct{ Name string } `json:"site"`
			State string                `json:"state"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(l.mustCtl("--json", "sites", "list")), &sites); err != nil || len(sites.Sites) != 3 {
		t.Fatalf("ctl sites list: %v %+v", err, sites)
	}
	for _, s := range sites.Sites {
		if s.State != "SITE_STATE_ENROLLED" {
			t.Errorf("site %s: %s", s.Site.Name, s.State)
		}
	}

	// A token is good once: a second edge with the same token is refused.
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(l.mustCtl("--json", "tokens", "create", "--site", "extra", "--ttl", "5m")), &tok); err != nil {
		t.Fatal(err)
	}
	enrol := func() (string, error) {
		return l.exec("controller", "timeout", "5", "patronus", "edge", "--controller", "172.31.255.2:8443",
			"--join-token", tok.Token, "--state-dir", filepath.Join(t.TempDir(), "state"), "--control-socket", filepath.Join(t.TempDir(), "s.sock"))
	}
	if out, _ := enrol(); !strings.Contains(out, "enrolled") {
		t.Fatalf("first use of the token:\n%s", out)
	}
	if out, err := enrol(); err == nil || !strings.Contains(out, "used") || strings.Contains(out, tok.Token) {
		t.Errorf("second use of the token: %v\n%s", err, out)
	}
	if out, err := l.exec("controller", "patronus", "ctl", "--credentials", forgedCredentials(t), "sites", "list"); err == nil {
		t.Errorf("forged operator credentials accepted:\n%s", out)
	}
	l.mustCtl("sites", "revoke", "extra")

	// A policy reaches every edge within a second and steers: voice is
	// duplicated.
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("policies:\n  - {name: voice-dup, match: {classes: [voice]}, sla_class: voice, mode: duplicate}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	l.mustCtl("policies", "set", policy)
	// When each edge applied it, from its own log ("configuration
	// applied", written once the data plane has it).
	var took time.Duration
	for _, s := range l.status().Sites {
		at := l.appliedAfter(s.Log, t0, 5*time.Second)
		took = max(took, at.Sub(t0))
		if !l.hasPolicy(s.Name, "voice-dup") {
			t.Errorf("%s: applied a configuration without the policy", s.Name)
		}
	}
	t.Logf("policy applied at all three edges %v after ctl policies set began", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("the policy took %v to reach the edges", took)
	}
	before := l.edgeStatus("site1").Forwarder["duplicated"]
	r := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 100, 2*time.Second).wait()
	if d := l.edgeStatus("site1").Forwarder["duplicated"] - before; d < 150 || r.Lost != 0 || r.Duplicates != 0 {
		t.Errorf("voice after the policy: %d packets duplicated at site1, stream %+v", d, r)
	}

	// A token that expires while the controller is away (the shortest
	// lifetime is a minute).
	var late struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(l.mustCtl("--json", "tokens", "create", "--site", "late", "--ttl", "1m")), &late); err != nil {
		t.Fatal(err)
	}

	// The controller goes away for a minute: traffic and failover go on.
	if out, err := l.run("controller", "stop"); err != nil {
		t.Fatalf("lab controller stop: %v\n%s", err, out)
	}
	down := time.Now()
	s := l.startStream("host1", "host3", l.st.Sites[2].HostIPv4, 500, 55*time.Second)
	time.Sleep(20 * time.Second)
	link := l.busiestLink("site1", 300*time.Millisecond)
	l.impair("1", link, "--down")
	r = s.wait()
	t.Logf("without the controller, %s cut: %+v", link, r)
	if r.Unique < 25000 || r.Lost > 0 {
		// Duplicate mode: the cut costs nothing.
		t.Errorf("stream without the controller: %+v", r)
	}
	l.impair("1", link, "--up")
	if time.Since(down) < time.Minute {
		time.Sleep(time.Minute - time.Since(down))
	}
	if out, err := l.run("controller", "start"); err != nil {
		t.Fatalf("lab controller start: %v\n%s", err, out)
	}
	if time.Since(down) < 62*time.Second {
		time.Sleep(62*time.Second - time.Since(down))
	}
	out, err := l.exec("controller", "timeout", "5", "patronus", "edge", "--controller", "172.31.255.2:8443",
		"--join-token", late.Token, "--state-dir", filepath.Join(t.TempDir(), "state"), "--control-socket", filepath.Join(t.TempDir(), "s.sock"))
	if err == nil || !strings.Contains(out, "expired") || strings.Contains(out, late.Token) {
		t.Errorf("an expired token: %v\n%s", err, out)
	}
	// Back: a change reaches the edges again (they reconnect with backoff).
	if err := os.WriteFile(policy, []byte("policies:\n  - {name: voice-best, match: {classes: [voice]}, sla_class: voice}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.mustCtl("policies", "set", policy)
	for deadline := time.Now().Add(45 * time.Second); !l.hasPolicy("site1", "voice-best"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("site1 did not take a change after the controller came back")
		}
	}

	// A revoked site loses its tunnels: its peers drop it.
	l.mustCtl("sites", "revoke", "site3")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		gone := true
		for _, p := range l.edgeStatus("site1").Paths {
			if strings.Contains(p.ID, "->site3/") {
				gone = false
			}
		}
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("site1 still has paths to the revoked site3")
		}
	}
	if out, err := l.exec("host1", "ping", "-c", "2", "-W", "1", l.st.Sites[2].HostIPv4); err == nil {
		t.Errorf("host3 still reachable from host1 after site3 was revoked:\n%s", out)
	}
	if _, err := l.exec("host1", "ping", "-c", "2", "-W", "1", l.st.Sites[1].HostIPv4); err != nil {
		t.Error("host2 no longer reachable after site3 was revoked")
	}
}

// TestLabControllerKill9: the controller is killed (SIGKILL) in the middle
// of a stream of writes; started again, its store holds every write it
// acknowledged, and the edges, which never stopped forwarding, take the
// next change.
func TestLabControllerKill9(t *testing.T) {
	l := upLab(t, "--sites", "2")
	var st struct {
		Controller struct {
			PID int `json:"pid"`
		} `json:"controller"`
	}
	out, err := l.run("status", "--json")
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.Controller.PID == 0 {
		t.Fatalf("lab status: %v %s", err, out)
	}
	type result struct {
		prefix string
		err    error
	}
	results := make(chan result, 1000)
	go func() {
		defer close(results)
		for i := 1; i < 250; i++ {
			p := fmt.Sprintf("10.100.%d.0/24", i)
			_, err := l.exec("controller", "patronus", "ctl", "--timeout", "3s", "prefixes", "add", "--site", "site1", p)
			results <- result{p, err}
			if err != nil {
				return // the controller is gone
			}
		}
	}()
	time.Sleep(2 * time.Second)
	if err := syscall.Kill(st.Controller.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var acked []string
	for r := range results {
		if r.err == nil {
			acked = append(acked, r.prefix)
		}
	}
	if len(acked) < 5 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}
	// The edges go on meanwhile.
	if _, err := l.exec("host1", "ping", "-c", "2", "-W", "1", l.st.Sites[1].HostIPv4); err != nil {
		t.Error("host2 unreachable with the controller killed")
	}
	if out, err := l.run("controller", "start"); err != nil {
		t.Fatalf("lab controller start: %v\n%s", err, out)
	}
	list := l.mustCtl("--json", "prefixes", "list", "--site", "site1")
	for _, p := range acked {
		if !strings.Contains(list, `"`+p+`"`) {
			t.Errorf("acknowledged prefix %s lost", p)
		}
	}
	t.Logf("%d writes acknowledged before the kill, all in the store after the restart", len(acked))
	// The edge takes the next change: the last prefix acked reaches site2.
	last := acked[len(acked)-1]
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if out, _ := l.exec("site2", "ip", "route", "show", last); strings.Contains(out, strings.TrimSuffix(last, "/24")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("site2 has no route to %s after the controller came back", last)
		}
	}
}

// TestLabReplicas: two controllers on one PostgreSQL database, each
// serving one of the two sites' edges; a change made through either
// reaches both edges, the one on the other replica too, within a second.
func TestLabReplicas(t *testing.T) {
	l := upLab(t, "--sites", "2", "--replicas", "2")
	sites := l.status().Sites
	for i, want := range []string{"172.31.255.2:8443", "172.31.255.2:8444"} {
		raw, err := os.ReadFile(sites[i].Log)
		if err != nil || !strings.Contains(string(raw), "controller="+want) {
			t.Fatalf("%s's edge does not use the controller %s:\n%s", sites[i].Name, want, raw)
		}
	}
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	for i, replica := range []string{"172.31.255.2:8444", "172.31.255.2:8443"} {
		name := fmt.Sprintf("voice-%d", i)
		if err := os.WriteFile(policy, []byte("policies:\n  - {name: "+name+", match: {classes: [voice]}, sla_class: voice, mode: duplicate}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		l.mustCtl("--controller", replica, "policies", "set", policy)
		var took time.Duration
		for _, s := range sites {
			took = max(took, l.appliedAfter(s.Log, t0, 5*time.Second).Sub(t0))
			if !l.hasPolicy(s.Name, name) {
				t.Errorf("%s: applied a configuration without %s", s.Name, name)
			}
		}
		t.Logf("set through %s: applied at both edges (one on each replica) %v after", replica, took.Round(time.Millisecond))
		if took > time.Second {
			t.Errorf("set through %s: took %v to reach the edges", replica, took)
		}
	}
}

// TestLabHubAndSpoke: with site1 the hub, the spokes have paths to the
// hub only, and reach each other (IPv4 and IPv6) through it: the hub's
// edge carries their packets from one spoke's path to the other's.
func TestLabHubAndSpoke(t *testing.T) {
	l := upLab(t, "--sites", "3", "--hub", "site1")
	for _, site := range []string{"site2", "site3"} {
		for _, p := range l.edgeStatus(site).Paths {
			if !strings.Contains(p.ID, "->site1/") {
				t.Errorf("spoke %s has a path to another spoke: %s", site, p.ID)
			}
		}
	}
	if n := len(l.edgeStatus("site1").Paths); n != 8 {
		t.Errorf("the hub has %d paths, want 8 (2 spokes x 2 x 2 links)", n)
	}
	tx := func() (n uint64) {
		for _, p := range l.edgeStatus("site1").Paths {
			if strings.Contains(p.ID, "->site3/") {
				n += p.TxPackets
			}
		}
		return n
	}
	before := tx()
	for _, dst := range []string{l.st.Sites[2].HostIPv4, l.st.Sites[2].HostIPv6} {
		if out, err := l.exec("host2", "ping", "-c", "5", "-i", "0.2", "-W", "2", dst); err != nil {
			t.Errorf("spoke to spoke, host2 -> %s: %v\n%s", dst, err, out)
		}
	}
	if d := tx() - before; d < 10 {
		t.Errorf("the hub forwarded %d packets to site3, want the 10 pings", d)
	}
}
