package bgp

import (
	"context"
	"fmt"
	"strconv"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// Names of what the speaker defines in GoBGP.
const (
	importPolicy = "patronus-import"
	exportPolicy = "patronus-export"
	overlaySet   = "patronus-overlay-soo"
)

// SoOText is the site-of-origin community of a site as GoBGP and most
// routers print it: the 4-octet AS in asdot, then the site ID
// ("64086.59904:2" for AS 4200000000, site 2).
func SoOText(overlayAS uint32, site uint16) string {
	return asdot(overlayAS) + ":" + strconv.Itoa(int(site))
}

func asdot(as uint32) string {
	return strconv.Itoa(int(as>>16)) + "." + strconv.Itoa(int(as&0xffff))
}

// policySet is the defined sets and the two policies of a configuration.
type policySet struct {
	sets             []*api.DefinedSet
	imports, exports *api.Policy
}

// buildPolicies turns the configuration's policies into GoBGP's. Import:
// a route with the overlay's site-of-origin is refused (loop rule), then
// the configured rules. Export: only the overlay's routes leave (the edge
// is no transit between routers), then the configured rules.
func buildPolicies(c *config.ValidBGP) policySet {
	soo := &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_EXT_COMMUNITY, Name: overlaySet,
		List: []string{"soo:^" + regexpQuote(asdot(c.OverlayAS)) + ":[0-9]+$"}}
	ps := policySet{sets: []*api.DefinedSet{soo}}
	in := rule("in", c.Import, &ps)
	out := rule("out", c.Export, &ps)
	overlay := &api.MatchSet{Type: api.MatchSet_TYPE_ANY, Name: overlaySet}
	notOverlay := &api.MatchSet{Type: api.MatchSet_TYPE_INVERT, Name: overlaySet}
	// The global import policy sees the overlay's routes added by this
	// edge too: they pass first, the rest applies to the routers' routes.
	local := &api.Statement{Name: "in-local", Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
		Actions: &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT}}
	ps.imports = &api.Policy{Name: importPolicy, Statements: append([]*api.Statement{local,
		reject("in-loop", &api.Conditions{ExtCommunitySet: overlay})}, in...)}
	ps.exports = &api.Policy{Name: exportPolicy, Statements: append([]*api.Statement{
		reject("out-overlay-only", &api.Conditions{ExtCommunitySet: notOverlay})}, out...)}
	return ps
}

func regexpQuote(s string) string {
	out := make([]byte, 0, len(s)+2)
	for _, c := range []byte(s) {
		if c == '.' {
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return string(out)
}

func reject(name string, c *api.Conditions) *api.Statement {
	return &api.Statement{Name: name, Conditions: c, Actions: &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_REJECT}}
}

// rule is the statements of one configured policy, and its defined sets
// (named dir-…) added to ps.
func rule(dir string, p config.ValidBGPPolicy, ps *policySet) []*api.Statement {
	var out []*api.Statement
	if len(p.RejectASPaths) > 0 {
		ps.sets = append(ps.sets, &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_AS_PATH, Name: dir + "-as-paths", List: p.RejectASPaths})
		out = append(out, reject(dir+"-as-paths", &api.Conditions{AsPathSet: &api.MatchSet{Type: api.MatchSet_TYPE_ANY, Name: dir + "-as-paths"}}))
	}
	if len(p.RejectCommunities) > 0 {
		ps.sets = append(ps.sets, &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_COMMUNITY, Name: dir + "-communities", List: anchored(p.RejectCommunities)})
		out = append(out, reject(dir+"-communities", &api.Conditions{CommunitySet: &api.MatchSet{Type: api.MatchSet_TYPE_ANY, Name: dir + "-communities"}}))
	}
	out = append(out, prefixRules(dir, p, ps)...)
	if len(p.AddCommunities) > 0 {
		out = append(out, &api.Statement{Name: dir + "-add", Actions: &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT,
			Community: &api.CommunityAction{Type: api.CommunityAction_TYPE_ADD, Communities: p.AddCommunities}}})
	}
	return out
}

// prefixRules refuse the routes outside the prefix list, one set per
// address family (a GoBGP prefix set holds one family).
func prefixRules(dir string, p config.ValidBGPPolicy, ps *policySet) []*api.Statement {
	if len(p.Prefixes) == 0 {
		return nil
	}
	var v4, v6 []*api.Prefix
	for _, m := range p.Prefixes {
		x := &api.Prefix{IpPrefix: m.Prefix.String(), MaskLengthMin: uint32(m.Prefix.Bits()), MaskLengthMax: uint32(m.MaxLength)}
		if m.Prefix.Addr().Is4() {
			v4 = append(v4, x)
		} else {
			v6 = append(v6, x)
		}
	}
	var out []*api.Statement
	for fam, list := range map[string][]*api.Prefix{"v4": v4, "v6": v6} {
		name := dir + "-prefixes-" + fam
		afi := api.Family_AFI_IP
		if fam == "v6" {
			afi = api.Family_AFI_IP6
		}
		cond := &api.Conditions{AfiSafiIn: []*api.Family{{Afi: afi, Safi: api.Family_SAFI_UNICAST}}}
		if len(list) > 0 {
			ps.sets = append(ps.sets, &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_PREFIX, Name: name, Prefixes: list})
			cond.PrefixSet = &api.MatchSet{Type: api.MatchSet_TYPE_INVERT, Name: name}
		}
		out = append(out, reject(name, cond)) // a family without a list: nothing of it passes
	}
	return out
}

func anchored(cs []string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = "^" + c + "$"
	}
	return out
}

// installPolicies replaces the speaker's policies in srv by ps and
// assigns them globally (to every neighbour).
func installPolicies(ctx context.Context, srv *server.BgpServer, ps policySet) error {
	for _, dir := range []api.PolicyDirection{api.PolicyDirection_POLICY_DIRECTION_IMPORT, api.PolicyDirection_POLICY_DIRECTION_EXPORT} {
		_ = srv.DeletePolicyAssignment(ctx, &api.DeletePolicyAssignmentRequest{Assignment: &api.PolicyAssignment{Name: "global", Direction: dir}, All: true})
	}
	for _, name := range []string{importPolicy, exportPolicy} {
		_ = srv.DeletePolicy(ctx, &api.DeletePolicyRequest{Policy: &api.Policy{Name: name}, All: true})
	}
	_ = srv.DeleteDefinedSet(ctx, &api.DeleteDefinedSetRequest{All: true})
	for _, s := range ps.sets {
		if err := srv.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: s}); err != nil {
			return fmt.Errorf("defined set %s: %w", s.Name, err)
		}
	}
	for _, p := range []*api.Policy{ps.imports, ps.exports} {
		if err := srv.AddPolicy(ctx, &api.AddPolicyRequest{Policy: p}); err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
	}
	for dir, p := range map[api.PolicyDirection]*api.Policy{api.PolicyDirection_POLICY_DIRECTION_IMPORT: ps.imports,
		api.PolicyDirection_POLICY_DIRECTION_EXPORT: ps.exports} {
		a := &api.PolicyAssignment{Name: "global", Direction: dir, Policies: []*api.Policy{{Name: p.Name}},
			DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT}
		if err := srv.AddPolicyAssignment(ctx, &api.AddPolicyAssignmentRequest{Assignment: a}); err != nil {
			return fmt.Errorf("policy assignment %s: %w", p.Name, err)
		}
	}
	return nil
}
