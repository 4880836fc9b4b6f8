package cli

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// ---- bgp options, bgp policy ----

func ctlBGPOptionsCmd(o *ctlOpts) *cobra.Command {
	var port int32
	var gr bool
	var overlayAS string
	var delay time.Duration
	c := &cobra.Command{
		Use: "options SITE [--listen-port N] [--graceful-restart=true|false] [--overlay-as N] [--readvertise-delay D]",
		Short: "Set a site's BGP listening port, graceful restart, overlay AS and damping delay " +
			"(flags left out keep their values)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := &pb.SetBgpOptionsRequest{Network: o.network, SiteName: args[0]}
			if cmd.Flags().Changed("listen-port") {
				if port < -1 || port > 65535 {
					return fmt.Errorf("--listen-port: %d: want 1..65535, 0 (179) or -1 (do not listen)", port)
				}
				req.ListenPort = &port
			}
			if cmd.Flags().Changed("graceful-restart") {
				req.GracefulRestart = &gr
			}
			if err := overlayOptions(cmd, req, overlayAS, delay); err != nil {
				return err
			}
			if req.ListenPort == nil && req.GracefulRestart == nil && req.OverlayAs == nil && req.ReadvertiseDelayMs == nil {
				return fmt.Errorf("nothing to set: give --listen-port, --graceful-restart, --overlay-as or --readvertise-delay")
			}
			var out *pb.SiteBgp
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				out, err = a.SetBgpOptions(ctx, req)
				return err
			})
			if err != nil {
				return err
			}
			return printSiteBGP(o, cmd, out)
		},
	}
	c.Flags().Int32Var(&port, "listen-port", 0, "TCP port the edge accepts BGP sessions on (0: 179; -1: do not listen, only connect)")
	c.Flags().BoolVar(&gr, "graceful-restart", true, "graceful restart helper (RFC 4724)")
	c.Flags().StringVar(&overlayAS, "overlay-as", "", "AS of the overlay's site-of-origin community (plain or asdot; 0: 4200000000)")
	c.Flags().DurationVar(&delay, "readvertise-delay", 0, "first damping hold-down before a site that came back is advertised (0s..1m)")
	return c
}

// overlayOptions puts --overlay-as and --readvertise-delay, when given,
// into req; the controller checks their ranges.
func overlayOptions(cmd *cobra.Command, req *pb.SetBgpOptionsRequest, overlayAS string, delay time.Duration) error {
	if cmd.Flags().Changed("overlay-as") {
		as := uint32(0)
		if overlayAS != "0" {
			var err error
			if as, err = parseASN("--overlay-as", overlayAS); err != nil {
				return err
			}
		}
		req.OverlayAs = &as
	}
	if cmd.Flags().Changed("readvertise-delay") {
		if delay < 0 || delay%time.Millisecond != 0 || delay > math.MaxUint32*time.Millisecond {
			return fmt.Errorf("--readvertise-delay: %s: want whole milliseconds from 0s (e.g. 1s, 500ms)", delay)
		}
		ms := uint32(delay / time.Millisecond)
		req.ReadvertiseDelayMs = &ms
	}
	return nil
}

func ctlBGPPolicyCmd(o *ctlOpts) *cobra.Command {
	var prefixes, asPaths, reject, add []string
	c := &cobra.Command{
		Use:   "policy SITE import|export [--prefix P[:MAXLEN]]... [--reject-as-path RE]... [--reject-community C]... [--add-community C]...",
		Short: "Replace a site's import or export policy (no flags: clear it)",
		Long: `The import policy filters the routes from the site's routers, the export
policy those the edge sends them (docs/BGP.md). A route passes when it matches
one of the --prefix entries (all routes when none are given; per family: a
family without entries passes nothing), no --reject-as-path regular
expression and no --reject-community; the --add-community communities are then
added. --prefix 10.0.0.0/8:24 also matches the longer prefixes in 10.0.0.0/8
up to /24.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[1] != "import" && args[1] != "export" {
				return fmt.Errorf("direction: %q: want import or export", args[1])
			}
			p := &pb.BgpPolicy{RejectAsPaths: asPaths, RejectCommunities: reject, AddCommunities: add}
			for i, s := range prefixes {
				m, err := parsePrefixMatch(s)
				if err != nil {
					return fmt.Errorf("--prefix[%d]: %w", i, err)
				}
				p.Prefixes = append(p.Prefixes, m)
			}
			var out *pb.SiteBgp
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				out, err = a.SetBgpPolicy(ctx, &pb.SetBgpPolicyRequest{Network: o.network, SiteName: args[0], Direction: args[1], Policy: p})
				return err
			})
			if err != nil {
				return err
			}
			return printSiteBGP(o, cmd, out)
		},
	}
	c.Flags().StringArrayVar(&prefixes, "prefix", nil, "a prefix that passes, with an optional maximum length: 10.0.0.0/8:24")
	c.Flags().StringArrayVar(&asPaths, "reject-as-path", nil, "refuse routes whose AS path matches this regular expression (_65999_)")
	c.Flags().StringArrayVar(&reject, "reject-community", nil, "refuse routes with this community (AS:VALUE)")
	c.Flags().StringArrayVar(&add, "add-community", nil, "add this community (AS:VALUE) to the routes that pass")
	return c
}

// parsePrefixMatch reads P or P:MAXLEN (the controller validates P).
func parsePrefixMatch(s string) (*pb.BgpPrefixMatch, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.Contains(s[i:], "/") || !strings.Contains(s[:i], "/") {
		return &pb.BgpPrefixMatch{Prefix: s}, nil
	}
	n, err := strconv.ParseUint(s[i+1:], 10, 8)
	if err != nil {
		return nil, fmt.Errorf("%q: the maximum length after ':' is not a number 0..128", s)
	}
	return &pb.BgpPrefixMatch{Prefix: s[:i], MaxLength: uint32(n)}, nil
}

// printBGPOptions writes a site's options and policies under its
// neighbours.
func printBGPOptions(w *tabwriter.Writer, b *pb.Bgp) {
	port := "179"
	switch p := b.ListenPort; {
	case p == -1:
		port = "none (connects only)"
	case p > 0:
		port = strconv.Itoa(int(p))
	}
	fmt.Fprintf(w, "\nlisten port %s, graceful restart %v\n", port, b.GracefulRestart == nil || *b.GracefulRestart)
	overlay, delay := "4200000000 (default)", "1s (default)"
	if b.OverlayAs != 0 {
		overlay = strconv.FormatUint(uint64(b.OverlayAs), 10)
	}
	if b.ReadvertiseDelayMs != nil {
		delay = (time.Duration(*b.ReadvertiseDelayMs) * time.Millisecond).String()
	}
	fmt.Fprintf(w, "overlay AS %s, readvertise delay %s\n", overlay, delay)
	for _, d := range []struct {
		name string
		p    *pb.BgpPolicy
	}{{"import", b.ImportPolicy}, {"export", b.ExportPolicy}} {
		fmt.Fprintf(w, "%s policy: %s\n", d.name, policyText(d.p))
	}
}

func policyText(p *pb.BgpPolicy) string {
	if p == nil {
		return "none"
	}
	var parts []string
	for _, m := range p.Prefixes {
		s := m.Prefix
		if m.MaxLength != 0 {
			s += fmt.Sprintf(" le %d", m.MaxLength)
		}
		parts = append(parts, "prefix "+s)
	}
	for _, re := range p.RejectAsPaths {
		parts = append(parts, "reject as-path "+re)
	}
	for _, c := range p.RejectCommunities {
		parts = append(parts, "reject community "+c)
	}
	for _, c := range p.AddCommunities {
		parts = append(parts, "add community "+c)
	}
	return strings.Join(parts, "; ")
}

// printBGPStatus writes the sessions as the site's edge last reported
// them.
func printBGPStatus(w *tabwriter.Writer, b *pb.SiteBgp) {
	if b.Status == nil {
		fmt.Fprintln(w, "\nsessions: not reported by the edge yet")
		return
	}
	fmt.Fprintf(w, "\nsessions, as the edge reported them at %s:\n", ctlStamp(b.ReportedAt))
	fmt.Fprintln(w, "NEIGHBOR\tSTATE\tREASON\tRECEIVED\tACCEPTED\tADVERTISED\tBFD")
	for _, n := range b.Status.Neighbors {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", n.Address, n.State, dash(n.Reason), n.Received, n.Accepted, n.Advertised, dash(n.BfdState))
	}
}
