// Command webload measures the dashboard's topology page at fleet scale
// (docs/BENCHMARKS.md, "Web dashboard"): it starts `patronus controller`
// as a separate process on a hub-and-spoke network (test/bench/rig), enrols
// N sites with their links (10 paths each to the hub: 200 sites make 2,000
// paths), runs N simulated edges streaming telemetry once a second, each
// flipping its first path between UP and DOWN every -flip (the live
// updates), makes a viewer, and runs web/e2e/topology-scale.mjs: Debian's
// chromium, driven by playwright-core, signs in, opens /topology, waits
// until every path is drawn and measures the frame times, long tasks and
// state changes drawn while the updates stream.
//
//	webload -patronus bin/patronus [-edges 200] [-paths 10] [-flip 10s] [-measure 20s]
//
// scripts/bench-web.sh builds and runs it.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

type options struct {
	patronus, chromium, web string
	edges, paths, conc      int
	flip, warmup, measure   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.patronus, "patronus", "bin/patronus", "the patronus binary")
	flag.StringVar(&o.chromium, "chromium", "/usr/bin/chromium", "the browser")
	flag.StringVar(&o.web, "web", "web", "the web/ directory (its node_modules and e2e/)")
	flag.IntVar(&o.edges, "edges", 200, "simulated sites (besides the hub)")
	flag.IntVar(&o.paths, "paths", 10, fmt.Sprintf("paths per site, 1..%d", rig.MaxLinkedPaths))
	flag.IntVar(&o.conc, "conc", 16, "enrolments and connections at once")
	flag.DurationVar(&o.flip, "flip", 10*time.Second, "how often each edge flips its first path's state (0: never)")
	flag.DurationVar(&o.warmup, "warmup", 15*time.Second, "streaming before the browser starts")
	flag.DurationVar(&o.measure, "measure", 20*time.Second, "the measurement")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o options) error {
	if o.paths < 1 || o.paths > rig.MaxLinkedPaths {
		return fmt.Errorf("-paths %d: 1..%d", o.paths, rig.MaxLinkedPaths)
	}
	dir, err := os.MkdirTemp("", "webload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	topo, err := rig.HubAndSpoke(dir)
	if err != nil {
		return err
	}
	// The topology's file is the controller's configuration (the last
	// --config wins): it takes the fleet's enrolment limit too.
	if err := appendFile(filepath.Join(dir, "controller.yaml"), "enrolment: {per_address_burst: 1000000, per_address_interval: 1ms}\n"); err != nil {
		return err
	}
	c, err := rig.StartController(ctx, o.patronus, filepath.Join(dir, "controller"), "sqlite", topo...)
	if err != nil {
		return err
	}
	defer c.Stop()
	pwFile, err := makeViewer(ctx, c, dir)
	if err != nil {
		return err
	}
	t0 := time.Now()
	creds, err := rig.EnrolAll(ctx, c, o.edges, o.conc)
	if err != nil {
		return err
	}
	sites := make([]string, len(creds))
	for i, cr := range creds {
		sites[i] = cr.Identity.SiteName
	}
	if err := rig.PutLinks(ctx, c, sites, o.paths, o.conc); err != nil {
		return err
	}
	edges, err := rig.ConnectAll(ctx, c.Addr, creds, o.paths, o.conc, func(i int) rig.BatchHook { return flipper(i, o.edges, o.flip) })
	if err != nil {
		return err
	}
	ectx, stopEdges := context.WithCancel(ctx)
	rec, w := &rig.Recorder{}, &rig.Window{}
	w.Open()
	wg := rig.RunAll(ectx, edges, 0, w, rec)
	defer func() { stopEdges(); rig.CloseAll(edges); wg.Wait() }()
	log.Printf("%d sites enrolled with %d paths each in %v; streaming, %d state changes/s; warm-up %v",
		o.edges, o.paths, time.Since(t0).Round(time.Second), changesPerSecond(o), o.warmup)
	select {
	case <-time.After(o.warmup):
	case <-ctx.Done():
		return ctx.Err()
	}
	spki, err := serverSPKI(c)
	if err != nil {
		return err
	}
	load0 := rig.LoadAvg()
	res, err := browse(ctx, o, c, pwFile, spki)
	if err != nil {
		return err
	}
	fmt.Printf("{\"cpus\":%d,\"loadavg_before\":%q,\"loadavg_after\":%q,\"sites\":%d,\"paths\":%d,\"flip_every\":%q,\"ingest_errors\":%d,\"browser\":%s}\n",
		runtime.NumCPU(), load0, rig.LoadAvg(), o.edges+1, o.edges*o.paths, o.flip, rec.Errors.Load(), res)
	return nil
}

// makeViewer makes the user the browser signs in as, with a random
// password in a file, and returns the file.
func makeViewer(ctx context.Context, c *rig.Controller, dir string) (string, error) {
	pw := make([]byte, 18)
	rand.Read(pw)
	f := filepath.Join(dir, "viewer-password")
	if err := os.WriteFile(f, []byte(base64.RawURLEncoding.EncodeToString(pw)+"\n"), 0o600); err != nil {
		return "", err
	}
	_, err := c.Ctl(ctx, "users", "add", "webload", "--role", "viewer", "--password-file", f)
	return f, err
}

// flipper is edge i of n's BatchHook: its first path flips between UP and
// DOWN every `every`, the edges' flips spread over it.
func flipper(i, n int, every time.Duration) rig.BatchHook {
	if every <= 0 {
		return nil // no live updates: the reference
	}
	var next time.Time
	down := false
	return func(t *pb.Telemetry, now time.Time) {
		if len(t.PathSamples) == 0 {
			return
		}
		if next.IsZero() {
			next = now.Add(every * time.Duration(i) / time.Duration(n))
		}
		for !now.Before(next) {
			down = !down
			next = next.Add(every)
		}
		if s := t.PathSamples[0]; down {
			s.State, s.BfdState, s.MetricsValid = pb.PathState_PATH_STATE_DOWN, pb.BfdState_BFD_STATE_DOWN, false
		}
	}
}

// serverSPKI is the base64 SHA-256 of the controller's public key, which
// chromium is told to trust, read over TLS verified against the
// controller's CA.
func serverSPKI(c *rig.Controller) (string, error) {
	creds, err := pki.LoadIdentity(filepath.Join(c.DataDir, "admin"))
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	pool.AddCert(creds.CA)
	conn, err := tls.Dial("tcp", c.Addr, &tls.Config{RootCAs: pool, ServerName: rig.ServerName, MinVersion: tls.VersionTLS12})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// browse runs web/e2e/topology-scale.mjs and returns its JSON line.
func browse(ctx context.Context, o options, c *rig.Controller, pwFile, spki string) (string, error) {
	cmd := exec.CommandContext(ctx, "node", filepath.Join("e2e", "topology-scale.mjs"))
	cmd.Dir = o.web
	cmd.Env = append(os.Environ(), "E2E_URL=https://"+c.Addr, "E2E_SPKI="+spki, "E2E_CHROMIUM="+o.chromium,
		"E2E_USER=webload", "E2E_PASSWORD_FILE="+pwFile, "E2E_PATHS="+strconv.Itoa(o.edges*o.paths),
		"E2E_MEASURE_S="+strconv.Itoa(int(o.measure.Seconds())))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	var last string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		last = sc.Text()
		log.Print(last)
	}
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("topology-scale.mjs: %w", err)
	}
	if !strings.HasPrefix(last, "{") {
		return "", fmt.Errorf("topology-scale.mjs printed no result")
	}
	return last, nil
}

func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func changesPerSecond(o options) int {
	if o.flip <= 0 {
		return 0
	}
	return int(float64(o.edges) / o.flip.Seconds())
}
