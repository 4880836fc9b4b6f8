package server

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// WireGuard key rotation (docs/CONTROLLER.md, "WireGuard key rotation"):
// an operator asks for it (RotateSiteKey, audited by manage) or the
// schedule does (keyrotsched.go); the site's configuration carries the
// request (EdgeConfig.key_rotation), its edge registers a new key
// (RegisterNextKey) that the site's peers get as its next key, moves its
// paths to it and commits (CommitKeyRotation). Each step moves the
// network's revision, which pushes the configurations.

// keyRotation is the rotation state of a site's own configuration; nil
// when none is in progress.
func keyRotation(self *store.Site) *pb.KeyRotation {
	if !self.KeyRotation {
		return nil
	}
	next, _ := base64.StdEncoding.DecodeString(self.NextPublicKey) // the store checked it
	return &pb.KeyRotation{NextPublicKey: next}
}

// RotateSiteKey asks a site's edge for a new WireGuard key
// (manage.Service.RotateSiteKey).
func (a *admin) RotateSiteKey(ctx context.Context, req *pb.RotateSiteKeyRequest) (*pb.SiteInfo, error) {
	st, err := a.s.cfg.Manage.RotateSiteKey(operatorContext(ctx), req.Network, req.SiteName)
	if err != nil {
		return nil, manageStatus(err)
	}
	a.s.log.Info("site key rotation asked for", "network", req.Network, "site", req.SiteName, "by", callerOf(ctx).ID.String())
	return a.siteInfo(ctx, st.Site), nil
}

// wgKey checks a WireGuard public key of a request and returns it in
// base64, as the store keeps it.
func wgKey(b []byte) (string, error) {
	if _, err := ecdh.X25519().NewPublicKey(b); err != nil {
		return "", status.Error(codes.InvalidArgument, "public_key: not a WireGuard public key (32 bytes)")
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// RegisterNextKey records the caller's next key: its site is the one of
// its certificate, so an edge registers a key for its own site only.
func (e *edgeControl) RegisterNextKey(ctx context.Context, req *pb.RegisterNextKeyRequest) (*pb.RegisterNextKeyResponse, error) {
	key, err := wgKey(req.PublicKey)
	if err != nil {
		return nil, err
	}
	c := callerOf(ctx)
	if _, err := e.s.cfg.Store.SetNextKey(ctx, c.Site.Network, c.Site.Name, key); err != nil {
		return nil, storeStatus(err)
	}
	e.s.event(ctx, c.Site.Network, c.Site.Name, "key_rotation_started", "next WireGuard key "+key+" registered")
	e.s.log.Info("site next key registered", "network", c.Site.Network, "site", c.Site.Name, "public_key", key)
	return &pb.RegisterNextKeyResponse{}, nil
}

// CommitKeyRotation makes the caller's registered next key its site's.
func (e *edgeControl) CommitKeyRotation(ctx context.Context, req *pb.CommitKeyRotationRequest) (*pb.CommitKeyRotationResponse, error) {
	key, err := wgKey(req.PublicKey)
	if err != nil {
		return nil, err
	}
	c := callerOf(ctx)
	if _, err := e.s.cfg.Store.CommitKeyRotation(ctx, c.Site.Network, c.Site.Name, key); err != nil {
		return nil, storeStatus(err)
	}
	e.s.event(ctx, c.Site.Network, c.Site.Name, "key_rotated", "WireGuard key is now "+key)
	e.s.log.Info("site key rotated", "network", c.Site.Network, "site", c.Site.Name, "public_key", key)
	return &pb.CommitKeyRotationResponse{}, nil
}
