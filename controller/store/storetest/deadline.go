package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testDeadline: while another connection holds the lock a write waits for
// (a hung database, as far as the store can tell), a revocation through
// store.WithDeadline fails within its deadline with a *TimeoutError that
// names the call and the deadline and matches context.DeadlineExceeded;
// once the lock is gone the same revocation completes.
func testDeadline(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := e.ctx
	setupNet(t, e, store.FullMesh, hub("a"))
	s := store.WithDeadline(e.s, store.Deadlines{Call: 300 * time.Millisecond})
	release, err := h.HoldWriteLock(ctx, e.loc)
	ok(t, err)
	start := time.Now()
	_, err = s.RevokeSite(ctx, "corp", "a")
	took := time.Since(start)
	release()
	var te *store.TimeoutError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) ||
		!strings.Contains(err.Error(), "RevokeSite: the database did not answer within 300ms") {
		t.Fatalf("revoke with the lock held: %v, want a TimeoutError", err)
	}
	if took > 3*time.Second {
		t.Fatalf("revoke with the lock held failed after %v, want about 300ms", took)
	}
	if st := must(s.RevokeSite(ctx, "corp", "a"))(t); st.State != store.Revoked {
		t.Fatalf("after the lock: state %s", st.State)
	}
	// The caller's own deadline is not reported as the store's.
	cctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-cctx.Done()
	if _, err := s.Sites(cctx, "corp"); errors.As(err, &te) {
		t.Fatalf("caller's deadline reported as the store's: %v", err)
	}
}

// testCursorPruning: Maintain deletes the telemetry cursor of a boot that
// sent nothing for Retention.Cursors and is not its site's newest (a
// batch of that boot is then stored again), and keeps the newest boot's
// cursor however old (its resent batch is still refused).
func testCursorPruning(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	batch := func(site, boot string) store.TelemetryBatch {
		return store.TelemetryBatch{Site: site, BootID: boot, Sequence: 1}
	}
	for _, b := range []store.TelemetryBatch{batch("a", "boot1"), batch("b", "only")} {
		must(s.RecordTelemetry(ctx, "corp", b))(t)
	}
	e.clock.Advance(time.Hour)
	must(s.RecordTelemetry(ctx, "corp", batch("a", "boot2")))(t) // a restarted
	e.clock.Advance(2 * time.Hour)
	st := must(s.Maintain(ctx, store.Retention{Cursors: 2 * time.Hour}))(t)
	if st.Deleted != 1 {
		t.Fatalf("Maintain deleted %d rows, want boot1's cursor", st.Deleted)
	}
	if !must(s.RecordTelemetry(ctx, "corp", batch("a", "boot1")))(t) {
		t.Fatal("boot1's cursor was kept")
	}
	for _, b := range []store.TelemetryBatch{batch("a", "boot2"), batch("b", "only")} {
		if must(s.RecordTelemetry(ctx, "corp", b))(t) {
			t.Fatalf("%s's newest cursor (%s) was pruned", b.Site, b.BootID)
		}
	}
	n, err := h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM telemetry_cursors")
	ok(t, err)
	if n != 3 {
		t.Fatalf("%d cursors, want 3", n)
	}
}
