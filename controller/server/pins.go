package server

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// maxPinTTL bounds SetPinRequest.ttl: a year; longer is "until deleted".
const maxPinTTL = 366 * 24 * time.Hour

func pinInfo(p store.Pin) *pb.PinInfo {
	return &pb.PinInfo{Id: p.ID, SiteName: p.Site, Match: pinMatchProto(p.Match), PathId: p.Path,
		ExpiresAt: ts(p.ExpiresAt), CreatedBy: p.CreatedBy, CreatedAt: ts(p.CreatedAt)}
}

// pinMatch converts a request's match; errors name the field.
func pinMatch(m *pb.PinMatch) (store.PinMatch, error) {
	var out store.PinMatch
	if m.GetProtocol() > 255 {
		return out, fmt.Errorf("match.protocol: %d is not 0..255", m.GetProtocol())
	}
	if m.GetSourcePort() > 65535 || m.GetDestinationPort() > 65535 {
		return out, fmt.Errorf("match.source_port, match.destination_port: not 0..65535")
	}
	out.Protocol, out.SrcPort, out.DstPort = uint8(m.GetProtocol()), uint16(m.GetSourcePort()), uint16(m.GetDestinationPort())
	for _, f := range []struct {
		name, text string
		dst        *netip.Prefix
	}{{"match.source_prefix", m.GetSourcePrefix(), &out.Src}, {"match.destination_prefix", m.GetDestinationPrefix(), &out.Dst}} {
		if f.text == "" {
			continue
		}
		p, err := netip.ParsePrefix(f.text)
		if err != nil {
			return out, fmt.Errorf("%s: %q is not a prefix", f.name, f.text)
		}
		*f.dst = p
	}
	return out, nil
}

func (a *admin) ListPins(ctx context.Context, req *pb.ListPinsRequest) (*pb.ListPinsResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	pins, err := a.s.cfg.Store.Pins(ctx, req.Network, req.SiteName)
	if err != nil {
		return nil, storeStatus(err)
	}
	pg, next, err := page(pins, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &pb.ListPinsResponse{NextPageToken: next}
	for _, p := range pg {
		out.Pins = append(out.Pins, pinInfo(p))
	}
	return out, nil
}

// SetPin stores the pin; the revision moves and the site's edge gets it.
func (a *admin) SetPin(ctx context.Context, req *pb.SetPinRequest) (*pb.PinInfo, error) {
	for _, f := range [][2]string{{"network", req.Network}, {"site_name", req.SiteName}, {"path_id", req.PathId}} {
		if err := required(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	m, err := pinMatch(req.Match)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	who := callerOf(ctx).ID.String()
	spec := store.PinSpec{Site: req.SiteName, Match: m, Path: req.PathId, CreatedBy: who}
	if req.Ttl != nil {
		ttl := req.Ttl.AsDuration()
		if err := req.Ttl.CheckValid(); err != nil || ttl <= 0 || ttl > maxPinTTL {
			return nil, status.Errorf(codes.InvalidArgument, "ttl: %v is not between 0 and %v (leave it unset for a pin without expiry)", ttl, maxPinTTL)
		}
		spec.ExpiresAt = a.s.now().Add(ttl)
	}
	p, err := a.s.cfg.Store.PutPin(ctx, req.Network, spec)
	if err != nil {
		return nil, storeStatus(err)
	}
	a.s.log.Info("pin set", "network", req.Network, "site", p.Site, "pin", p.ID, "path", p.Path, "match", p.Match.String(), "by", who)
	a.s.event(ctx, req.Network, p.Site, "pin_set", fmt.Sprintf("pin %d: %s over %s, by %s", p.ID, p.Match, p.Path, who))
	return pinInfo(p), nil
}

func (a *admin) DeletePin(ctx context.Context, req *pb.DeletePinRequest) (*pb.DeletePinResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	if req.Id <= 0 {
		return nil, status.Errorf(codes.InvalidArgument, "id: %d is not a pin id", req.Id)
	}
	if err := a.s.cfg.Store.DeletePin(ctx, req.Network, req.Id); err != nil {
		return nil, storeStatus(err)
	}
	who := callerOf(ctx).ID.String()
	a.s.log.Info("pin deleted", "network", req.Network, "pin", req.Id, "by", who)
	a.s.event(ctx, req.Network, "", "pin_deleted", fmt.Sprintf("pin %d, by %s", req.Id, who))
	return &pb.DeletePinResponse{}, nil
}
