package daemon

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// TestScheduleRotations: with wireguard.rotate_every 24h, a site whose
// key is 24 h old is asked for a rotation, with an event saying why; a
// younger one is not; a site rotating already is not asked again.
func TestScheduleRotations(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateNetwork(ctx, "corp", store.FullMesh); err != nil {
		t.Fatal(err)
	}
	site := func(name string) {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		if _, err := st.CreateSite(ctx, "corp", store.SiteSpec{Name: name, Role: store.Spoke, PublicKey: base64.StdEncoding.EncodeToString(k)}); err != nil {
			t.Fatal(err)
		}
	}
	site("old")
	now = now.Add(12 * time.Hour)
	site("young")
	now = now.Add(12 * time.Hour)
	d := &Daemon{st: st, log: slog.New(slog.DiscardHandler)}
	for range 2 {
		if err := d.scheduleRotations(ctx, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]bool{"old": true, "young": false} {
		s, err := st.Site(ctx, "corp", name)
		if err != nil || s.KeyRotation != want {
			t.Errorf("site %s: rotation asked for %v, want %v (%v)", name, s.KeyRotation, want, err)
		}
	}
	evs, err := st.Events(ctx, "corp", store.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == "key_rotation_requested" && e.Site == "old" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d key_rotation_requested events of site old, want 1: %+v", n, evs)
	}
}
