package agent

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// WireGuard key rotation (docs/CONTROLLER.md, "WireGuard key rotation").
// The configuration asks for it (EdgeConfig.key_rotation); each step is
// decided by what the configuration and the state directory hold, so a
// restart at any point goes on where it stopped:
//
//   - no next key registered yet, or one the edge no longer has: the
//     edge makes a key, keeps it in NextWireGuardKeyFile (atomically, 0600)
//     and registers its public key (EdgeControl.RegisterNextKey); the
//     controller's next configuration carries it, and the site's peers
//     learn it as the site's next key;
//   - the registered key is the one in NextWireGuardKeyFile: the data
//     plane moves its paths to it (Options.RotateKey, path by path), then
//     the file is renamed over WireGuardKeyFile and the rotation committed
//     (EdgeControl.CommitKeyRotation);
//   - the registered key is already the edge's key (the rename happened,
//     the commit did not): commit.
//
// The private key never leaves the state directory and is never logged.

// NextWireGuardKeyFile holds the key a rotation moves to until it is the
// edge's key (WireGuardKeyFile).
const NextWireGuardKeyFile = "wireguard.next.key"

// rotateCallTimeout bounds one RegisterNextKey or CommitKeyRotation call.
const rotateCallTimeout = 15 * time.Second

// kickRotation wakes the rotation loop; it never blocks.
func (a *Agent) kickRotation() {
	select {
	case a.rotateKick <- struct{}{}:
	default:
	}
}

// rotation returns the key rotation of the configuration in force; nil:
// none asked for.
func (a *Agent) rotation() *pb.KeyRotation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current.GetKeyRotation()
}

// keyRotationLoop runs the steps of a rotation whenever the configuration
// asks for one, retrying a failed step with backoff, until ctx ends.
func (a *Agent) keyRotationLoop(ctx context.Context, cs *controllers) {
	retry := retrier{b: a.opts.Backoff}
	i := 0
	for {
		kr := a.rotation()
		if kr == nil {
			select {
			case <-ctx.Done():
				return
			case <-a.rotateKick:
				continue
			}
		}
		waitConfig, err := a.rotateStep(ctx, cs.clients[i], kr)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			d := retry.next()
			a.log.Warn("key rotation step failed", "controller", cs.addrs[i], "err", err, "retry_in", d)
			i = cs.next(i, err)
			if !sleep(ctx, d) {
				return
			}
			continue
		}
		retry.reset()
		if waitConfig { // the step changed the controller's state: its next configuration says what is next
			select {
			case <-ctx.Done():
				return
			case <-a.rotateKick:
			}
		}
	}
}

// rotateStep runs the step kr calls for; waitConfig: the step is done and
// the next one waits for the configuration it brings.
func (a *Agent) rotateStep(ctx context.Context, client pb.EdgeControlClient, kr *pb.KeyRotation) (waitConfig bool, err error) {
	if a.opts.RotateKey == nil {
		return true, errors.New("this edge cannot rotate its key (no data plane)")
	}
	reg := kr.GetNextPublicKey()
	cur := a.wireGuardKey()
	if len(reg) > 0 && string(reg) == string(cur.PublicKey().Bytes()) {
		return true, a.commitRotation(ctx, client, cur)
	}
	next, err := loadOrCreateNextKey(a.opts.StateDir)
	if err != nil {
		return false, err
	}
	if string(reg) != string(next.PublicKey().Bytes()) {
		cctx, cancel := context.WithTimeout(ctx, rotateCallTimeout)
		defer cancel()
		_, err := client.RegisterNextKey(cctx, &pb.RegisterNextKeyRequest{PublicKey: next.PublicKey().Bytes()})
		if err == nil {
			a.log.Info("key rotation: next key registered", "public_key", b64(next.PublicKey().Bytes()))
		}
		return true, err
	}
	a.log.Info("key rotation: moving the paths to the next key", "public_key", b64(reg))
	if err := a.opts.RotateKey(ctx, next); err != nil {
		return false, err
	}
	if err := a.adoptNextKey(next); err != nil {
		return false, err
	}
	return true, a.commitRotation(ctx, client, next)
}

// adoptNextKey makes the next key the edge's: NextWireGuardKeyFile is
// renamed over WireGuardKeyFile (atomic: a crash leaves one key or the
// other, and the step logic finds its way from either).
func (a *Agent) adoptNextKey(next *ecdh.PrivateKey) error {
	from := filepath.Join(a.opts.StateDir, NextWireGuardKeyFile)
	if err := os.Rename(from, a.keyFile); err != nil {
		return fmt.Errorf("agent: key rotation: %w", err)
	}
	if d, err := os.Open(a.opts.StateDir); err == nil {
		_ = d.Sync() // best effort: makes the rename durable on more file systems
		d.Close()
	}
	a.credsMu.Lock()
	a.wgKey = next
	a.credsMu.Unlock()
	return nil
}

// commitRotation tells the controller the edge's key is key.
func (a *Agent) commitRotation(ctx context.Context, client pb.EdgeControlClient, key *ecdh.PrivateKey) error {
	cctx, cancel := context.WithTimeout(ctx, rotateCallTimeout)
	defer cancel()
	_, err := client.CommitKeyRotation(cctx, &pb.CommitKeyRotationRequest{PublicKey: key.PublicKey().Bytes()})
	if err == nil {
		a.log.Info("key rotation done", "public_key", b64(key.PublicKey().Bytes()))
	}
	return err
}

// wireGuardKey returns the edge's WireGuard key.
func (a *Agent) wireGuardKey() *ecdh.PrivateKey {
	a.credsMu.Lock()
	defer a.credsMu.Unlock()
	return a.wgKey
}

// loadOrCreateNextKey reads NextWireGuardKeyFile, or makes the key and
// writes it.
func loadOrCreateNextKey(dir string) (*ecdh.PrivateKey, error) {
	path := filepath.Join(dir, NextWireGuardKeyFile)
	key, err := loadWireGuardKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if key, err = ecdh.X25519().GenerateKey(rand.Reader); err != nil {
		return nil, fmt.Errorf("agent: next wireguard key: %w", err)
	}
	if err := writeFileAtomic(path, []byte(base64.StdEncoding.EncodeToString(key.Bytes())+"\n")); err != nil {
		return nil, err
	}
	return key, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
