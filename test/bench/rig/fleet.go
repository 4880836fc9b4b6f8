package rig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// BatchInterval is how often an edge sends telemetry, as `patronus edge`
// does.
const BatchInterval = time.Second

// EnrolAll makes n join tokens and enrols n sites (SiteName(0…n-1))
// through c, conc at a time, and returns their credentials in site order.
func EnrolAll(ctx context.Context, c *Controller, n, conc int) ([]*pki.Credentials, error) {
	sites := make([]string, n)
	for i := range sites {
		sites[i] = SiteName(i)
	}
	return EnrolSites(ctx, c, sites, conc)
}

// EnrolSites makes a join token for each site and enrols it through c,
// conc at a time, and returns their credentials in the sites' order.
func EnrolSites(ctx context.Context, c *Controller, sites []string, conc int) ([]*pki.Credentials, error) {
	tokens, err := CreateTokens(ctx, c, sites, conc)
	if err != nil {
		return nil, err
	}
	creds := make([]*pki.Credentials, len(sites))
	err = Parallel(len(sites), conc, func(i int) error {
		cr, err := Enrol(ctx, c.Addr, tokens[i])
		if err != nil {
			return fmt.Errorf("enrol %s: %w", sites[i], err)
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

// HubAndSpoke writes a controller configuration file, dir/controller.yaml,
// that makes network "default" hub-and-spoke with HubName its hub, and
// returns the controller's arguments that read it. With the links of
// PutLinks, the controller's paths are then those the edges report
// (PathIDs): each edge's links to the hub's.
func HubAndSpoke(dir string) ([]string, error) {
	f := filepath.Join(dir, "controller.yaml")
	y := fmt.Sprintf("# test/bench/rig: the simulated edges' topology\nnetworks:\n  - name: default\n    topology: hub-and-spoke\n    hubs: [%s]\n", HubName)
	if err := os.WriteFile(f, []byte(y), 0o600); err != nil {
		return nil, err
	}
	return []string{"--config", f}, nil
}

// MaxLinkedPaths is the most paths per edge that PutLinks gives links
// for: every local link to every hub link.
var MaxLinkedPaths = len(localLinks) * len(hubLinks)

// PutLinks enrols the hub (it sends nothing) and gives it its links, and
// each of sites the local links of its first `paths` paths, through the
// Admin API, conc at a time.
func PutLinks(ctx context.Context, c *Controller, sites []string, paths, conc int) error {
	if paths > MaxLinkedPaths {
		return fmt.Errorf("links for %d paths per edge: at most %d", paths, MaxLinkedPaths)
	}
	if _, err := EnrolSites(ctx, c, []string{HubName}, 1); err != nil {
		return err
	}
	admin, done, err := Admin(c)
	if err != nil {
		return err
	}
	defer done()
	put := func(site, link string) error {
		_, err := admin.PutLink(ctx, &pb.PutLinkRequest{Network: "default", Link: &pb.WanLink{SiteName: site, Name: link, Color: link}})
		if err != nil {
			return fmt.Errorf("link %s/%s: %w", site, link, err)
		}
		return nil
	}
	for _, l := range hubLinks {
		if err := put(HubName, l); err != nil {
			return err
		}
	}
	local := localLinks[:(paths+len(hubLinks)-1)/len(hubLinks)]
	return Parallel(len(sites)*len(local), conc, func(k int) error {
		return put(sites[k/len(local)], local[k%len(local)])
	})
}
