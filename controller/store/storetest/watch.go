package storetest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// watchTimeout bounds the wait for one revision on a Watch channel.
const watchTimeout = 10 * time.Second

func expectRev(t *testing.T, w <-chan store.Revision, want store.Revision) {
	t.Helper()
	timer := time.NewTimer(watchTimeout)
	defer timer.Stop()
	for {
		select {
		case got, open := <-w:
			if !open {
				t.Fatalf("watch closed, waiting for %+v", want)
			}
			if got.NetworkID == want.NetworkID && got.Number == want.Number {
				return
			}
			if got.NetworkID == want.NetworkID && got.Number > want.Number {
				t.Fatalf("watch jumped to %+v, want %+v", got, want)
			}
		case <-timer.C:
			t.Fatalf("no revision %+v within %v", want, watchTimeout)
		}
	}
}

func expectClosed(t *testing.T, w <-chan store.Revision) {
	t.Helper()
	timer := time.NewTimer(watchTimeout)
	defer timer.Stop()
	for {
		select {
		case _, open := <-w:
			if !open {
				return
			}
		case <-timer.C:
			t.Fatal("watch channel not closed")
		}
	}
}

func testRevisionWatch(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	n := must(s.CreateNetwork(ctx, "corp", store.FullMesh))(t)
	wctx, cancel := context.WithCancel(ctx)
	w := s.Watch(wctx)
	rev := store.Revision{NetworkID: n.ID, Number: 1}
	expectRev(t, w, rev)
	p := netip.MustParsePrefix("10.9.0.0/16")
	changes := []struct {
		name string
		do   func() error
	}{
		{"create site", func() error { _, err := s.CreateSite(ctx, "corp", hub("a")); return err }},
		{"update site", func() error { _, err := s.UpdateSite(ctx, "corp", spoke("a")); return err }},
		{"put link", func() error {
			_, err := s.PutLink(ctx, "corp", "a", store.LinkSpec{Name: "inet", Colour: "internet"})
			return err
		}},
		{"add prefix", func() error { _, err := s.AddPrefix(ctx, "corp", "a", p); return err }},
		{"put policy set", func() error { _, err := s.PutPolicySet(ctx, "corp", []byte(`{"policies":[]}`), 0); return err }},
		{"set topology", func() error { _, err := s.SetTopology(ctx, "corp", store.HubAndSpoke); return err }},
		{"delete prefix", func() error { return s.DeletePrefix(ctx, "corp", p) }},
		{"delete link", func() error { return s.DeleteLink(ctx, "corp", "a", "inet") }},
		{"revoke site", func() error { _, err := s.RevokeSite(ctx, "corp", "a"); return err }},
		{"delete site", func() error { return s.DeleteSite(ctx, "corp", "a") }},
	}
	for _, c := range changes {
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		rev.Number++
		if got := must(s.Network(ctx, "corp"))(t).Revision; got != rev.Number {
			t.Fatalf("after %s revision %d, want %d", c.name, got, rev.Number)
		}
		expectRev(t, w, rev)
	}
	// Refused changes and non-config writes leave the revision alone.
	must(s.CreateSite(ctx, "corp", hub("b")))(t)
	rev.Number++
	expectRev(t, w, rev)
	_, _ = s.CreateSite(ctx, "corp", hub("b"))
	_, _ = s.PutPolicySet(ctx, "corp", []byte(`{}`), 1) // stale: refused in the transaction
	ok(t, s.TouchSite(ctx, "corp", "b", epoch))
	ok(t, s.AddEvents(ctx, "corp", []store.Event{{TS: epoch, Site: "b", Kind: "k"}}))
	ok(t, s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: "x", TS: epoch, State: store.PathUp}}))
	_, _, err := s.CreateJoinToken(ctx, "corp", "c", time.Hour)
	ok(t, err)
	if got := must(s.Network(ctx, "corp"))(t).Revision; got != rev.Number {
		t.Fatalf("revision moved to %d without a config change (want %d)", got, rev.Number)
	}
	// A second watcher starts with the current revision.
	w2 := s.Watch(wctx)
	expectRev(t, w2, rev)
	cancel()
	expectClosed(t, w)
	expectClosed(t, w2)
}

// testWatchAcross: two stores on one database (two replicas) see each
// other's changes.
func testWatchAcross(t *testing.T, h Harness) {
	if !h.SharedWatch {
		t.Skip("one store per database on this engine (in-process notifier)")
	}
	e := newEnv(t, h)
	a, ctx := e.s, e.ctx
	b := e.open(0)
	n := must(a.CreateNetwork(ctx, "corp", store.FullMesh))(t)
	wb := b.Watch(ctx)
	wa := a.Watch(ctx)
	expectRev(t, wb, store.Revision{NetworkID: n.ID, Number: 1})
	expectRev(t, wa, store.Revision{NetworkID: n.ID, Number: 1})
	must(a.CreateSite(ctx, "corp", hub("x")))(t)
	expectRev(t, wb, store.Revision{NetworkID: n.ID, Number: 2})
	must(b.CreateSite(ctx, "corp", hub("y")))(t)
	expectRev(t, wa, store.Revision{NetworkID: n.ID, Number: 3})
	expectRev(t, wb, store.Revision{NetworkID: n.ID, Number: 3})
	// A burst through one replica ends at the newest revision on the other.
	for i := range 20 {
		must(a.CreateSite(ctx, "corp", hub("c"+string(rune('a'+i)))))(t)
	}
	expectRev(t, wb, store.Revision{NetworkID: n.ID, Number: 23})
	b.Close()
	expectClosed(t, wb)
}

func testClosed(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	must(s.CreateNetwork(ctx, "corp", store.FullMesh))(t)
	w := s.Watch(ctx)
	ok(t, s.Close())
	ok(t, s.Close())
	expectClosed(t, w)
	_, err := s.CreateNetwork(ctx, "x", store.FullMesh)
	wantErr(t, err, store.ErrClosed, "")
	_, err = s.Networks(ctx)
	wantErr(t, err, store.ErrClosed, "")
	expectClosed(t, s.Watch(ctx))
}
