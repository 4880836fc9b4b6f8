package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/bgp"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

func newBGPCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "bgp",
		Short: "Show the running edge's BGP speaker: neighbours (the site's routers) and routes",
	}
	c.AddCommand(newBGPShowCmd(), newBGPRoutesCmd())
	return c
}

func newBGPShowCmd() *cobra.Command {
	var sock string
	var asJSON bool
	c := &cobra.Command{
		Use:   "show",
		Short: "List the BGP neighbours: state, prefixes received/accepted/advertised, BFD, recent state changes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var a bgpAnswer
			raw, err := ctlsock.Get(sock, "/bgp", &a)
			if err != nil {
				return fmt.Errorf("--control-socket %s: %w (is patronus edge running?)", sock, err)
			}
			if asJSON {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			if !a.Enabled {
				return errors.New("bgp: off on this edge (no bgp section in its configuration)")
			}
			return printBGP(cmd, a.Status)
		},
	}
	c.Flags().StringVar(&sock, "control-socket", DefaultEdgeSocket, "control socket of the running edge")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printBGP(cmd *cobra.Command, st *bgp.Status) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "local AS %d, router ID %s, overlay AS %d: %d prefixes of other sites advertised, %d learned\n\n",
		st.LocalAS, st.RouterID, st.OverlayAS, st.Advertised, st.Learned)
	fmt.Fprintln(w, "NEIGHBOR\tREMOTE AS\tSTATE\tRECEIVED\tACCEPTED\tADVERTISED\tMAX\tBFD\tREASON")
	for _, n := range st.Neighbors {
		fmt.Fprintf(w, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", n.Address, n.RemoteAS, n.State, n.Received, n.Accepted,
			n.Advertised, n.MaxPrefixes, dash(n.BFDState), dash(n.Reason))
	}
	if len(st.Events) > 0 {
		fmt.Fprintln(w, "\nTIME\tNEIGHBOR\tFROM\tTO\tREASON")
		for _, e := range st.Events {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.Time.Format("15:04:05.000"), e.Neighbor, e.From, e.To, dash(e.Reason))
		}
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newBGPRoutesCmd() *cobra.Command {
	var sock string
	var asJSON bool
	c := &cobra.Command{
		Use:   "routes",
		Short: "List the BGP table: the routers' routes and the other sites' prefixes advertised to them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rs []bgp.Route
			raw, err := ctlsock.Get(sock, "/bgp/routes", &rs)
			if err != nil {
				return fmt.Errorf("--control-socket %s: %w (is patronus edge running?)", sock, err)
			}
			if asJSON {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PREFIX\tNEXT HOP\tFROM\tBEST\tAS PATH\tMED\tCOMMUNITIES")
			for _, r := range rs {
				med := "-"
				if r.MED != nil {
					med = fmt.Sprint(*r.MED)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\t%s\n", r.Prefix, dash(r.NextHop), r.From, r.Best, dash(r.ASPath), med,
					dash(strings.Join(r.Communities, " ")))
			}
			return w.Flush()
		},
	}
	c.Flags().StringVar(&sock, "control-socket", DefaultEdgeSocket, "control socket of the running edge")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
