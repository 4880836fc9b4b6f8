package lab

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"time"
)

// Fault kinds of a chaos run.
const (
	FaultCut            = "cut"             // one link silently cut, then back
	FaultFlap           = "flap"            // one link cut and restored several times
	FaultLoss           = "loss"            // one link drops a share of its packets
	FaultDelay          = "delay"           // one link delayed, with jitter
	FaultSiteCut        = "site-cut"        // every link of one site cut, for at most ChaosOptions.MaxSiteCut
	FaultControllerKill = "controller-kill" // the controller killed with SIGKILL, then started
	FaultEdgeRestart    = "edge-restart"    // one edge stopped and started
)

// FaultKinds lists every kind, in the order a run first tries them.
var FaultKinds = []string{FaultCut, FaultFlap, FaultLoss, FaultDelay, FaultSiteCut, FaultControllerKill, FaultEdgeRestart}

// faultWeight is how often each kind is drawn once every kind has run.
var faultWeight = map[string]int{FaultCut: 3, FaultFlap: 2, FaultLoss: 2, FaultDelay: 2, FaultSiteCut: 1, FaultControllerKill: 1, FaultEdgeRestart: 1}

// ChaosFault is one fault injected.
type ChaosFault struct {
	Kind   string    `json:"kind"`
	Target string    `json:"target"` // site1/inet, site2, controller
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
	// HeldS is how long the fault was in force; RecoveredS how long
	// after its end every path of the lab was up again.
	HeldS      float64 `json:"held_s"`
	RecoveredS float64 `json:"recovered_s"`
}

// nextKind draws the next fault: every kind once, in a random order,
// then by faultWeight.
func nextKind(rng *rand.Rand, n int, order []string) string {
	if n < len(order) {
		return order[n]
	}
	total := 0
	for _, k := range FaultKinds {
		total += faultWeight[k]
	}
	x := rng.IntN(total)
	for _, k := range FaultKinds {
		if x -= faultWeight[k]; x < 0 {
			return k
		}
	}
	return FaultCut
}

// between draws a duration in [lo, hi].
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// impair applies one change to a link, through the same path as
// patronus lab impair.
func (c *chaosRun) impair(site, link string, ch Change) error {
	_, _, err := Impair(c.o.Root, c.o.Name, site, link, ch, c.o.Binary)
	return err
}

func (c *chaosRun) setDown(site, link string, down bool) error {
	return c.impair(site, link, Change{Down: &down})
}

// inject runs one fault of kind k and returns it with the outage it
// caused (zero when none).
func (c *chaosRun) inject(ctx context.Context, k string) (ChaosFault, ChaosOutage, error) {
	rng := c.rng
	s := &c.st.Sites[rng.IntN(len(c.st.Sites))]
	l := s.Links[rng.IntN(len(s.Links))].Name
	f := ChaosFault{Kind: k, Target: s.Name + "/" + l, At: time.Now()}
	var out ChaosOutage
	var err error
	switch k {
	case FaultCut:
		d := between(rng, time.Second, 4*time.Second)
		if err = c.setDown(s.Name, l, true); err == nil {
			sleepCtx(ctx, d)
			err = c.setDown(s.Name, l, false)
		}
	case FaultFlap:
		n := 3 + rng.IntN(4)
		f.Detail = fmt.Sprintf("%d cycles", n)
		for i := 0; i < n && err == nil; i++ {
			if err = c.setDown(s.Name, l, true); err == nil {
				sleepCtx(ctx, between(rng, 300*time.Millisecond, 1500*time.Millisecond))
				err = c.setDown(s.Name, l, false)
				sleepCtx(ctx, between(rng, 500*time.Millisecond, 1500*time.Millisecond))
			}
		}
	case FaultLoss:
		pct, zero := float64(5+rng.IntN(26)), 0.0
		f.Detail = fmt.Sprintf("%v%%", pct)
		if err = c.impair(s.Name, l, Change{LossPct: &pct}); err == nil {
			sleepCtx(ctx, between(rng, 2*time.Second, 5*time.Second))
			err = c.impair(s.Name, l, Change{LossPct: &zero})
		}
	case FaultDelay:
		d := between(rng, 20*time.Millisecond, 150*time.Millisecond)
		j, zero := between(rng, 0, d/2).Round(time.Millisecond), time.Duration(0)
		d = d.Round(time.Millisecond)
		f.Detail = fmt.Sprintf("%v ± %v", d, j)
		if err = c.impair(s.Name, l, Change{Delay: &d, Jitter: &j}); err == nil {
			sleepCtx(ctx, between(rng, 2*time.Second, 5*time.Second))
			err = c.impair(s.Name, l, Change{Delay: &zero, Jitter: &zero})
		}
	case FaultSiteCut:
		f.Target = s.Name
		out, err = c.siteCut(ctx, s)
		f.Detail = fmt.Sprintf("every link down together for %.2f s", c.lastAllDown.Seconds())
	case FaultControllerKill:
		f.Target = "controller"
		err = c.killController(ctx, between(rng, time.Second, 5*time.Second))
	case FaultEdgeRestart:
		f.Target = s.Name
		out = ChaosOutage{Site: s.Name, Cause: FaultEdgeRestart, From: time.Now()}
		err = c.restartEdge(s)
	}
	f.HeldS = secs(time.Since(f.At))
	return f, out, err
}

// siteCut cuts every link of s, holds them all down for at most
// MaxSiteCut, and restores them.
func (c *chaosRun) siteCut(ctx context.Context, s *Site) (ChaosOutage, error) {
	out := ChaosOutage{Site: s.Name, Cause: FaultSiteCut, From: time.Now()}
	var err error
	for _, l := range s.Links {
		if err = c.setDown(s.Name, l.Name, true); err != nil {
			break
		}
	}
	allDown := time.Now()
	if err == nil {
		sleepCtx(ctx, between(c.rng, c.o.MaxSiteCut/4, c.o.MaxSiteCut))
	}
	for i, l := range s.Links {
		if uerr := c.setDown(s.Name, l.Name, false); uerr != nil && err == nil {
			err = uerr
		}
		if i == 0 {
			c.lastAllDown = time.Since(allDown)
		}
	}
	return out, err
}

// killController kills the controller with SIGKILL and starts it again
// after d.
func (c *chaosRun) killController(ctx context.Context, d time.Duration) error {
	if err := syscall.Kill(c.st.Controller.PID, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill the controller: %w", err)
	}
	for alive(c.st.Controller.PID) {
		time.Sleep(20 * time.Millisecond)
	}
	sleepCtx(ctx, d)
	st, err := StartController(c.o.Root, c.o.Name, c.o.Binary)
	if err != nil {
		return err
	}
	c.st, c.ctlStarted = st, time.Now()
	return nil
}

// restartEdge stops a site's edge (SIGTERM) and starts it again as lab
// up did, from its state directory (enrolled edges) or configuration
// file (static labs).
func (c *chaosRun) restartEdge(s *Site) error {
	stop(s.EdgePID, 10*time.Second)
	args := []string{c.o.Binary, "edge", "--config", s.Config, "--control-socket", s.ControlSocket}
	if ctl := c.st.Controller; ctl != nil {
		addr := ctl.addressOf((s.ID - 1) % (1 + len(ctl.Replicas)))
		args = []string{c.o.Binary, "edge", "--controller", addr, "--state-dir",
			filepath.Join(c.st.Dir, s.Name+"-state"), "--control-socket", s.ControlSocket}
	}
	pid, done, err := spawn(s.ns, s.Log, nil, args...)
	if err != nil {
		return err
	}
	// The state file changed under c.st (impairments, the controller):
	// record the new pid in a fresh copy.
	st, err := Load(c.o.Root, c.o.Name)
	if err != nil {
		return err
	}
	site, err := st.site(s.Name)
	if err != nil {
		return err
	}
	site.EdgePID = pid
	if err := st.save(); err != nil {
		return err
	}
	c.st = st
	return site.waitServing(time.Now().Add(30*time.Second), done)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func secs(d time.Duration) float64 { return float64(d.Round(10*time.Millisecond)) / 1e9 }
