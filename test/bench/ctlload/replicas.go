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
		if err := os.CopyFS(filepath.Join(data, "pki"), os.DirFS(filepath.Join(first.DataDir, "pki"))); err != nil {
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
