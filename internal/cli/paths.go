package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// edgeView is a command that reads the running edge's control socket and
// prints what it got for people, or as JSON.
func edgeView(use, short string, path string, print func(cmd *cobra.Command, raw []byte) error) *cobra.Command {
	var sock string
	var asJSON bool
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var raw json.RawMessage
			if _, err := ctlsock.Get(sock, path, &raw); err != nil {
				return fmt.Errorf("--control-socket %s: %w (is patronus edge running?)", sock, err)
			}
			if asJSON {
				_, err := cmd.OutOrStdout().Write(append(raw, '\n'))
				return err
			}
			return print(cmd, raw)
		},
	}
	c.Flags().StringVar(&sock, "control-socket", DefaultEdgeSocket, "control socket of the running edge")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newPathsCmd() *cobra.Command {
	return edgeView("paths", "Show every path's state, BFD, transport (direct or relayed), latency, jitter, loss and flows", "/status",
		func(cmd *cobra.Command, raw []byte) error {
			var st localapi.Status
			if err := json.Unmarshal(raw, &st); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PATH\tSTATE\tBFD\tTRANSPORT\tSCORE\tLATENCY\tJITTER\tLOSS\tFLOWS\tTX PKTS\tRX PKTS")
			for _, p := range st.Paths {
				state := p.State
				if p.Suppressed {
					state += " (suppressed)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%d\t%d\t%d\n", p.ID, state, p.BFDState, transport(p.Transport, p.RemoteNAT), p.Score,
					optMS(p.LatencyMS), optMS(p.JitterMS), optPct(p.LossPct), p.ActiveFlows, p.TxPackets, p.RxPackets)
			}
			return w.Flush()
		})
}

func newEventsCmd() *cobra.Command {
	var all bool
	c := edgeView("events", "Show steering's log: path state changes and decisions that moved flows", "/status",
		func(cmd *cobra.Command, raw []byte) error {
			var st localapi.Status
			if err := json.Unmarshal(raw, &st); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "TIME\tKIND\tPATH\tPOLICY\tFLOWS MOVED\tREASON")
			hidden := 0
			for _, e := range st.Events {
				if !all && e.Kind == steer.Decision && e.FlowsMoved == 0 {
					hidden++
					continue
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", e.Time.Local().Format("15:04:05.000"), e.Kind, e.PathID, e.Policy, e.FlowsMoved, e.Reason)
			}
			if hidden > 0 {
				fmt.Fprintf(w, "(%d decisions that moved no active flow not shown: --all)\n", hidden)
			}
			if st.EventsDropped > 0 {
				fmt.Fprintf(w, "(%d older events no longer kept)\n", st.EventsDropped)
			}
			return w.Flush()
		})
	c.Flags().BoolVar(&all, "all", false, "also the decisions that moved no active flow (a policy without traffic to the site)")
	return c
}

func newFlowsCmd() *cobra.Command {
	return edgeView("flows", "Show the flows the edge classified: application, class, policy, server name", "/flows",
		func(cmd *cobra.Command, raw []byte) error {
			var fl localapi.FlowsAnswer
			if err := json.Unmarshal(raw, &fl); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PROTO\tSRC\tDST\tAPP\tCLASS\tPOLICY\tNAME\tPATH\tTX\tRX\tAGE\tIDLE")
			for _, f := range fl.Flows {
				name := f.Name
				if f.NameFrom != "" {
					name += " (" + f.NameFrom + ")"
				}
				path := f.Path
				if path == "" {
					path = "-"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", f.Proto, hostPort(f.Src, f.SrcPort), hostPort(f.Dst, f.DstPort),
					f.App, f.Class, f.Policy, name, path, f.TxBytes, f.RxBytes, time.Since(f.Started).Round(time.Second),
					time.Since(f.LastSeen).Round(time.Second))
			}
			if fl.Total > len(fl.Flows) {
				fmt.Fprintf(w, "(%d more flows not shown)\n", fl.Total-len(fl.Flows))
			}
			return w.Flush()
		})
}

func hostPort(a string, p uint16) string {
	if p == 0 {
		return a
	}
	if strings.Contains(a, ":") {
		return fmt.Sprintf("[%s]:%d", a, p)
	}
	return fmt.Sprintf("%s:%d", a, p)
}

func optMS(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fms", *v)
}

func optPct(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", *v)
}

// transport is a path's transport as `patronus paths` shows it: "direct",
// "direct (nat)" to a peer link behind NAT, "relayed".
func transport(t, remoteNAT string) string {
	if remoteNAT != "" {
		return t + " (nat)"
	}
	return t
}
