package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// hungStore is a store whose reads of one network's sites hang, while
// hang is set, until the call's context ends: a database that stopped
// answering for that network (a lock held by another connection).
type hungStore struct {
	store.Store
	network string
	hang    atomic.Bool
	hung    atomic.Int64 // calls that hung
}

func (h *hungStore) Sites(ctx context.Context, network string) ([]store.Site, error) {
	if h.hang.Load() && network == h.network {
		h.hung.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.Store.Sites(ctx, network)
}

// storeDeadline is the deadline of the test's store calls.
const storeDeadline = 300 * time.Millisecond

// TestRevocationDespiteHungStore: while every read of network "other"
// hangs, a revision of "other" reaches the server first, then site b of
// "corp" is revoked. Each store call has a deadline (store.WithDeadline,
// as the daemon gives the server), so the server's revision loop gives
// up on "other" after it and cuts b's stream within the deadline plus the
// usual push time. Without deadlines the loop would wait on "other"
// forever and b would keep its stream.
func TestRevocationDespiteHungStore(t *testing.T) {
	ca, clk := newCA(t), &clock{}
	base, err := sqliteStore(t, ca, clk)
	if err != nil {
		t.Fatal(err)
	}
	hs := &hungStore{Store: base, network: "other"}
	c := start(t, ca, store.WithDeadline(hs, store.Deadlines{Call: storeDeadline}), clk)
	c.network("corp", store.FullMesh)
	c.network("other", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	wb := b.watch(t, 0)
	wb.next(pushWithin, "peer a", hasPeer("a"))
	_ = a

	hs.hang.Store(true)
	if _, err := base.CreateSite(ctxT(t), "other", store.SiteSpec{Name: "x", Role: store.Spoke, PublicKey: wgKey()}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); hs.hung.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the server never read network other")
		}
	}
	startAt := time.Now()
	if _, err := c.admin.RevokeSite(ctxT(t), &pb.RevokeSiteRequest{Network: "corp", SiteName: "b"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, wb.ended(storeDeadline+pushWithin), codes.PermissionDenied, "revoked")
	t.Logf("revocation applied in %v with network other hung (%d calls hung)", time.Since(startAt), hs.hung.Load())
}

// wgKey is a random WireGuard public key, base64.
func wgKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
