package server

import "time"

// Pin expiry. An edge's configuration leaves out pins that have expired,
// but it is only computed again when its network's revision moves. So
// the server deletes pins as they expire (store.ExpirePins), which bumps
// the revision of their network: every replica then pushes the edges
// concerned a configuration without them, as for any other change.
//
// expiryLoop sleeps until the next expiry the store reports, and is
// woken early by every revision (a new pin may expire sooner). Every
// replica runs it; the deletion is idempotent, and only the replica
// that deletes a pin bumps the revision. maxExpiryWait bounds a sleep,
// so that a clock step or a missed wake-up costs at most that delay.
const (
	maxExpiryWait   = time.Minute
	expiryRetryWait = 5 * time.Second
)

func (s *Server) expiryLoop() {
	for {
		wait := maxExpiryWait
		next, err := s.cfg.Store.ExpirePins(s.ctx, s.now())
		switch {
		case err != nil && s.ctx.Err() != nil:
			return
		case err != nil:
			s.log.Warn("expire pins", "err", err)
			wait = expiryRetryWait
		case !next.IsZero():
			wait = min(wait, max(next.Sub(s.now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-s.pinWake:
			t.Stop()
		}
	}
}

// wakeExpiry tells expiryLoop that a revision moved.
func (s *Server) wakeExpiry() {
	select {
	case s.pinWake <- struct{}{}:
	default:
	}
}
