package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/policy"
)

// Environment variables of patronus ctl; flags override them.
const (
	envController  = "PATRONUS_CONTROLLER"
	envCredentials = "PATRONUS_CREDENTIALS"
	envNetwork     = "PATRONUS_NETWORK"
	defaultCtlAddr = "localhost:8443"
)

// ctlOpts are the flags every ctl command shares.
type ctlOpts struct {
	controller  string
	credentials string
	network     string
	json        bool
	timeout     time.Duration
}

func ctlEnvOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newCtlCmd() *cobra.Command {
	o := &ctlOpts{}
	c := &cobra.Command{
		Use:   "ctl",
		Short: "Operate a controller: networks, sites, join tokens, links, prefixes, paths, policies, events, pins, operators, users, alerts",
		Long: `Talks to a controller's Admin API over mutual TLS with operator credentials
(a directory with identity.key, identity.crt and ca.crt, as 'patronus
controller' makes in DATA_DIR/admin on its first start). Every command takes
--json for machine-readable output. See docs/CONTROLLER.md.`,
	}
	pf := c.PersistentFlags()
	pf.StringVar(&o.controller, "controller", ctlEnvOr(envController, defaultCtlAddr), "controller address HOST:PORT (env "+envController+")")
	pf.StringVar(&o.credentials, "credentials", ctlEnvOr(envCredentials, filepath.Join(DefaultControllerDataDir, adminDirName)), "operator credentials directory (env "+envCredentials+")")
	pf.StringVar(&o.network, "network", ctlEnvOr(envNetwork, defaultNetwork), "network (env "+envNetwork+")")
	pf.BoolVar(&o.json, "json", false, "print JSON")
	pf.DurationVar(&o.timeout, "timeout", 10*time.Second, "time limit of each call")
	c.AddCommand(ctlNetworksCmd(o), ctlSitesCmd(o), ctlTokensCmd(o), ctlLinksCmd(o), ctlPrefixesCmd(o), ctlPathsCmd(o), ctlPoliciesCmd(o), ctlEventsCmd(o), ctlPinsCmd(o), ctlBGPCmd(o), ctlEdgeSettingsCmd(o), ctlOperatorsCmd(o), ctlCertsCmd(o),
		ctlUsersCmd(o), ctlAlertsCmd(o))
	return c
}

// dial connects to the controller with the operator credentials. The
// server's name to check is the host of --controller.
func (o *ctlOpts) dial() (pb.AdminClient, func(), error) {
	host, _, err := net.SplitHostPort(o.controller)
	if err != nil {
		return nil, nil, fmt.Errorf("--controller: %q is not HOST:PORT", o.controller)
	}
	creds, err := pki.LoadIdentity(o.credentials)
	if err != nil {
		return nil, nil, fmt.Errorf("--credentials: %w", err)
	}
	cc, err := grpc.NewClient(o.controller, grpc.WithTransportCredentials(credentials.NewTLS(creds.ClientTLSConfig(host))))
	if err != nil {
		return nil, nil, fmt.Errorf("--controller: %w", err)
	}
	return pb.NewAdminClient(cc), func() { cc.Close() }, nil
}

// call runs one Admin call with the timeout and turns a gRPC status into
// a plain error.
func (o *ctlOpts) call(fn func(ctx context.Context, a pb.AdminClient) error) error {
	a, closeFn, err := o.dial()
	if err != nil {
		return err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if err := fn(ctx, a); err != nil {
		if st, ok := status.FromError(err); ok {
			return fmt.Errorf("controller %s: %s: %s", o.controller, st.Code(), st.Message())
		}
		return err
	}
	return nil
}

var ctlJSON = protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true, EmitUnpopulated: true}

// print writes m as JSON with --json, else calls text.
func (o *ctlOpts) print(w io.Writer, m proto.Message, text func(*tabwriter.Writer)) error {
	if o.json {
		b, err := ctlJSON.Marshal(m)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}

func ctlStamp(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().UTC().Format(time.RFC3339)
}

func ctlDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ctlEnum(s fmt.Stringer, prefix string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(s.String(), prefix), "_", "-"))
}

// ---- networks ----

func ctlNetworksCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "networks", Short: "List the controller's networks (declared in its configuration file)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r *pb.ListNetworksResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ListNetworks(ctx, &pb.ListNetworksRequest{})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "NAME\tTOPOLOGY\tREVISION\tCREATED")
				for _, n := range r.Networks {
					fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", n.Name, ctlEnum(n.Topology, "TOPOLOGY_"), n.Revision, ctlStamp(n.CreatedAt))
				}
			})
		},
	}
}

// ---- sites ----

func ctlSitesCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "sites", Short: "List, show, revoke, delete and reset sites"}
	c.AddCommand(&cobra.Command{
		Use: "list", Short: "List the network's sites", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := &pb.ListSitesResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				for tok := ""; ; {
					r, err := a.ListSites(ctx, &pb.ListSitesRequest{Network: o.network, PageToken: tok})
					if err != nil {
						return err
					}
					all.Sites = append(all.Sites, r.Sites...)
					if tok = r.NextPageToken; tok == "" {
						return nil
					}
				}
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), all, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "NAME\tID\tROLE\tSTATE\tLAST SEEN")
				for _, s := range all.Sites {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", s.Site.Name, s.Site.Id, ctlEnum(s.Role, "TOPOLOGY_ROLE_"),
						ctlEnum(s.State, "SITE_STATE_"), ctlStamp(s.LastSeenAt))
				}
			})
		},
	})
	c.AddCommand(&cobra.Command{
		Use: "show NAME", Short: "Show one site", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var s *pb.SiteInfo
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				s, err = a.GetSite(ctx, &pb.GetSiteRequest{Network: o.network, SiteName: args[0]})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), s, func(w *tabwriter.Writer) { ctlSiteText(w, s) })
		},
	})
	var reason string
	revoke := &cobra.Command{
		Use: "revoke NAME", Short: "Revoke a site: its certificate is refused, its streams end, its peers drop it", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var s *pb.SiteInfo
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				s, err = a.RevokeSite(ctx, &pb.RevokeSiteRequest{Network: o.network, SiteName: args[0], Reason: reason})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), s, func(w *tabwriter.Writer) { ctlSiteText(w, s) })
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "", "why, for the event log")
	c.AddCommand(revoke, ctlSiteDeleteCmd(o), ctlSiteResetCmd(o), ctlSiteRotateKeyCmd(o))
	return c
}

func ctlSiteDeleteCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a site with its links, prefixes, pins and certificates (its name can enrol anew)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				_, err := a.DeleteSite(ctx, &pb.DeleteSiteRequest{Network: o.network, SiteName: args[0]})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), &pb.DeleteSiteResponse{}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "site %s deleted\n", args[0])
			})
		},
	}
}

func ctlSiteResetCmd(o *ctlOpts) *cobra.Command {
	var ttl time.Duration
	reset := &cobra.Command{
		Use:   "reset NAME [--ttl 24h]",
		Short: "Revoke a site's certificate and make a join token that re-enrols it under its name, keeping its links, prefixes, pins and policies",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ttl < time.Minute || ttl > 30*24*time.Hour {
				return fmt.Errorf("--ttl: %v is not between 1m and 720h", ttl)
			}
			var r *pb.CreateJoinTokenResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ResetSite(ctx, &pb.ResetSiteRequest{Network: o.network, SiteName: args[0], Ttl: durationpb.New(ttl)})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "%s\n", r.Token)
				fmt.Fprintf(w, "site %s reset: its certificate is revoked. Token id %s, expires %s; shown once: give it to the site's 'patronus edge --join-token' (with an empty state directory)\n",
					r.Info.SiteName, r.Info.Id, ctlStamp(r.Info.ExpiresAt))
			})
		},
	}
	reset.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is good, 1m to 720h")
	return reset
}

func ctlSiteText(w *tabwriter.Writer, s *pb.SiteInfo) {
	fmt.Fprintf(w, "name:\t%s\nid:\t%d\nnetwork:\t%s\nrole:\t%s\nstate:\t%s\nwireguard key:\t%x\nlast seen:\t%s\ncreated:\t%s\n",
		s.Site.Name, s.Site.Id, s.Network, ctlEnum(s.Role, "TOPOLOGY_ROLE_"), ctlEnum(s.State, "SITE_STATE_"),
		s.WireguardPublicKey, ctlStamp(s.LastSeenAt), ctlStamp(s.CreatedAt))
	ctlKeyRotationText(w, s)
}

// ---- tokens ----

func ctlTokensCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "tokens", Short: "Create, list and revoke join tokens"}
	var site string
	var ttl time.Duration
	create := &cobra.Command{
		Use: "create --site NAME [--ttl 24h]", Short: "Make a one-time join token for a site (printed once)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if site == "" {
				return errors.New("--site: required: the name of the site the token enrols")
			}
			if ttl < time.Minute || ttl > 30*24*time.Hour {
				return fmt.Errorf("--ttl: %v is not between 1m and 720h", ttl)
			}
			var r *pb.CreateJoinTokenResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.CreateJoinToken(ctx, &pb.CreateJoinTokenRequest{Network: o.network, SiteName: site, Ttl: durationpb.New(ttl)})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "%s\n", r.Token)
				fmt.Fprintf(w, "id %s, site %s, expires %s; shown once: give it to 'patronus edge --join-token'\n",
					r.Info.Id, r.Info.SiteName, ctlStamp(r.Info.ExpiresAt))
			})
		},
	}
	create.Flags().StringVar(&site, "site", "", "site name the token enrols (required)")
	create.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is good, 1m to 720h")
	c.AddCommand(create)
	c.AddCommand(&cobra.Command{
		Use: "list", Short: "List join tokens, newest first (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := &pb.ListJoinTokensResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				for tok := ""; ; {
					r, err := a.ListJoinTokens(ctx, &pb.ListJoinTokensRequest{Network: o.network, PageToken: tok})
					if err != nil {
						return err
					}
					all.Tokens = append(all.Tokens, r.Tokens...)
					if tok = r.NextPageToken; tok == "" {
						return nil
					}
				}
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), all, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "ID\tSITE\tKIND\tCREATED\tEXPIRES\tUSED\tREVOKED")
				for _, t := range all.Tokens {
					kind := "enrol"
					if t.Reset_ {
						kind = "reset"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Id, t.SiteName, kind, ctlStamp(t.CreatedAt), ctlStamp(t.ExpiresAt), ctlStamp(t.UsedAt), ctlStamp(t.RevokedAt))
				}
			})
		},
	})
	c.AddCommand(&cobra.Command{
		Use: "revoke ID", Short: "Revoke an unused join token", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var t *pb.JoinTokenInfo
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				t, err = a.RevokeJoinToken(ctx, &pb.RevokeJoinTokenRequest{Network: o.network, Id: args[0]})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), t, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "token %s (site %s) revoked at %s\n", t.Id, t.SiteName, ctlStamp(t.RevokedAt))
			})
		},
	})
	return c
}

// ---- links ----

func ctlLinksCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "links", Short: "List, set and delete the sites' WAN links"}
	var site string
	list := &cobra.Command{
		Use: "list [--site NAME]", Short: "List WAN links", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := &pb.ListLinksResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				for tok := ""; ; {
					r, err := a.ListLinks(ctx, &pb.ListLinksRequest{Network: o.network, SiteName: site, PageToken: tok})
					if err != nil {
						return err
					}
					all.Links = append(all.Links, r.Links...)
					if tok = r.NextPageToken; tok == "" {
						return nil
					}
				}
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), all, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "SITE\tLINK\tCOLOR\tCOST\tBANDWIDTH BPS\tENDPOINT\tINTERFACE\tLOCAL ADDRESS\tPORT")
				for _, l := range all.Links {
					fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%d\n", l.SiteName, l.Name, l.Color, l.Cost, l.BandwidthBps,
						ctlDash(l.Endpoint), ctlDash(l.Interface), ctlDash(l.LocalAddress), l.ListenPort)
				}
			})
		},
	}
	list.Flags().StringVar(&site, "site", "", "only this site's links")
	c.AddCommand(list)

	var l pb.WanLink
	set := &cobra.Command{
		Use: "set --site NAME --name LINK --color COLOR [--interface IF] [--local-address ADDR] [--listen-port N] [--cost N] [--bandwidth-bps N] [--endpoint ADDR:PORT]", Short: "Create or replace a WAN link", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, f := range [][2]string{{"--site", l.SiteName}, {"--name", l.Name}, {"--color", l.Color}} {
				if f[1] == "" {
					return fmt.Errorf("%s: required", f[0])
				}
			}
			var got *pb.WanLink
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				got, err = a.PutLink(ctx, &pb.PutLinkRequest{Network: o.network, Link: &l})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), got, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "link %s of site %s set\n", got.Name, got.SiteName)
			})
		},
	}
	set.Flags().StringVar(&l.SiteName, "site", "", "site (required)")
	set.Flags().StringVar(&l.Name, "name", "", "link name (required)")
	set.Flags().StringVar(&l.Color, "color", "", "transport class: inet, lte, mpls… (required)")
	set.Flags().Uint32Var(&l.Cost, "cost", 0, "lower is preferred")
	set.Flags().Uint64Var(&l.BandwidthBps, "bandwidth-bps", 0, "rate in bit/s, a multiple of 1000; 0 unknown")
	set.Flags().StringVar(&l.Endpoint, "endpoint", "", "public ADDRESS:PORT; empty behind NAT")
	set.Flags().StringVar(&l.Interface, "interface", "", "interface the link leaves by, on the site's own edge")
	set.Flags().StringVar(&l.LocalAddress, "local-address", "", "address the link's socket binds to, on the site's own edge")
	set.Flags().Uint32Var(&l.ListenPort, "listen-port", 0, "the link's UDP port on the site's own edge; 0: the edge's default")
	c.AddCommand(set)

	var dsite, dname string
	del := &cobra.Command{
		Use: "delete --site NAME --name LINK", Short: "Delete a WAN link", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dsite == "" || dname == "" {
				return errors.New("--site and --name: required")
			}
			r := &pb.DeleteLinkResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.DeleteLink(ctx, &pb.DeleteLinkRequest{Network: o.network, SiteName: dsite, LinkName: dname})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) { fmt.Fprintf(w, "link %s of site %s deleted\n", dname, dsite) })
		},
	}
	del.Flags().StringVar(&dsite, "site", "", "site (required)")
	del.Flags().StringVar(&dname, "name", "", "link name (required)")
	c.AddCommand(del)
	return c
}

// ---- prefixes ----

func ctlPrefixesCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "prefixes", Short: "List, add and delete the sites' LAN prefixes"}
	var site string
	list := &cobra.Command{
		Use: "list [--site NAME]", Short: "List LAN prefixes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r *pb.ListPrefixesResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ListPrefixes(ctx, &pb.ListPrefixesRequest{Network: o.network, SiteName: site})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "SITE\tPREFIX")
				for _, p := range r.Prefixes {
					fmt.Fprintf(w, "%s\t%s\n", p.SiteName, p.Prefix)
				}
			})
		},
	}
	list.Flags().StringVar(&site, "site", "", "only this site's prefixes")
	c.AddCommand(list)
	var asite string
	add := &cobra.Command{
		Use: "add --site NAME PREFIX", Short: "Give a LAN prefix to a site", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asite == "" {
				return errors.New("--site: required")
			}
			var p *pb.LanPrefix
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				p, err = a.AddPrefix(ctx, &pb.AddPrefixRequest{Network: o.network, Prefix: &pb.LanPrefix{SiteName: asite, Prefix: args[0]}})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), p, func(w *tabwriter.Writer) { fmt.Fprintf(w, "%s added to site %s\n", p.Prefix, p.SiteName) })
		},
	}
	add.Flags().StringVar(&asite, "site", "", "site (required)")
	c.AddCommand(add)
	c.AddCommand(&cobra.Command{
		Use: "delete PREFIX", Short: "Take a LAN prefix away from its site", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := &pb.DeletePrefixResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.DeletePrefix(ctx, &pb.DeletePrefixRequest{Network: o.network, Prefix: args[0]})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) { fmt.Fprintf(w, "%s deleted\n", args[0]) })
		},
	})
	return c
}

// ---- paths ----

func ctlPathsCmd(o *ctlOpts) *cobra.Command {
	var site string
	c := &cobra.Command{
		Use: "paths [--site NAME]", Short: "List the network's paths with their latest sample", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := &pb.ListPathsResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				for tok := ""; ; {
					r, err := a.ListPaths(ctx, &pb.ListPathsRequest{Network: o.network, SiteName: site, PageToken: tok})
					if err != nil {
						return err
					}
					all.Paths = append(all.Paths, r.Paths...)
					if tok = r.NextPageToken; tok == "" {
						return nil
					}
				}
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), all, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "PATH\tSTATE\tLATENCY MS\tJITTER MS\tLOSS %\tAT")
				for _, p := range all.Paths {
					if p.Latest == nil {
						fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\n", p.PathId)
						continue
					}
					l := p.Latest
					fmt.Fprintf(w, "%s\t%s\t%.2f\t%.2f\t%.2f\t%s\n", p.PathId, ctlEnum(l.State, "PATH_STATE_"), l.LatencyMs, l.JitterMs, l.LossPct, ctlStamp(l.MeasuredAt))
				}
			})
		},
	}
	c.Flags().StringVar(&site, "site", "", "only this site's paths")
	return c
}

// ---- events ----

func ctlEventsCmd(o *ctlOpts) *cobra.Command {
	var site string
	var since time.Duration
	var limit uint32
	c := &cobra.Command{
		Use: "events [--site NAME] [--since 1h] [--limit N]", Short: "List the network's events, newest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since < 0 {
				return fmt.Errorf("--since: %v is negative", since)
			}
			req := &pb.ListEventsRequest{Network: o.network, SiteName: site, PageSize: limit}
			if since > 0 {
				req.Since = timestamppb.New(time.Now().Add(-since))
			}
			var r *pb.ListEventsResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ListEvents(ctx, req)
				return err
			})
			if err != nil {
				return err
			}
			r.NextPageToken = ""
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "AT\tSITE\tKIND\tPATH\tFLOWS MOVED\tREASON")
				for _, e := range r.Events {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", ctlStamp(e.At), ctlDash(e.SiteName), e.Kind, ctlDash(e.PathId), e.FlowsMoved, e.Reason)
				}
			})
		},
	}
	c.Flags().StringVar(&site, "site", "", "only this site's events")
	c.Flags().DurationVar(&since, "since", 0, "only events of this last duration; 0: all")
	c.Flags().Uint32Var(&limit, "limit", 100, "at most this many events")
	return c
}

// ---- policies ----

func ctlPoliciesCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{
		Use:   "policies",
		Short: "Get and set the network's SLA classes, applications, policies and steering timers",
		Long: `The file is YAML with the keys of an edge configuration file's steering part:
sla_classes, applications, disable_builtin_applications, policies, steering,
quality_model (package policy; see docs/CONTROLLER.md). 'set' checks the file
as the controller will and reports every problem by field path. 'set' replaces the whole set; every edge of the
network gets it.`,
	}
	c.AddCommand(&cobra.Command{
		Use: "get", Short: "Print the policy set as YAML (or JSON with --json)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ps *pb.PolicySet
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				ps, err = a.GetPolicies(ctx, &pb.GetPoliciesRequest{Network: o.network})
				return err
			})
			if err != nil {
				return err
			}
			if o.json {
				return o.print(cmd.OutOrStdout(), ps, nil)
			}
			b, err := yaml.Marshal(policy.FromProto(ps))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "# revision %d\n%s", ps.Revision, b)
			return err
		},
	})
	var expected uint64
	set := &cobra.Command{
		Use: "set FILE", Short: "Replace the policy set with FILE's", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			f, err := policy.ParseYAML(raw)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			ps, err := f.ToProto()
			if err != nil {
				return fmt.Errorf("%s:\n%w", args[0], err)
			}
			var got *pb.PolicySet
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				got, err = a.SetPolicies(ctx, &pb.SetPoliciesRequest{Network: o.network, Policies: ps, ExpectedRevision: expected})
				return err
			})
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return o.print(cmd.OutOrStdout(), got, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "policies of network %s set: revision %d, %d SLA classes, %d applications, %d policies\n",
					o.network, got.Revision, len(got.SlaClasses), len(got.Applications), len(got.Policies))
			})
		},
	}
	set.Flags().Uint64Var(&expected, "expected-revision", 0, "refuse unless the network is at this revision (from 'policies get'); 0: any")
	c.AddCommand(set)
	return c
}
