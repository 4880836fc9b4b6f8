package dataplane

// WireGuard key rotation, path by path (docs/CONTROLLER.md, "WireGuard
// key rotation"). A path's wireguard-go device holds one private key and
// one peer, which owns every inner address: it cannot accept an old and a
// new key at once, and a second device cannot share the path's endpoint
// on the link socket (edge/wgbind). So a key changes on one path at a
// time while the site's other paths carry the traffic:
//
//   - The rotating site (RotateKey) takes a path out of service with BFD
//     AdminDown: its own steering moves the flows off it at once, and
//     the peer's as soon as the AdminDown arrives (the peer's session
//     goes Down, "neighbor signaled session down"). After rotateDrain
//     what either side had queued on the path has arrived; the device
//     takes the new private key, BFD is enabled again, and the next path
//     follows once this one's BFD is Up again.
//   - The peer knows the new public key from its configuration
//     (ValidPeer.NextPublicKey): when a path's session goes down by the
//     neighbour's signal, the path's device takes the next key as its
//     peer after rotateFollowDrain (followRotation).
//   - A path to a rotating peer that stays down for keyRetryAfter tries
//     the other of the two keys (retryKeys, from the control loop): this
//     heals what the signal missed (a configuration that came late, an
//     edge restarted during a rotation).
//
// When the controller commits the rotation, the peer's public key becomes
// the one that was next: its paths stay (samePeer) and those not on it
// yet take it (followKeys).

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// Timing of a rotation.
const (
	// rotateDrain is how long the rotating site waits between a path's
	// AdminDown and its new key: the AdminDown reaches the peer, whose
	// steering moves its flows, and what was in flight arrives under the
	// old key.
	rotateDrain = 300 * time.Millisecond
	// rotateFollowDrain is how long the peer waits after the AdminDown
	// before it takes the next key on the path: what it had queued on
	// the path leaves under the old one. Shorter than rotateDrain, so the
	// peer holds the new key when the rotating site's first handshake
	// comes.
	rotateFollowDrain = 100 * time.Millisecond
)

// Timing of a rotation that tests change (SetRotateTimers); read-only
// while data planes run.
var (
	// rotateUpTimeout is how long the rotating site waits for a path's
	// BFD to come up under the new key before it puts the old key back
	// and gives up: longer than keyRetryAfter plus a WireGuard handshake
	// retry (5 s), so a peer that missed the signal has tried the new key.
	rotateUpTimeout = 20 * time.Second
	// keyRetryAfter is how long a path to a rotating peer stays down
	// before it tries the peer's other key.
	keyRetryAfter = 8 * time.Second
)

// ErrRotationUp: a path did not come back up under the new key; the peer
// does not know it (yet). The path has its old key again.
var ErrRotationUp = errors.New("path did not come up under the new key: the peer does not know it yet")

// privateKey is the private key new paths take.
func (d *Dataplane) privateKey() *ecdh.PrivateKey {
	if k := d.key.Load(); k != nil {
		return k
	}
	return d.cfg.PrivateKey
}

// RotateKey moves every path to the private key next, one path at a
// time as described above, and returns once all use it: from then on new
// paths take it, and Reconfigure accepts (and requires) a configuration
// with it. A path that was up and does not come up again under next
// within rotateUpTimeout gets its old key back, and RotateKey fails with
// ErrRotationUp naming it; the paths moved before keep next, so calling
// RotateKey again goes on where it stopped. The site's traffic loses
// nothing wherever another path to the same peer is up while one is
// swapped. One rotation runs at a time.
func (d *Dataplane) RotateKey(ctx context.Context, next *ecdh.PrivateKey) error {
	if next == nil {
		return errors.New("rotate key: no key")
	}
	d.rotMu.Lock()
	defer d.rotMu.Unlock()
	for {
		p := d.pathNotOn(next)
		if p == nil {
			return nil // pathNotOn put next in force
		}
		if err := d.rotatePath(ctx, p, next); err != nil {
			return fmt.Errorf("rotate key: path %s: %w", p.ID, err)
		}
	}
}

// pathNotOn returns a path whose device has not got key, or nil after
// putting key in force for new paths when none is left: under mu, so no
// path starts with the old key in between.
func (d *Dataplane) pathNotOn(key *ecdh.PrivateKey) *Path {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.paths {
		if !p.ownKeyIs(key) {
			return p
		}
	}
	d.key.Store(key)
	return nil
}

// rotatePath moves one path to key next: drained first when it is up and
// another path to its peer is up to take its flows.
func (d *Dataplane) rotatePath(ctx context.Context, p *Path, next *ecdh.PrivateKey) error {
	p.keyMu.Lock()
	old := p.ownKey
	p.keyMu.Unlock()
	wasUp := p.bfdUp.Load()
	drain := wasUp && d.otherPathUp(p)
	if drain {
		_ = d.bfd.SetAdminDown(p.bfdKey, true) // a session gone: the path closed, skipped below
		if err := sleepCtx(ctx, rotateDrain); err != nil {
			_ = d.bfd.SetAdminDown(p.bfdKey, false)
			return err
		}
	}
	err := p.setOwnKey(next)
	if drain {
		_ = d.bfd.SetAdminDown(p.bfdKey, false)
	}
	if err != nil || !wasUp {
		return err // a path that was down takes the key and is not waited for
	}
	d.log.Info("key rotation", "path", p.ID, "drained", drain)
	if err := d.waitUp(ctx, p, rotateUpTimeout); err != nil {
		_ = p.setOwnKey(old)
		return err
	}
	return nil
}

// otherPathUp reports whether a path to p's peer other than p has BFD up.
func (d *Dataplane) otherPathUp(p *Path) bool {
	for _, q := range d.snap.Load().paths {
		if q != p && q.site == p.site && q.bfdUp.Load() {
			return true
		}
	}
	return false
}

// keyPoll is how often waitUp looks at a path's BFD state.
const keyPoll = 20 * time.Millisecond

// waitUp waits until p's BFD is up, or p is gone (closed by a
// reconfiguration: the rotation's loop sees its successor).
func (d *Dataplane) waitUp(ctx context.Context, p *Path, limit time.Duration) error {
	t := time.NewTicker(keyPoll)
	defer t.Stop()
	deadline := time.Now().Add(limit)
	for !p.bfdUp.Load() && d.snap.Load().byNum[p.num] == p {
		if time.Now().After(deadline) {
			return ErrRotationUp
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.stop:
			return errors.New("the data plane is closed")
		case <-t.C:
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ownKeyIs reports whether the path's device has private key k.
func (p *Path) ownKeyIs(k *ecdh.PrivateKey) bool {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	return p.ownKey.Equal(k)
}

// setOwnKey gives the path's device private key k. WireGuard keeps the
// current session for what arrives, and the persistent keepalive turned
// off and on again sends a keepalive at once, which starts the handshake
// under k: this site initiates before the peer's BFD would, so the two
// handshakes do not cross (a crossing can hold a path down for seconds).
func (p *Path) setOwnKey(k *ecdh.PrivateKey) error {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	set := fmt.Sprintf("private_key=%s\npublic_key=%s\nupdate_only=true\npersistent_keepalive_interval=0\npersistent_keepalive_interval=%d\n",
		hex.EncodeToString(k.Bytes()), hex.EncodeToString(p.peerKey.Bytes()), p.keepaliveSeconds())
	if err := p.dev.IpcSet(set); err != nil {
		return err
	}
	p.ownKey = k
	return nil
}

// setPeerKey makes k the path's peer, in place of the key it had, at the
// same endpoint. The old peer's session goes with it.
func (p *Path) setPeerKey(k *ecdh.PublicKey) error {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	if p.peerKey.Equal(k) {
		return nil
	}
	set := fmt.Sprintf("public_key=%s\nremove=true\npublic_key=%s\nendpoint=%s\npersistent_keepalive_interval=%d\nallowed_ip=0.0.0.0/0\nallowed_ip=::/0\n",
		hex.EncodeToString(p.peerKey.Bytes()), hex.EncodeToString(k.Bytes()), p.far, p.keepaliveSeconds())
	if err := p.dev.IpcSet(set); err != nil {
		return err
	}
	p.peerKey = k
	p.keySwapped.Store(time.Now().UnixNano())
	return nil
}

// keys returns the path's public key and its peer's, base64.
func (p *Path) keys() (own, peer string) {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	enc := base64.StdEncoding.EncodeToString
	return enc(p.ownKey.PublicKey().Bytes()), enc(p.peerKey.Bytes())
}

// followRotation: p's BFD went down by the peer's signal. When the peer
// rotates to a key p does not use yet, p takes it after
// rotateFollowDrain. It runs on its own goroutine (watchBFD must not
// wait).
func (d *Dataplane) followRotation(p *Path) {
	defer d.wg.Done()
	next := p.nextPeerKey.Load()
	if next == nil {
		return
	}
	t := time.NewTimer(rotateFollowDrain)
	defer t.Stop()
	select {
	case <-d.stop:
		return
	case <-t.C:
	}
	if err := p.setPeerKey(next); err != nil {
		d.log.Warn("key rotation", "path", p.ID, "err", err)
		return
	}
	d.log.Info("key rotation", "path", p.ID, "peer_key", "next")
}

// followOnSignal starts followRotation when a BFD change says the peer
// took the path down.
func (d *Dataplane) followOnSignal(p *Path, to packet.State, diag packet.Diag) {
	if to == packet.StateDown && diag == packet.DiagNeighborSignaledSessionDown && p.nextPeerKey.Load() != nil {
		d.wg.Add(1)
		go d.followRotation(p)
	}
}

// retryKeys: each path to a rotating peer that has been down for
// keyRetryAfter since it started or last changed its peer key tries the
// peer's other key. The control loop's.
func (d *Dataplane) retryKeys(v *snapshot, now time.Time) {
	for _, p := range v.paths {
		next := p.nextPeerKey.Load()
		if next == nil || p.bfdUp.Load() {
			continue
		}
		since := max(p.started.UnixNano(), p.keySwapped.Load())
		if now.UnixNano()-since < int64(keyRetryAfter) {
			continue
		}
		other := next
		p.keyMu.Lock()
		if p.peerKey.Equal(next) {
			other = p.curPeerKey.Load()
		}
		p.keyMu.Unlock()
		if err := p.setPeerKey(other); err != nil {
			d.log.Warn("key rotation", "path", p.ID, "err", err)
		}
	}
}

// followKeys puts a kept peer's keys on its paths: the keys of the
// configuration in force, and the peer key of a path that has neither the
// current key nor the next (the controller committed a rotation this
// path had not followed yet).
func followKeys(p *peer) error {
	var errs []error
	for _, path := range p.paths {
		path.curPeerKey.Store(p.cfg.PublicKey)
		path.nextPeerKey.Store(p.cfg.NextPublicKey)
		path.keyMu.Lock()
		known := path.peerKey.Equal(p.cfg.PublicKey) || p.cfg.NextPublicKey != nil && path.peerKey.Equal(p.cfg.NextPublicKey)
		path.keyMu.Unlock()
		if !known {
			if err := path.setPeerKey(p.cfg.PublicKey); err != nil {
				errs = append(errs, fmt.Errorf("path %s: %w", path.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

// keepaliveSeconds is the persistent keepalive to give the device when
// its keys change: the path's, or WireGuard's usual 25 s for a path whose
// keepalive is held back while it waits to initiate. keyMu must be held.
func (p *Path) keepaliveSeconds() int {
	if p.keepalive <= 0 {
		return int(persistentKeepalive / time.Second)
	}
	return int(p.keepalive / time.Second)
}

// setKeepalive gives the path's device the persistent keepalive iv, for
// its peer's key as it is now (a rotation may have changed it).
func (p *Path) setKeepalive(iv time.Duration) error {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	set := fmt.Sprintf("public_key=%s\nupdate_only=true\npersistent_keepalive_interval=%d\n", hex.EncodeToString(p.peerKey.Bytes()), iv/time.Second)
	if err := p.dev.IpcSet(set); err != nil {
		return err
	}
	p.keepalive = iv
	return nil
}
