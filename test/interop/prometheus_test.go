//go:build interop

package interop

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// The observability contract on a running lab: Debian's Prometheus
// scrapes the lab controller's /metrics (HTTPS, an API key) and an edge's;
// every query of the Grafana dashboards (deploy/grafana) returns series,
// every series the alert rules (deploy/prometheus/alerts.yml) select
// exists, and Prometheus evaluates every rule without error.

const (
	promListen     = "127.0.0.1:9090"
	promWait       = 90 * time.Second // for every query to return series
	promStartWait  = 30 * time.Second
	promScrapeSecs = 1
	// Substitutions of the dashboards' variables.
	rateInterval = "15s"
	rangeWindow  = "1m"
)

var (
	dashboardFiles = []string{"fleet.json", "site.json", "path.json", "controller.json"}
	deployDir      = filepath.Join("..", "..", "deploy")
)

func TestLabPrometheus(t *testing.T) {
	prom := netns.Require(t, "prometheus")
	netns.Require(t, "curl")
	l := upLab(t, "--sites", "2")
	st := l.fullStatus()
	key := st.apiKey(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "api-key")
	must(t, os.WriteFile(keyFile, []byte(key), 0o600))
	cfg := fmt.Sprintf(`global: {scrape_interval: %[1]ds, evaluation_interval: %[1]ds}
rule_files: [%[2]q]
scrape_configs:
  - job_name: patronus-controller
    scheme: https
    tls_config: {ca_file: %[3]q}
    authorization: {credentials_file: %[4]q}
    static_configs: [{targets: [%[5]q]}]
  - job_name: patronus-edge
    static_configs: [{targets: ["127.0.0.1:9469"], labels: {site: site1}}]
`, promScrapeSecs, abs(t, filepath.Join(deployDir, "prometheus", "alerts.yml")), st.Dashboard.CAFile, keyFile, st.Controller.Address)
	must(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600))
	ns := "pl-" + l.name + "-site1"
	p := startPrometheus(t, prom, ns, dir)

	queries := dashboardQueries(t)
	for _, a := range alertExprs(t) {
		queries = append(queries, a.selectors...)
	}
	t0 := time.Now()
	var missing []string
	for deadline := time.Now().Add(promWait); ; time.Sleep(2 * time.Second) {
		missing = missing[:0]
		for _, q := range queries {
			if n, err := p.series(q); err != nil || n == 0 {
				missing = append(missing, fmt.Sprintf("%s: %d series, %v", q, n, err))
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, m := range missing {
		t.Errorf("no series: %s", m)
	}
	t.Logf("%d dashboard queries and alert selectors returned series %v after Prometheus started", len(queries), time.Since(t0).Round(time.Second))
	p.checkRules(t)
	p.checkTargets(t)
}

// fullStatus is what this test reads of lab status --json.
type fullStatus struct {
	Controller struct {
		Address string `json:"address"`
	} `json:"controller"`
	Dashboard struct {
		URL          string `json:"url"`
		CAFile       string `json:"ca_file"`
		Username     string `json:"username"`
		PasswordFile string `json:"password_file"`
	} `json:"dashboard"`
}

func (l *testLab) fullStatus() fullStatus {
	l.t.Helper()
	out, err := l.run("status", "--json")
	if err != nil {
		l.t.Fatalf("lab status: %v\n%s", err, out)
	}
	var st fullStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Controller.Address == "" || st.Dashboard.URL == "" {
		l.t.Fatalf("lab status --json: %v: no controller or dashboard:\n%s", err, out)
	}
	return st
}

// apiKey signs in to the lab's API as its administrator and makes a
// viewer API key for Prometheus.
func (st fullStatus) apiKey(t *testing.T) string {
	t.Helper()
	ca, err := os.ReadFile(st.Dashboard.CAFile)
	must(t, err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	pw, err := os.ReadFile(st.Dashboard.PasswordFile)
	must(t, err)
	post := func(path, bearer string, body any, into any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", st.Dashboard.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := c.Do(req)
		must(t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 || json.Unmarshal(raw, into) != nil {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, raw)
		}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	post("/api/v1/auth/login", "", map[string]string{"username": st.Dashboard.Username, "password": strings.TrimSpace(string(pw))}, &tok)
	var k struct {
		Key string `json:"key"`
	}
	post("/api/v1/api-keys", tok.AccessToken, map[string]string{"name": "prometheus", "role": "viewer"}, &k)
	return k.Key
}

// promServer is a Prometheus running in a namespace.
type promServer struct {
	ns string
	t  *testing.T
}

// startPrometheus runs Prometheus in ns with dir/prometheus.yml, until
// the test ends.
func startPrometheus(t *testing.T, bin, ns, dir string) *promServer {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "--config.file", filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path", filepath.Join(dir, "tsdb"), "--web.listen-address", promListen, "--log.level", "warn")
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	must(t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		if t.Failed() {
			raw, _ := os.ReadFile(logf.Name())
			t.Logf("prometheus log:\n%s", firstLines(string(raw), 40))
		}
	})
	p := &promServer{ns: ns, t: t}
	for deadline := time.Now().Add(promStartWait); ; time.Sleep(200 * time.Millisecond) {
		if out, err := p.curl("/-/ready"); err == nil && strings.Contains(out, "Ready") {
			return p
		}
		if time.Now().After(deadline) {
			raw, _ := os.ReadFile(logf.Name())
			t.Fatalf("prometheus not ready after %v:\n%s", promStartWait, raw)
		}
	}
}

// curl GETs a path of Prometheus's HTTP API from inside its namespace.
func (p *promServer) curl(path string, form ...string) (string, error) {
	args := []string{"netns", "exec", p.ns, "curl", "-sS", "--max-time", "10", "-G"}
	for _, f := range form {
		args = append(args, "--data-urlencode", f)
	}
	out, err := exec.Command("ip", append(args, "http://"+promListen+path)...).CombinedOutput()
	return string(out), err
}

// series runs an instant query and counts the series it returns.
func (p *promServer) series(q string) (int, error) {
	out, err := p.curl("/api/v1/query", "query="+q)
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("%s", r.Error)
	}
	return len(r.Data.Result), nil
}

// checkRules: every rule of alerts.yml is loaded and evaluates without
// error on the lab's series.
func (p *promServer) checkRules(t *testing.T) {
	t.Helper()
	out, err := p.curl("/api/v1/rules")
	must(t, err)
	var r struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name, Health, LastError string
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	must(t, json.Unmarshal([]byte(out), &r))
	n := 0
	for _, g := range r.Data.Groups {
		for _, rule := range g.Rules {
			n++
			if rule.Health != "ok" {
				t.Errorf("rule %s: health %q: %s", rule.Name, rule.Health, rule.LastError)
			}
		}
	}
	if want := len(alertExprs(t)); n != want {
		t.Errorf("Prometheus loaded %d rules, alerts.yml has %d", n, want)
	}
}

// checkTargets: the controller and the edge are scraped.
func (p *promServer) checkTargets(t *testing.T) {
	t.Helper()
	out, err := p.curl("/api/v1/targets")
	must(t, err)
	var r struct {
		Data struct {
			ActiveTargets []struct {
				ScrapePool, Health, LastError string
			} `json:"activeTargets"`
		} `json:"data"`
	}
	must(t, json.Unmarshal([]byte(out), &r))
	if len(r.Data.ActiveTargets) != 2 {
		t.Errorf("%d targets, want 2: %s", len(r.Data.ActiveTargets), out)
	}
	for _, tg := range r.Data.ActiveTargets {
		if tg.Health != "up" {
			t.Errorf("target %s: %s %s", tg.ScrapePool, tg.Health, tg.LastError)
		}
	}
}

// dashboardQueries are the dashboards' panel queries and variable
// queries (label_values(EXPR, label) as EXPR), with the variables
// replaced by what matches every value.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	type panel struct {
		Targets []struct{ Expr string } `json:"targets"`
		Panels  []json.RawMessage       `json:"panels"`
	}
	var out []string
	for _, f := range dashboardFiles {
		raw, err := os.ReadFile(filepath.Join(deployDir, "grafana", f))
		must(t, err)
		var d struct {
			Panels     []panel `json:"panels"`
			Templating struct {
				List []struct {
					Type  string `json:"type"`
					Query any    `json:"query"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				out = append(out, substitute(tg.Expr))
			}
		}
		for _, v := range d.Templating.List {
			if q, ok := v.Query.(map[string]any); ok && v.Type == "query" {
				out = append(out, substitute(labelValuesExpr(q["query"].(string))))
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d dashboard queries", len(out))
	}
	return out
}

var labelValues = regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)

func labelValuesExpr(q string) string {
	if m := labelValues.FindStringSubmatch(q); m != nil {
		return m[1]
	}
	return q
}

func substitute(q string) string {
	return strings.NewReplacer(`"$network"`, `".+"`, `"$site"`, `".+"`, `"$path"`, `".+"`, `"$job"`, `".+"`,
		"$__rate_interval", rateInterval, "$__range", rangeWindow).Replace(q)
}

// alertRule is a rule of alerts.yml with the series selectors of its
// expression: a healthy lab fires no alert, but every series the
// expression reads must exist.
type alertRule struct {
	name, expr string
	selectors  []string
}

var selector = regexp.MustCompile(`\b(patronus_[a-z0-9_]+)(\{[^}]*\})?`)

func alertExprs(t *testing.T) []alertRule {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "prometheus", "alerts.yml"))
	must(t, err)
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	must(t, yaml.Unmarshal(raw, &f))
	var out []alertRule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			a := alertRule{name: r.Alert, expr: r.Expr}
			seen := map[string]bool{}
			for _, m := range selector.FindAllString(r.Expr, -1) {
				if !seen[m] {
					seen[m] = true
					a.selectors = append(a.selectors, m)
				}
			}
			if len(a.selectors) == 0 {
				t.Fatalf("alert %s selects no patronus_ series: %s", r.Alert, r.Expr)
			}
			sort.Strings(a.selectors)
			out = append(out, a)
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	must(t, err)
	return a
}
