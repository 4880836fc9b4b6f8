package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// WireGuardConfig schedules WireGuard key rotations (docs/CONTROLLER.md,
// "WireGuard key rotation").
type WireGuardConfig struct {
	// RotateEvery, when set, asks each enrolled site's edge for a new key
	// once its key is this old (counted from its last rotation, else its
	// enrolment), as `patronus ctl sites rotate-key` does: a Go duration
	// of 1m or more. Empty or "0": no schedule (the default).
	RotateEvery string `yaml:"rotate_every"`
}

// MinRotateEvery is the shortest wireguard.rotate_every.
const MinRotateEvery = time.Minute

// rotateEvery is RotateEvery parsed; 0: off.
func (w WireGuardConfig) rotateEvery() (time.Duration, error) {
	if w.RotateEvery == "" || w.RotateEvery == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(w.RotateEvery)
	if err != nil || d < MinRotateEvery {
		return 0, fmt.Errorf("wireguard.rotate_every: %q is not a duration of %v or more (or 0: off)", w.RotateEvery, MinRotateEvery)
	}
	return d, nil
}

// keyScheduleTick is how often the schedule looks for sites due for a
// rotation, at most: a key is rotated within this much (or a tenth of
// the period, when shorter) of being due.
const keyScheduleTick = time.Minute

// keyScheduleLoop asks for the rotations that are due every tick until
// the daemon stops. Every replica runs it: a rotation asked for twice is
// refused the second time (ErrConflict), which is no error here.
func (d *Daemon) keyScheduleLoop(every time.Duration) {
	t := time.NewTicker(min(keyScheduleTick, every/10))
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
			if err := d.scheduleRotations(d.ctx, every); err != nil && d.ctx.Err() == nil {
				d.log.Warn("scheduled key rotations", "err", err)
			}
		}
	}
}

// scheduleRotations asks for the rotation of every site due for one.
func (d *Daemon) scheduleRotations(ctx context.Context, every time.Duration) error {
	nets, err := d.st.Networks(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range nets {
		due, err := d.st.DueKeyRotations(ctx, n.Name, every)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, site := range due {
			_, err := d.st.RequestKeyRotation(ctx, n.Name, site)
			switch {
			case errors.Is(err, store.ErrConflict):
				continue // another replica asked first
			case err != nil:
				errs = append(errs, err)
				continue
			}
			d.log.Info("key rotation scheduled", "network", n.Name, "site", site, "rotate_every", every)
			reason := "WireGuard key rotation asked for by the schedule (wireguard.rotate_every " + every.String() + ")"
			if err := d.st.AddEvents(ctx, n.Name, []store.Event{{TS: time.Now(), Site: site, Kind: "key_rotation_requested", Reason: reason}}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
