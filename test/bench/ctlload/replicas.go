package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// startReplicas starts n-1 more controllers on first's store, each with
// its own data directory holding a copy of first's pki/ (the CA is not
// in the database; docs/CONTROLLER.md, "Several replicas").
func startReplicas(ctx context.Context, bin, dir, storeArg string, first *rig.Controller, n int) ([]*rig.Controller, error) {
	ctls := []*rig.Controller{first}
	for i := 2; i <= n; i++ {
		data := filepath.Join(dir, fmt.Sprintf("controller%d", i))
		if err := copyDir(filepath.Join(data, "pki"), filepath.Join(first.DataDir, "pki")); err != nil {
			return ctls, fmt.Errorf("replica %d: copy the CA: %w", i, err)
		}
		c, err := rig.StartController(ctx, bin, data, storeArg)
		if err != nil {
			return ctls, fmt.Errorf("replica %d: %w", i, err)
		}
		ctls = append(ctls, c)
	}
	return ctls, nil
}

// connectSpread connects edge i to controller i mod len(ctls).
func connectSpread(ctx context.Context, ctls []*rig.Controller, creds []*pki.Credentials, paths, conc int) ([]*rig.Edge, error) {
	var edges []*rig.Edge
	for k, c := range ctls {
		var mine []*pki.Credentials
		for i := k; i < len(creds); i += len(ctls) {
			mine = append(mine, creds[i])
		}
		es, err := rig.ConnectAll(ctx, c.Addr, mine, paths, conc, nil)
		if err != nil {
			rig.CloseAll(edges)
			return nil, fmt.Errorf("edges of replica %d: %w", k+1, err)
		}
		edges = append(edges, es...)
	}
	return edges, nil
}

// cpuSeconds sums the CPU time of the controllers.
func cpuSeconds(ctls []*rig.Controller) (float64, error) {
	var sum float64
	for _, c := range ctls {
		s, err := rig.CPUSeconds(c.PID())
		if err != nil {
			return 0, err
		}
		sum += s
	}
	return sum, nil
}

// rssMiB sums the controllers' resident memory.
func rssMiB(ctls []*rig.Controller) float64 {
	var sum float64
	for _, c := range ctls {
		if m, err := rig.RSSMiB(c.PID()); err == nil {
			sum += m
		}
	}
	return sum
}

// copyDir copies the files of src (not its subdirectories) into a new
// directory dst (mode 0700), keeping their modes: the controller refuses
// a CA key others can read.
func copyDir(dst, src string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}
