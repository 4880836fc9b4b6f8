package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// ---- bgp ----

func ctlBGPCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{
		Use:   "bgp",
		Short: "Set a site's BGP speaker towards its routers (local AS, router ID, neighbours)",
		Long: `A site's edge speaks BGP with the site's routers (docs/BGP.md): it advertises
the other sites' prefixes to them and learns theirs, which the controller then
distributes to the other sites. 'set' gives the site its local AS; 'neighbor
add' and 'neighbor remove' manage its routers; 'options' sets its listening
port and graceful restart, 'policy' its import and export policies. Changes
reach the edge at once.`,
	}
	nb := &cobra.Command{Use: "neighbor", Short: "Add or remove a router of a site"}
	nb.AddCommand(ctlBGPNeighborAddCmd(o), ctlBGPNeighborRemoveCmd(o))
	c.AddCommand(ctlBGPShowCmd(o), ctlBGPSetCmd(o), nb, ctlBGPOptionsCmd(o), ctlBGPPolicyCmd(o))
	return c
}

func printSiteBGP(o *ctlOpts, cmd *cobra.Command, b *pb.SiteBgp) error {
	return o.print(cmd.OutOrStdout(), b, func(w *tabwriter.Writer) {
		if b.Bgp == nil {
			fmt.Fprintf(w, "site %s: no BGP\n", b.SiteName)
			return
		}
		fmt.Fprintf(w, "site %s: local AS %d, router ID %s, %d learned prefixes\n\n", b.SiteName, b.Bgp.LocalAs,
			dash(b.Bgp.RouterId), len(b.LearnedPrefixes))
		fmt.Fprintln(w, "NEIGHBOR\tREMOTE AS\tPASSWORD\tBFD\tMAX PREFIXES\tRESTART")
		for _, n := range b.Bgp.Neighbors {
			fmt.Fprintf(w, "%s\t%d\t%v\t%v\t%d\t%s\n", n.Address, n.RemoteAs, n.PasswordSet, n.Bfd, n.MaxPrefixes, restartText(n.MaxPrefixesRestartSeconds))
		}
		printBGPOptions(w, b.Bgp)
		printBGPStatus(w, b)
	})
}

func ctlBGPShowCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "show SITE", Short: "Show a site's BGP speaker and the prefixes its routers announce", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out *pb.SiteBgp
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				out, err = a.GetBgp(ctx, &pb.GetBgpRequest{Network: o.network, SiteName: args[0]})
				return err
			})
			if err != nil {
				return err
			}
			return printSiteBGP(o, cmd, out)
		},
	}
}

// parseASN reads a 4-byte AS number, plain (4200000001) or asdot (64086.59905).
func parseASN(flag, s string) (uint32, error) {
	hi, lo, dot := strings.Cut(s, ".")
	if !dot {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			return 0, fmt.Errorf("%s: %q is not an AS number 1..4294967295", flag, s)
		}
		return uint32(n), nil
	}
	h, err1 := strconv.ParseUint(hi, 10, 16)
	l, err2 := strconv.ParseUint(lo, 10, 16)
	if err1 != nil || err2 != nil || h<<16|l == 0 {
		return 0, fmt.Errorf("%s: %q is not an AS number (asdot: 0..65535.0..65535)", flag, s)
	}
	return uint32(h<<16 | l), nil
}

func ctlBGPSetCmd(o *ctlOpts) *cobra.Command {
	var asn, rid string
	c := &cobra.Command{
		Use: "set SITE --local-as N [--router-id ADDR]", Short: "Set a site's local AS and router ID (its neighbours are kept)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asn == "" {
				return errors.New("--local-as: required")
			}
			as, err := parseASN("--local-as", asn)
			if err != nil {
				return err
			}
			if rid != "" {
				if a, err := netip.ParseAddr(rid); err != nil || !a.Is4() {
					return fmt.Errorf("--router-id: %q is not an IPv4 address", rid)
				}
			}
			var out *pb.SiteBgp
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				out, err = a.SetBgp(ctx, &pb.SetBgpRequest{Network: o.network, SiteName: args[0], LocalAs: as, RouterId: rid})
				return err
			})
			if err != nil {
				return err
			}
			return printSiteBGP(o, cmd, out)
		},
	}
	c.Flags().StringVar(&asn, "local-as", "", "the site's AS number (4-byte; plain or asdot)")
	c.Flags().StringVar(&rid, "router-id", "", "BGP identifier, an IPv4 address (default: the edge's address towards its first IPv4 neighbour)")
	return c
}

func ctlBGPNeighborAddCmd(o *ctlOpts) *cobra.Command {
	var asn, pwFile string
	var bfd bool
	var maxPrefixes uint32
	var restart time.Duration
	c := &cobra.Command{
		Use:   "add SITE ADDR --remote-as N [--password-file F] [--bfd] [--max-prefixes N] [--max-prefixes-restart D]",
		Short: "Add (or replace) a router of a site",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := netip.ParseAddr(args[1])
			if err != nil {
				return fmt.Errorf("ADDR: %q is not an IP address", args[1])
			}
			if asn == "" {
				return errors.New("--remote-as: required")
			}
			as, err := parseASN("--remote-as", asn)
			if err != nil {
				return err
			}
			n := &pb.BgpNeighbor{Address: addr.String(), RemoteAs: as, Bfd: bfd, MaxPrefixes: maxPrefixes}
			if restart != 0 {
				if restart < time.Second || restart > 24*time.Hour || restart%time.Second != 0 {
					return fmt.Errorf("--max-prefixes-restart: %v: want whole seconds from 1s to 24h", restart)
				}
				n.MaxPrefixesRestartSeconds = uint32(restart / time.Second)
			}
			if pwFile != "" {
				if n.Password, err = readPasswordFile(pwFile); err != nil {
					return err
				}
			}
			var out *pb.SiteBgp
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				out, err = a.AddBgpNeighbor(ctx, &pb.AddBgpNeighborRequest{Network: o.network, SiteName: args[0], Neighbor: n})
				return err
			})
			if err != nil {
				return err
			}
			return printSiteBGP(o, cmd, out)
		},
	}
	c.Flags().StringVar(&asn, "remote-as", "", "the router's AS number (the site's own: iBGP)")
	c.Flags().StringVar(&pwFile, "password-file", "", "file holding the TCP MD5 password (mode 0600; one line)")
	c.Flags().BoolVar(&bfd, "bfd", false, "run BFD with the router: its session goes down as soon as BFD does (RFC 5882)")
	c.Flags().Uint32Var(&maxPrefixes, "max-prefixes", 0, "close the session when the router sends more prefixes (0: the edge's default, 10000)")
	c.Flags().DurationVar(&restart, "max-prefixes-restart", 0, "try a session closed by its prefix limit again after this long (0: the edge's default, 1m)")
	return c
}

// readPasswordFile reads a TCP MD5 password from a file only its owner
// can read; the password never appears in an error.
func readPasswordFile(file string) (string, error) {
	st, err := os.Stat(file)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("--password-file: %s is readable by group or others (mode %o): chmod 600 it", file, st.Mode().Perm())
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	pw := strings.TrimRight(string(raw), "\r\n")
	if msg := config.CheckBGPPassword(pw); msg != "" {
		return "", fmt.Errorf("--password-file: %s: %s", file, msg)
	}
	return pw, nil
}

func ctlBGPNeighborRemoveCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "remove SITE ADDR", Short: "Remove a router of a site", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out *pb.SiteBgp
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				out, err = a.RemoveBgpNeighbor(ctx, &pb.RemoveBgpNeighborRequest{Network: o.network, SiteName: args[0], Address: args[1]})
				return err
			})
			if err != nil {
				return err
			}
			return printSiteBGP(o, cmd, out)
		},
	}
}

// restartText is a neighbour's max_prefixes_restart; 0 is the edge's
// default.
func restartText(s uint32) string {
	if s == 0 {
		return "default"
	}
	return (time.Duration(s) * time.Second).String()
}
