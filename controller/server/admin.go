package server

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/label"
	"github.com/patronus-sdwan/patronus/policy"
)

// Paging: page tokens are offsets into the sorted list.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

type admin struct {
	pb.UnimplementedAdminServer
	s *Server
}

// page cuts a sorted list; the token is the offset of the next page.
func page[T any](all []T, size uint32, token string) ([]T, string, error) {
	off := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 {
			return nil, "", status.Errorf(codes.InvalidArgument, "page_token: %q is not a token of this listing", token)
		}
		off = n
	}
	n := int(size)
	if n == 0 {
		n = defaultPageSize
	}
	n = min(n, maxPageSize)
	if off >= len(all) {
		return nil, "", nil
	}
	end := min(off+n, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[off:end], next, nil
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func required(field, v string) error {
	if v == "" {
		return status.Errorf(codes.InvalidArgument, "%s: required", field)
	}
	return nil
}

func (a *admin) siteInfo(ctx context.Context, st store.Site) *pb.SiteInfo {
	role := pb.TopologyRole_TOPOLOGY_ROLE_MESH
	if n, err := a.s.cfg.Store.Network(ctx, st.Network); err == nil && n.Topology == store.HubAndSpoke {
		role = pb.TopologyRole_TOPOLOGY_ROLE_SPOKE
		if st.Role == store.Hub {
			role = pb.TopologyRole_TOPOLOGY_ROLE_HUB
		}
	}
	key, _ := base64.StdEncoding.DecodeString(st.PublicKey)
	state := pb.SiteState_SITE_STATE_ENROLLED
	if st.State == store.Revoked {
		state = pb.SiteState_SITE_STATE_REVOKED
	}
	next, _ := base64.StdEncoding.DecodeString(st.NextPublicKey)
	return &pb.SiteInfo{Network: st.Network, Site: &pb.Site{Name: st.Name, Id: uint32(st.ID)}, Role: role,
		WireguardPublicKey: key, State: state, LastSeenAt: ts(st.LastSeen), CreatedAt: ts(st.CreatedAt),
		KeyRotation: st.KeyRotation, NextWireguardPublicKey: next, KeyRotatedAt: ts(st.KeyRotatedAt)}
}

func (a *admin) ListNetworks(ctx context.Context, _ *pb.ListNetworksRequest) (*pb.ListNetworksResponse, error) {
	nets, err := a.s.cfg.Store.Networks(ctx)
	if err != nil {
		return nil, storeStatus(err)
	}
	slices.SortFunc(nets, func(x, y store.Network) int { return strings.Compare(x.Name, y.Name) })
	out := &pb.ListNetworksResponse{}
	for _, n := range nets {
		topo := pb.Topology_TOPOLOGY_FULL_MESH
		if n.Topology == store.HubAndSpoke {
			topo = pb.Topology_TOPOLOGY_HUB_AND_SPOKE
		}
		out.Networks = append(out.Networks, &pb.NetworkInfo{Name: n.Name, Topology: topo, Revision: uint64(n.Revision), CreatedAt: ts(n.CreatedAt)})
	}
	return out, nil
}

func (a *admin) ListSites(ctx context.Context, req *pb.ListSitesRequest) (*pb.ListSitesResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	sites, err := a.s.cfg.Store.Sites(ctx, req.Network)
	if err != nil {
		return nil, storeStatus(err)
	}
	slices.SortFunc(sites, func(x, y store.Site) int { return strings.Compare(x.Name, y.Name) })
	pg, next, err := page(sites, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &pb.ListSitesResponse{NextPageToken: next}
	for _, st := range pg {
		out.Sites = append(out.Sites, a.siteInfo(ctx, st))
	}
	return out, nil
}

func (a *admin) GetSite(ctx context.Context, req *pb.GetSiteRequest) (*pb.SiteInfo, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	if err := required("site_name", req.SiteName); err != nil {
		return nil, err
	}
	st, err := a.s.cfg.Store.Site(ctx, req.Network, req.SiteName)
	if err != nil {
		return nil, storeStatus(err)
	}
	return a.siteInfo(ctx, st), nil
}

// RevokeSite revokes the site in the store: the revision moves, so every
// replica refreshes its site table (refusing the site's handshakes), cuts
// the site's streams and pushes its peers a configuration without it.
func (a *admin) RevokeSite(ctx context.Context, req *pb.RevokeSiteRequest) (*pb.SiteInfo, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	if err := required("site_name", req.SiteName); err != nil {
		return nil, err
	}
	st, err := a.s.cfg.Store.RevokeSite(ctx, req.Network, req.SiteName)
	if err != nil {
		return nil, storeStatus(err)
	}
	who := callerOf(ctx).ID
	reason := "revoked by " + who.String()
	if req.Reason != "" {
		reason += ": " + req.Reason
	}
	a.s.event(ctx, req.Network, req.SiteName, "revoked", reason)
	a.s.log.Info("site revoked", "network", req.Network, "site", req.SiteName, "by", who.String())
	return a.siteInfo(ctx, st), nil
}

func tokenInfo(t store.JoinToken) *pb.JoinTokenInfo {
	return &pb.JoinTokenInfo{Id: t.ID, Network: t.Network, SiteName: t.Site, CreatedAt: ts(t.CreatedAt),
		ExpiresAt: ts(t.ExpiresAt), UsedAt: ts(t.UsedAt), RevokedAt: ts(t.RevokedAt), Reset_: t.Reset}
}

func (a *admin) CreateJoinToken(ctx context.Context, req *pb.CreateJoinTokenRequest) (*pb.CreateJoinTokenResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	if err := required("site_name", req.SiteName); err != nil {
		return nil, err
	}
	if msg := label.Check(req.SiteName); msg != "" {
		return nil, status.Errorf(codes.InvalidArgument, "site_name: %s (an edge's site name)", msg)
	}
	ttl := DefaultTokenTTL
	if req.Ttl != nil {
		ttl = req.Ttl.AsDuration()
	}
	secret, tok, err := a.s.cfg.Store.CreateJoinToken(ctx, req.Network, req.SiteName, ttl)
	if err != nil {
		return nil, storeStatus(err)
	}
	a.s.log.Info("join token created", "network", req.Network, "site", req.SiteName, "token_id", tok.ID, "by", callerOf(ctx).ID.String())
	return &pb.CreateJoinTokenResponse{Token: secret, Info: tokenInfo(tok)}, nil
}

func (a *admin) ListJoinTokens(ctx context.Context, req *pb.ListJoinTokensRequest) (*pb.ListJoinTokensResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	toks, err := a.s.cfg.Store.JoinTokens(ctx, req.Network)
	if err != nil {
		return nil, storeStatus(err)
	}
	slices.Reverse(toks) // newest first
	pg, next, err := page(toks, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &pb.ListJoinTokensResponse{NextPageToken: next}
	for _, t := range pg {
		out.Tokens = append(out.Tokens, tokenInfo(t))
	}
	return out, nil
}

func (a *admin) RevokeJoinToken(ctx context.Context, req *pb.RevokeJoinTokenRequest) (*pb.JoinTokenInfo, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	if err := required("id", req.Id); err != nil {
		return nil, err
	}
	if err := a.s.cfg.Store.RevokeJoinToken(ctx, req.Network, req.Id); err != nil {
		return nil, storeStatus(err)
	}
	toks, err := a.s.cfg.Store.JoinTokens(ctx, req.Network)
	if err != nil {
		return nil, storeStatus(err)
	}
	for _, t := range toks {
		if t.ID == req.Id {
			return tokenInfo(t), nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "id: token %s not found", req.Id)
}

func wanLink(l store.Link) *pb.WanLink {
	return &pb.WanLink{SiteName: l.Site, Name: l.Name, Color: l.Colour, Cost: uint32(l.Cost),
		BandwidthBps: uint64(l.BandwidthKbps) * 1000, Endpoint: l.Endpoint,
		Interface: l.Interface, LocalAddress: l.LocalAddress, ListenPort: uint32(l.ListenPort)}
}

func (a *admin) ListLinks(ctx context.Context, req *pb.ListLinksRequest) (*pb.ListLinksResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	sites := []string{req.SiteName}
	if req.SiteName == "" {
		all, err := a.s.cfg.Store.Sites(ctx, req.Network)
		if err != nil {
			return nil, storeStatus(err)
		}
		sites = sites[:0]
		for _, st := range all {
			sites = append(sites, st.Name)
		}
		slices.Sort(sites)
	}
	var links []store.Link
	for _, name := range sites {
		ls, err := a.s.cfg.Store.Links(ctx, req.Network, name)
		if err != nil {
			return nil, storeStatus(err)
		}
		slices.SortFunc(ls, func(x, y store.Link) int { return strings.Compare(x.Name, y.Name) })
		links = append(links, ls...)
	}
	pg, next, err := page(links, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &pb.ListLinksResponse{NextPageToken: next}
	for _, l := range pg {
		out.Links = append(out.Links, wanLink(l))
	}
	return out, nil
}

func (a *admin) PutLink(ctx context.Context, req *pb.PutLinkRequest) (*pb.WanLink, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	l := req.Link
	if l == nil {
		return nil, status.Error(codes.InvalidArgument, "link: required")
	}
	if err := required("link.site_name", l.SiteName); err != nil {
		return nil, err
	}
	for _, f := range [][2]string{{"link.name", l.Name}, {"link.color", l.Color}} {
		if msg := label.Check(f[1]); msg != "" {
			return nil, status.Errorf(codes.InvalidArgument, "%s: %s (an edge's label)", f[0], msg)
		}
	}
	if l.BandwidthBps%1000 != 0 || l.BandwidthBps/1000 > 1<<53 {
		return nil, status.Errorf(codes.InvalidArgument, "link.bandwidth_bps: %d: a whole number of kbit/s is stored", l.BandwidthBps)
	}
	if l.Endpoint != "" {
		if _, err := netip.ParseAddrPort(l.Endpoint); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "link.endpoint: %q is not ADDRESS:PORT", l.Endpoint)
		}
	}
	got, err := a.s.cfg.Store.PutLink(ctx, req.Network, l.SiteName, store.LinkSpec{
		Name: l.Name, Colour: l.Color, Cost: int64(l.Cost), BandwidthKbps: int64(l.BandwidthBps / 1000), Endpoint: l.Endpoint,
		Interface: l.Interface, LocalAddress: l.LocalAddress, ListenPort: int64(l.ListenPort),
	})
	if err != nil {
		return nil, storeStatus(err)
	}
	return wanLink(got), nil
}

func (a *admin) DeleteLink(ctx context.Context, req *pb.DeleteLinkRequest) (*pb.DeleteLinkResponse, error) {
	for _, f := range [][2]string{{"network", req.Network}, {"site_name", req.SiteName}, {"link_name", req.LinkName}} {
		if err := required(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	if err := a.s.cfg.Store.DeleteLink(ctx, req.Network, req.SiteName, req.LinkName); err != nil {
		return nil, storeStatus(err)
	}
	return &pb.DeleteLinkResponse{}, nil
}

func (a *admin) ListPrefixes(ctx context.Context, req *pb.ListPrefixesRequest) (*pb.ListPrefixesResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	ps, err := a.s.cfg.Store.Prefixes(ctx, req.Network)
	if err != nil {
		return nil, storeStatus(err)
	}
	out := &pb.ListPrefixesResponse{}
	for _, p := range ps {
		if req.SiteName == "" || p.Site == req.SiteName {
			out.Prefixes = append(out.Prefixes, &pb.LanPrefix{SiteName: p.Site, Prefix: p.Prefix.String()})
		}
	}
	slices.SortFunc(out.Prefixes, func(x, y *pb.LanPrefix) int {
		if c := strings.Compare(x.SiteName, y.SiteName); c != 0 {
			return c
		}
		return strings.Compare(x.Prefix, y.Prefix)
	})
	return out, nil
}

func parsePrefix(field, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, status.Errorf(codes.InvalidArgument, "%s: %q is not a CIDR prefix", field, s)
	}
	if p.Masked() != p {
		return p, status.Errorf(codes.InvalidArgument, "%s: %s has host bits set (did you mean %s?)", field, s, p.Masked())
	}
	return p, nil
}

func (a *admin) AddPrefix(ctx context.Context, req *pb.AddPrefixRequest) (*pb.LanPrefix, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	if req.Prefix == nil {
		return nil, status.Error(codes.InvalidArgument, "prefix: required")
	}
	if err := required("prefix.site_name", req.Prefix.SiteName); err != nil {
		return nil, err
	}
	p, err := parsePrefix("prefix.prefix", req.Prefix.Prefix)
	if err != nil {
		return nil, err
	}
	got, err := a.s.cfg.Store.AddPrefix(ctx, req.Network, req.Prefix.SiteName, p)
	if err != nil {
		return nil, storeStatus(err)
	}
	return &pb.LanPrefix{SiteName: got.Site, Prefix: got.Prefix.String()}, nil
}

func (a *admin) DeletePrefix(ctx context.Context, req *pb.DeletePrefixRequest) (*pb.DeletePrefixResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	p, err := parsePrefix("prefix", req.Prefix)
	if err != nil {
		return nil, err
	}
	if err := a.s.cfg.Store.DeletePrefix(ctx, req.Network, p); err != nil {
		return nil, storeStatus(err)
	}
	return &pb.DeletePrefixResponse{}, nil
}

// latestWindow is how far back ListPaths looks for a path's latest sample.
const latestWindow = 10 * time.Minute

func (a *admin) ListPaths(ctx context.Context, req *pb.ListPathsRequest) (*pb.ListPathsResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	paths, err := a.s.cfg.Store.Paths(ctx, req.Network)
	if err != nil {
		return nil, storeStatus(err)
	}
	if req.SiteName != "" {
		paths = slices.DeleteFunc(paths, func(p store.Path) bool { return p.A != req.SiteName && p.B != req.SiteName })
	}
	slices.SortFunc(paths, func(x, y store.Path) int { return strings.Compare(x.Name, y.Name) })
	pg, next, err := page(paths, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &pb.ListPathsResponse{NextPageToken: next}
	now := a.s.now()
	for _, p := range pg {
		info := &pb.PathInfo{PathId: p.Name, ASite: p.A, ALink: p.ALink, BSite: p.B, BLink: p.BLink}
		pts, err := a.s.cfg.Store.PathMetrics(ctx, req.Network, p.Name, store.Raw, now.Add(-latestWindow), now.Add(time.Minute))
		if err != nil {
			return nil, storeStatus(err)
		}
		if len(pts) > 0 {
			info.Latest = pathSample(p.Name, pts[len(pts)-1])
		}
		out.Paths = append(out.Paths, info)
	}
	return out, nil
}

func pathSample(name string, pt store.PathPoint) *pb.PathSample {
	st := pb.PathState_PATH_STATE_DOWN
	switch pt.State {
	case store.PathUp:
		st = pb.PathState_PATH_STATE_UP
	case store.PathDegraded:
		st = pb.PathState_PATH_STATE_DEGRADED
	}
	return &pb.PathSample{PathId: name, MeasuredAt: ts(pt.TS), State: st, MetricsValid: true,
		LatencyMs: float64(pt.Latency) / float64(time.Millisecond), JitterMs: float64(pt.Jitter) / float64(time.Millisecond), LossPct: pt.LossPct}
}

func (a *admin) GetPolicies(ctx context.Context, req *pb.GetPoliciesRequest) (*pb.PolicySet, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	doc, err := a.s.cfg.Store.PolicySet(ctx, req.Network)
	if err != nil {
		return nil, storeStatus(err)
	}
	ps, err := policy.DecodeDocument(doc.Document)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "stored policy set: %v", err)
	}
	ps.Revision = uint64(doc.Revision)
	return ps, nil
}

// SetPolicies validates the set as an edge would (policy.Set.Validate)
// and replaces the stored one; the revision moves and every edge of the
// network gets it.
func (a *admin) SetPolicies(ctx context.Context, req *pb.SetPoliciesRequest) (*pb.PolicySet, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	doc, err := policy.EncodeDocument(policy.FromProto(req.Policies))
	var es policy.Errors
	switch {
	case errors.As(err, &es):
		return nil, status.Errorf(codes.InvalidArgument, "policies: %s", strings.ReplaceAll(es.Error(), "\n", "; "))
	case err != nil:
		return nil, status.Errorf(codes.Internal, "encode: %v", err)
	}
	if req.ExpectedRevision > 1<<62 {
		return nil, status.Error(codes.InvalidArgument, "expected_revision: out of range")
	}
	got, err := a.s.cfg.Store.PutPolicySet(ctx, req.Network, doc, int64(req.ExpectedRevision))
	if err != nil {
		return nil, storeStatus(err)
	}
	a.s.log.Info("policies set", "network", req.Network, "revision", got.Revision, "by", callerOf(ctx).ID.String())
	out, err := policy.DecodeDocument(got.Document)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "decode: %v", err)
	}
	out.Revision = uint64(got.Revision)
	return out, nil
}

func (a *admin) ListEvents(ctx context.Context, req *pb.ListEventsRequest) (*pb.ListEventsResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	q := store.EventQuery{Site: req.SiteName, Limit: maxPageSize * 10}
	if req.Since != nil {
		q.Since = req.Since.AsTime()
	}
	evs, err := a.s.cfg.Store.Events(ctx, req.Network, q)
	if err != nil {
		return nil, storeStatus(err)
	}
	pg, next, err := page(evs, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &pb.ListEventsResponse{NextPageToken: next}
	for _, e := range pg {
		out.Events = append(out.Events, &pb.Event{Id: e.ID, At: ts(e.TS), SiteName: e.Site, PathId: e.Path,
			Kind: e.Kind, Reason: e.Reason, FlowsMoved: uint32(min(e.FlowsMoved, 1<<32-1))})
	}
	return out, nil
}
