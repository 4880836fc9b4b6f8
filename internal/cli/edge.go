package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
)

// notYet refuses settings this version of the edge would accept without
// honouring them.
func notYet(v *config.Valid) error {
	switch {
	case v.Set.Compression && v.Compression:
		return errors.New("defaults.compression: true is not implemented by this version of the edge; remove it or set false")
	case v.Set.BFD:
		return errors.New("defaults.bfd: this version of the edge runs no BFD in its paths yet; remove the section")
	}
	return nil
}

func newEdgeCmd() *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "edge --config FILE",
		Short: "Run a site's edge: encrypted tunnels over every WAN link to every peer site (static mode)",
		Long: `Runs the edge data plane of a site from its configuration file: the overlay
interface with routes to the peer sites' prefixes, and one WireGuard tunnel
per path (local WAN link x remote WAN link). This version uses the first
path by static preference (lowest local link cost); BFD in the paths,
steering, failover and compression are not in it yet. Runs until SIGINT or
SIGTERM, then removes the overlay interface.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("--config: required")
			}
			v, err := config.Load(file)
			if err != nil {
				return err
			}
			if err := notYet(v); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			dp, err := dataplane.Start(v, log)
			if err != nil {
				return err
			}
			log.Info("edge up", "site", v.Name, "paths", len(dp.Paths()))
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
			s := <-sig
			st := &dp.Stats
			log.Info("stopping", "signal", s.String(),
				"from_overlay", st.FromOverlay.Load(), "to_overlay", st.ToOverlay.Load(),
				"no_route", st.NoRoute.Load(), "no_path", st.NoPath.Load(), "queue_full", st.QueueFull.Load(),
				"malformed", st.Malformed.Load(), "source_rejected", st.SourceRejected.Load())
			return dp.Close()
		},
	}
	c.Flags().StringVar(&file, "config", "", "edge configuration file (see patronus config validate)")
	return c
}
