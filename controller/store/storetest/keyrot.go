package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testKeyRotation: a rotation is asked for once at a time, takes the
// edge's next key, and its commit makes that key the site's; each step
// moves the revision once; the schedule lists sites whose key is older
// than the period, counted from the last rotation.
func testKeyRotation(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, spoke("b1"), spoke("b2"))
	rev := func() int64 { return must(s.Network(ctx, "corp"))(t).Revision }

	_, err := s.RequestKeyRotation(ctx, "corp", "nope")
	wantErr(t, err, store.ErrNotFound, "")
	_, err = s.SetNextKey(ctx, "corp", "b1", Key())
	wantErr(t, err, store.ErrConstraint, "next_public_key")

	r0 := rev()
	site := must(s.RequestKeyRotation(ctx, "corp", "b1"))(t)
	if !site.KeyRotation || site.NextPublicKey != "" || rev() != r0+1 {
		t.Fatalf("requested: %+v, revision %d → %d", site, r0, rev())
	}
	_, err = s.RequestKeyRotation(ctx, "corp", "b1")
	wantErr(t, err, store.ErrConflict, "key_rotation")

	_, err = s.SetNextKey(ctx, "corp", "b1", "not a key")
	wantErr(t, err, store.ErrInvalid, "next_public_key")
	_, err = s.SetNextKey(ctx, "corp", "b1", site.PublicKey)
	wantErr(t, err, store.ErrConstraint, "next_public_key")
	next := Key()
	r1 := rev()
	site = must(s.SetNextKey(ctx, "corp", "b1", next))(t)
	if site.NextPublicKey != next || rev() != r1+1 {
		t.Fatalf("next key: %+v, revision %d → %d", site, r1, rev())
	}
	must(s.SetNextKey(ctx, "corp", "b1", next))(t)
	if rev() != r1+1 {
		t.Fatal("the same next key again moved the revision")
	}
	_, err = s.CommitKeyRotation(ctx, "corp", "b1", Key())
	wantErr(t, err, store.ErrConstraint, "public_key")

	e.clock.Advance(time.Hour)
	site = must(s.CommitKeyRotation(ctx, "corp", "b1", next))(t)
	if site.PublicKey != next || site.NextPublicKey != "" || site.KeyRotation || !site.KeyRotatedAt.Equal(epoch.Add(time.Hour)) {
		t.Fatalf("committed: %+v", site)
	}
	r2 := rev()
	must(s.CommitKeyRotation(ctx, "corp", "b1", next))(t)
	if got := must(s.Site(ctx, "corp", "b1"))(t); got.PublicKey != next || rev() != r2 {
		t.Fatalf("committed again: %+v, revision %d → %d", got, r2, rev())
	}

	// The schedule: b2 was enrolled at epoch, b1 rotated an hour later.
	e.clock.Advance(30 * time.Minute)
	due := must(s.DueKeyRotations(ctx, "corp", time.Hour))(t)
	if !slices.Equal(due, []string{"b2"}) {
		t.Fatalf("due after 90 min, every hour: %v, want [b2]", due)
	}
	must(s.RequestKeyRotation(ctx, "corp", "b2"))(t)
	e.clock.Advance(time.Hour)
	if due := must(s.DueKeyRotations(ctx, "corp", time.Hour))(t); !slices.Equal(due, []string{"b1"}) {
		t.Fatalf("due with b2 rotating: %v, want [b1]", due)
	}
}
