package server_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/edge/agent"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// TestRotateSiteKey: the whole rotation through the control channel.
// RotateSiteKey asks b's edge for a key (audited, once at a time); b's
// configuration carries the request; b registers its next key, which a
// gets as b's next key; only b's registered key commits, and the commit
// makes it b's key in a's configuration and ends b's request.
func TestRotateSiteKey(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	wa, wb := a.watch(t, 0), b.watch(t, 0)
	wa.next(5*time.Second, "peer b", hasPeer("b"))

	_, err := c.admin.RotateSiteKey(ctxT(t), &pb.RotateSiteKeyRequest{Network: "corp", SiteName: "nope"})
	wantCode(t, err, codes.NotFound, "nope")
	_, err = b.ctl.RegisterNextKey(ctxT(t), &pb.RegisterNextKeyRequest{PublicKey: wgPublic(t)})
	wantCode(t, err, codes.FailedPrecondition, "no key rotation was asked for")
	info, err := c.admin.RotateSiteKey(ctxT(t), &pb.RotateSiteKeyRequest{Network: "corp", SiteName: "b"})
	if err != nil || !info.KeyRotation || len(info.NextWireguardPublicKey) != 0 {
		t.Fatalf("RotateSiteKey: %v, %+v", err, info)
	}
	_, err = c.admin.RotateSiteKey(ctxT(t), &pb.RotateSiteKeyRequest{Network: "corp", SiteName: "b"})
	wantCode(t, err, codes.FailedPrecondition, "in progress")
	entries, err := c.st.AuditLog(ctxT(t), store.AuditQuery{Action: "site.rotate_key"})
	if err != nil || len(entries) != 3 || entries[1].Outcome != "success" || entries[1].Target != "network/corp/site/b" ||
		entries[0].Outcome != "failure" {
		t.Fatalf("audit entries of site.rotate_key (nope, b, b again): %v %+v", err, entries)
	}
	wb.next(5*time.Second, "b's key rotation asked for", func(cfg *pb.EdgeConfig) bool { return cfg.KeyRotation != nil })

	_, err = b.ctl.RegisterNextKey(ctxT(t), &pb.RegisterNextKeyRequest{PublicKey: []byte("short")})
	wantCode(t, err, codes.InvalidArgument, "public_key")
	next := wgPublic(t)
	if _, err := b.ctl.RegisterNextKey(ctxT(t), &pb.RegisterNextKeyRequest{PublicKey: next}); err != nil {
		t.Fatal(err)
	}
	wa.next(5*time.Second, "b's next key", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "b")
		return p != nil && bytes.Equal(p.NextPublicKey, next)
	})
	wb.next(5*time.Second, "b's registered key", func(cfg *pb.EdgeConfig) bool {
		return bytes.Equal(cfg.KeyRotation.GetNextPublicKey(), next)
	})

	_, err = a.ctl.CommitKeyRotation(ctxT(t), &pb.CommitKeyRotationRequest{PublicKey: next})
	wantCode(t, err, codes.FailedPrecondition, "not the registered next key")
	_, err = b.ctl.CommitKeyRotation(ctxT(t), &pb.CommitKeyRotationRequest{PublicKey: wgPublic(t)})
	wantCode(t, err, codes.FailedPrecondition, "not the registered next key")
	if _, err := b.ctl.CommitKeyRotation(ctxT(t), &pb.CommitKeyRotationRequest{PublicKey: next}); err != nil {
		t.Fatal(err)
	}
	wa.next(5*time.Second, "b's new key", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "b")
		return p != nil && bytes.Equal(p.PublicKey, next) && len(p.NextPublicKey) == 0
	})
	wb.next(5*time.Second, "b's rotation done", func(cfg *pb.EdgeConfig) bool { return cfg.KeyRotation == nil })
	info, err = c.admin.GetSite(ctxT(t), &pb.GetSiteRequest{Network: "corp", SiteName: "b"})
	if err != nil || info.KeyRotation || !bytes.Equal(info.WireguardPublicKey, next) || info.KeyRotatedAt == nil {
		t.Fatalf("b after the rotation: %v, %+v", err, info)
	}
}

// wgPublic is a random 32-byte key (any 32 bytes are an X25519 public
// key).
func wgPublic(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAgentRotatesKey: a real edge agent whose site's rotation was asked
// for while it was not connected makes a key once it connects, registers it, hands it to the data plane
// (Options.RotateKey), makes it its key file and commits: the controller
// then has the key whose private half is in the state directory, and the
// next key's file is gone. An error from the data plane is retried.
func TestAgentRotatesKey(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	c.enrol("corp", "b")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := filepath.Join(tempDir(t), "state")
	rotated := make(chan *ecdh.PrivateKey, 1)
	var calls atomic.Int32
	a, err := agent.New(ctx, agent.Options{
		Controller: strings.Replace(c.addr, "127.0.0.1", "localhost", 1),
		JoinToken:  c.token("corp", "a", time.Hour),
		StateDir:   dir,
		Backoff:    agent.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
		Log:        slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Apply:      func(*config.Valid) error { return nil },
		RotateKey: func(_ context.Context, next *ecdh.PrivateKey) error {
			if calls.Add(1) == 1 {
				return errors.New("path a/inet->b/inet did not come up")
			}
			rotated <- next
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.mustAdmin(c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{
		SiteName: "a", Name: "inet", Color: "inet", LocalAddress: "198.51.100.1", Endpoint: "198.51.100.1:51820"}}))
	c.mustAdmin(c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "a", Prefix: "10.1.0.0/16"}}))
	// Asked for while the edge is not connected: it starts when it is.
	if _, err := c.admin.RotateSiteKey(ctxT(t), &pb.RotateSiteKeyRequest{Network: "corp", SiteName: "a"}); err != nil {
		t.Fatal(err)
	}
	before := a.WireGuardPublicKey()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	var next *ecdh.PrivateKey
	select {
	case next = <-rotated:
	case <-time.After(10 * time.Second):
		t.Fatal("the data plane was not asked to rotate within 10 s")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		s, err := c.st.Site(ctxT(t), "corp", "a")
		if err == nil && !s.KeyRotation && s.PublicKey == base64.StdEncoding.EncodeToString(next.PublicKey().Bytes()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("site a after 10 s: %+v, %v", s, err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, agent.WireGuardKeyFile))
	if err != nil || strings.TrimSpace(string(raw)) != base64.StdEncoding.EncodeToString(next.Bytes()) {
		t.Errorf("%s does not hold the new key (%v)", agent.WireGuardKeyFile, err)
	}
	if _, err := os.Stat(filepath.Join(dir, agent.NextWireGuardKeyFile)); !os.IsNotExist(err) {
		t.Errorf("%s after the rotation: %v", agent.NextWireGuardKeyFile, err)
	}
	if bytes.Equal(a.WireGuardPublicKey(), before) || !bytes.Equal(a.WireGuardPublicKey(), next.PublicKey().Bytes()) {
		t.Error("the agent's WireGuard key is not the new one")
	}
}
