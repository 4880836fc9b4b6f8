package rig

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/pki"
)

// BatchInterval is how often an edge sends telemetry, as `patronus edge`
// does.
const BatchInterval = time.Second

// EnrolAll makes n join tokens and enrols n sites through c, conc at a
// time, and returns their credentials in site order.
func EnrolAll(ctx context.Context, c *Controller, n, conc int) ([]*pki.Credentials, error) {
	tokens, err := CreateTokens(ctx, c, n, conc)
	if err != nil {
		return nil, err
	}
	creds := make([]*pki.Credentials, n)
	err = Parallel(n, conc, func(i int) error {
		cr, err := Enrol(ctx, c.Addr, tokens[i])
		if err != nil {
			return fmt.Errorf("enrol %s: %w", SiteName(i), err)
		}
		creds[i] = cr
		return nil
	})
	return creds, err
}

// ConnectAll connects an edge per credential, conc at a time, with paths
// paths each; hookFor (may be nil) gives edge i its BatchHook. On error
// the edges already connected are closed.
func ConnectAll(ctx context.Context, addr string, creds []*pki.Credentials, paths, conc int, hookFor func(i int) BatchHook) ([]*Edge, error) {
	edges := make([]*Edge, len(creds))
	err := Parallel(len(creds), conc, func(i int) error {
		var hook BatchHook
		if hookFor != nil {
			hook = hookFor(i)
		}
		e, err := NewEdge(ctx, addr, creds[i], paths, uint64(i)+1, hook)
		edges[i] = e
		return err
	})
	if err != nil {
		CloseAll(edges)
		return nil, err
	}
	return edges, nil
}

// RunAll starts every edge's Run, phases spread over BatchInterval (edges
// are not in step), until ctx ends; wait for the returned group after.
func RunAll(ctx context.Context, edges []*Edge, eventP float64, w *Window, rec *Recorder) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i, e := range edges {
		wg.Add(1)
		phase := time.Duration(i) * BatchInterval / time.Duration(len(edges))
		go func() { defer wg.Done(); e.Run(ctx, phase, BatchInterval, eventP, w, rec) }()
	}
	return &wg
}

// CloseAll closes every edge that is not nil.
func CloseAll(edges []*Edge) {
	for _, e := range edges {
		if e != nil {
			e.Close()
		}
	}
}

// UnackedAll counts batches sent in the window and not acknowledged.
func UnackedAll(edges []*Edge) int {
	n := 0
	for _, e := range edges {
		n += e.Unacked()
	}
	return n
}
