package server_test

import (
	"bytes"
	"crypto/rand"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
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
