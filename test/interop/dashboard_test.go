//go:build interop

package interop

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// TestLabDashboard drives the web dashboard in a real browser against a
// hub-and-spoke lab of three sites: web/e2e/dashboard.mjs (Playwright's playwright-core driving
// Debian's chromium, headless) signs in, checks the overview names every
// site and /paths lists every path up, cuts a link with `patronus lab
// impair` and sees its paths turn down on /paths and on the topology
// within 2 s without a reload, checks a viewer sees no edit controls and
// that the API refuses the viewer's mutation anyway, runs axe-core on
// every page, sees traffic this test sends under its application on the
// overview and the sending site's page, measures the first load
// (FCP, LCP, TBT, bytes) and fails over the bundle budget, switches the
// network selector to a second network the lab's controller has (empty:
// none of the sites, on the overview, topology and paths pages) and back,
// checks a site's BGP section, and takes the
// screenshots (under docs/screenshots with UPDATE_SCREENSHOTS=1). This test
// brings up the lab, makes the viewer, collects the expected sites and
// paths through the API and runs the script with them (docs/WEB.md).
// Then web/e2e/admin.mjs tests the editing pages on the same lab (join
// token and its command, policy edit seen applied, users, API keys, a
// viewer's MFA enrolment) and takes their screenshots.
func TestLabDashboard(t *testing.T) {
	chromium := os.Getenv("E2E_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: scripts/install-deps.sh installs what web/ needs")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s: %v (scripts/install-deps.sh installs Debian's chromium)", chromium, err)
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "web", "node_modules", "playwright-core")); err != nil {
		t.Fatal("web/node_modules has no playwright-core: run scripts/install-deps.sh --web")
	}

	// Hub and spoke, so that the topology is drawn as such: site1 the hub,
	// each spoke's two links to the hub's two (8 paths). A second network,
	// empty, for the network selector.
	l := upLab(t, "--sites", "3", "--hub", "site1", "--network", "branch")
	d := l.dashboard()
	c := newAPIClient(t, d)
	pw, err := os.ReadFile(d.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	if code := c.login(d.Username, strings.TrimSpace(string(pw))); code != 200 {
		t.Fatalf("login as %s: HTTP %d", d.Username, code)
	}
	sites, paths := waitAllPathsUp(t, c, 3, 8)

	// A viewer, whose password the script reads from a file.
	viewerPW := filepath.Join(t.TempDir(), "viewer-password")
	if err := os.WriteFile(viewerPW, []byte("viewer-sees-but-never-touches\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.gql(`mutation { createUser(input: {name: "vera", role: VIEWER, password: "viewer-sees-but-never-touches"}) { name } }`, nil, nil)

	var cut []string
	for _, p := range paths {
		if strings.HasPrefix(p, "site1/inet->") || strings.HasSuffix(p, "->site1/inet") {
			cut = append(cut, p)
		}
	}
	impair := func(arg string) []string {
		return []string{patronusBin(t), "lab", "impair", "--name", l.name, "--state-root", l.root, "--site", "site1", "--link", "inet", arg}
	}
	// Traffic the pages must show under its application: rsync (TCP 873)
	// from site2's host to site1's, counted by site2's edge and sent in its
	// next flow summary (every 30 s).
	app, appSite := sendAppTraffic(t, l)
	// The screenshots go to the docs only when asked: a run leaves the
	// tree as it was.
	shots := t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		shots = filepath.Join(root, "docs", "screenshots")
	}
	env := map[string]any{
		"E2E_URL": d.URL, "E2E_SPKI": serverSPKI(t, c), "E2E_CHROMIUM": chromium,
		"E2E_ADMIN_USER": d.Username, "E2E_ADMIN_PASSWORD_FILE": d.PasswordFile,
		"E2E_VIEWER_USER": "vera", "E2E_VIEWER_PASSWORD_FILE": viewerPW,
		"E2E_SITES": sites, "E2E_PATHS": paths, "E2E_CUT_PATHS": cut,
		"E2E_CUT": impair("--down"), "E2E_RESTORE": impair("--up"),
		"E2E_SCREENSHOTS": shots, "E2E_APP": app, "E2E_APP_SITE": appSite, "E2E_OTHER_NETWORK": "branch",
	}
	runE2E(t, node, root, "dashboard.mjs", env)
	// The viewer's refused revoke left site1 enrolled.
	var q struct{ Site struct{ State string } }
	c.gql(`{ site(name: "site1") { state } }`, nil, &q)
	if q.Site.State != "ENROLLED" {
		t.Fatalf("site1 is %s after the viewer's refused revoke", q.Site.State)
	}

	// The editing pages on the same lab: web/e2e/admin.mjs creates a join
	// token and checks the command shown, edits the policy set (a field
	// error first, then the diff, applied), creates a viewer and an API
	// key, enrols the viewer's TOTP from the QR code's secret, and tidies
	// up: the policy set moved twice (the change and its removal).
	rev0 := policyRevision(t, c)
	runE2E(t, node, root, "admin.mjs", env)
	if rev1 := policyRevision(t, c); rev1 < rev0+2 {
		t.Fatalf("policy set revision %d after the admin pages' test, want at least %d", rev1, rev0+2)
	}
}

// sendAppTraffic sends 2 s of rsync (iperf3 on TCP port 873, which the
// built-in catalogue names rsync) from site2's host to site1's, and
// returns the application and the sending site.
func sendAppTraffic(t *testing.T, l *testLab) (app, site string) {
	t.Helper()
	netns.Require(t, "iperf3")
	host, addr := map[string]string{}, map[string]string{}
	for _, s := range l.st.Sites {
		host[s.Name], addr[s.Name] = s.HostNode, s.HostIPv4
	}
	l.mustExec(host["site1"], "iperf3", "-s", "-D", "-p", "873")
	time.Sleep(300 * time.Millisecond)
	bps := l.tcp(host["site2"], addr["site1"], "-p", "873", "-t", "2", "-b", "20M")
	t.Logf("rsync traffic site2 -> site1: %.1f Mbit/s for 2 s", bps/1e6)
	keepFlowing(t, l, host["site2"], addr["site1"])
	return "rsync", "site2"
}

// keepFlowing keeps an rsync flow (1 Mbit/s) going from node to addr
// until the test ends (30 minutes at most), for the path pages' current
// flows.
func keepFlowing(t *testing.T, l *testLab, node, addr string) {
	t.Helper()
	c := exec.Command(patronusBin(t), "lab", "exec", "--name", l.name, "--state-root", l.root, node, "--",
		"iperf3", "-c", addr, "-p", "873", "-t", "1800", "-b", "1M")
	// Its own process group, killed whole: lab exec, ip netns exec and
	// iperf3.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL); _ = c.Wait() })
}

func policyRevision(t *testing.T, c *apiClient) int {
	t.Helper()
	var q struct{ PolicySet struct{ Revision int } }
	c.gql(`{ policySet { revision } }`, nil, &q)
	return q.PolicySet.Revision
}

// runE2E runs web/e2e/SCRIPT with env (strings as they are, the rest as
// JSON), logging its lines.
func runE2E(t *testing.T, node, root, script string, env map[string]any) {
	t.Helper()
	cmd := exec.Command(node, filepath.Join(root, "web", "e2e", script))
	cmd.Dir = filepath.Join(root, "web")
	cmd.Env = os.Environ()
	for k, v := range env {
		if s, ok := v.(string); ok {
			cmd.Env = append(cmd.Env, k+"="+s)
			continue
		}
		b, _ := json.Marshal(v)
		cmd.Env = append(cmd.Env, k+"="+string(b))
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("web/e2e/%s: %v", script, err)
	}
	t.Logf("web/e2e/%s took %v", script, time.Since(start).Round(time.Millisecond))
}

// waitAllPathsUp waits until the network has nSites sites and at least
// nPaths paths, all UP, and returns their names and IDs as the API gives them.
func waitAllPathsUp(t *testing.T, c *apiClient, nSites, nPaths int) (sites, paths []string) {
	t.Helper()
	var q struct {
		Sites []struct{ Name string }
		Paths struct {
			Nodes []struct{ ID, State string }
		}
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		c.gql(`{ sites { name } paths(first: 100) { nodes { id state } } }`, nil, &q)
		up := 0
		for _, p := range q.Paths.Nodes {
			if p.State == "UP" {
				up++
			}
		}
		if len(q.Sites) == nSites && len(q.Paths.Nodes) >= nPaths && up == len(q.Paths.Nodes) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("60 s after lab up: %+v", q)
		}
	}
	for _, s := range q.Sites {
		sites = append(sites, s.Name)
	}
	for _, p := range q.Paths.Nodes {
		paths = append(paths, p.ID)
	}
	return sites, paths
}

// serverSPKI is the base64 SHA-256 of the controller's public key, which
// chromium is told to trust (--ignore-certificate-errors-spki-list): the
// lab's CA is not in the browser's store, and no other certificate error
// is ignored.
func serverSPKI(t *testing.T, c *apiClient) string {
	t.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(c.d.URL, "https://"), c.tlsCfg)
	if err != nil {
		t.Fatalf("TLS to the dashboard: %v", err)
	}
	defer conn.Close()
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}
