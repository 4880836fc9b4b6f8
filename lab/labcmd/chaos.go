package labcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/lab"
)

func newLabChaosCmd(root *string) *cobra.Command {
	o := lab.ChaosOptions{}
	var asJSON bool
	c := &cobra.Command{
		Use:   "chaos [--name NAME] --duration D [--seed N] [--json]",
		Short: "Inject random faults into a running lab while traffic runs, then check what must hold",
		Long: `Against a running lab (with a controller and a policy that duplicates voice,
see docs/LAB.md#chaos), for --duration: links cut, flapped, made lossy,
delayed and jittery, every link of a site cut for at most --max-site-cut,
the controller killed with SIGKILL and restarted, an edge restarted, one
fault at a time, drawn from --seed; meanwhile between every pair of sites a
duplicated voice stream, a best-path stream and TCP transfers of random
files checked by SHA-256. Then: every file exact, the duplicated streams
lost nothing outside outages, no path stuck down, telemetry stored after
the last controller restart, the processes' descriptors, threads and memory
within bounds. Exits non-zero naming each invariant that failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			o.Root, o.Binary, o.Log = *root, bin, cmd.ErrOrStderr()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			r, err := lab.Chaos(ctx, o)
			if r != nil {
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					if jerr := enc.Encode(r); jerr != nil {
						return jerr
					}
				} else {
					printChaos(cmd.OutOrStdout(), r)
				}
			}
			if err != nil {
				return err
			}
			if len(r.Failures) > 0 {
				return fmt.Errorf("%d invariants failed: %s", len(r.Failures), strings.Join(r.Failures, "; "))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.Name, "name", defaultLab, "lab name")
	f.DurationVar(&o.Duration, "duration", 10*time.Minute, "how long to inject faults (10s to 24h)")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the fault generator: the same seed draws the same faults")
	f.DurationVar(&o.MaxSiteCut, "max-site-cut", lab.DefaultMaxSiteCut, "longest time every link of a site is cut together")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

func printChaos(out io.Writer, r *lab.ChaosReport) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "chaos on lab %s, seed %d: %.0f s of faults, %d sites\n", r.Lab, r.Seed, r.ChaosS, r.Sites)
	var kinds []string
	for _, k := range lab.FaultKinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, r.Faults[k]))
	}
	causes := map[string]int{}
	for _, o := range r.Outages {
		causes[o.Cause]++
		if o.Unexplained {
			causes["unexplained"]++
		}
	}
	fmt.Fprintf(w, "faults: %s\n", strings.Join(kinds, ", "))
	fmt.Fprintf(w, "outages (every path of a site, or between two sites, down): %d injected, %d observed, %d of them unexplained by a fault\n",
		causes[lab.FaultSiteCut]+causes[lab.FaultEdgeRestart], causes["observed"], causes["unexplained"])
	fmt.Fprintf(w, "bytes moved: %d\n\nSTREAM\tMODE\tSENT\tRECEIVED\tLOST\tIN OUTAGES\n", r.Bytes)
	for _, s := range r.Streams {
		fmt.Fprintf(w, "%s->%s\t%s\t%d\t%d\t%d\t%d\n", s.From, s.To, s.Mode, s.Sent, s.Received, s.Lost, s.LostInOutages)
	}
	fmt.Fprintln(w, "\nFILES\tSENT\tEXACT\tCORRUPTED\tBROKEN\tBYTES")
	for _, f := range r.Files {
		fmt.Fprintf(w, "%s->%s\t%d\t%d\t%d\t%d\t%d\n", f.From, f.To, f.Sent, f.Exact, f.Corrupted, len(f.Failed), f.Bytes)
	}
	fmt.Fprintln(w, "\nPROCESS\tFDS\tTHREADS\tRSS KIB")
	for _, p := range r.Resources {
		fmt.Fprintf(w, "%s\t%d -> %d\t%d -> %d\t%d -> %d\t%s\n", p.Name, p.Before.FDs, p.After.FDs, p.Before.Threads, p.After.Threads, p.Before.RSSKiB, p.After.RSSKiB, p.Over)
	}
	fmt.Fprintf(w, "\ntelemetry: %d of %d paths with a sample since the controller's last start\n", r.Telemetry.Fresh, r.Telemetry.Paths)
	fmt.Fprintf(w, "paths stuck down: %d\n", len(r.PathsDown))
	if len(r.Failures) == 0 {
		fmt.Fprintln(w, "every invariant held")
	}
	for _, f := range r.Failures {
		fmt.Fprintln(w, "FAILED "+f)
	}
	_ = w.Flush()
}
