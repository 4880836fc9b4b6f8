package cli

import (
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
)

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
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			dp, err := dataplane.Start(v, log)
			if err != nil {
				return err
			}
			log.Info("edge up", "site", v.Name, "paths", len(dp.Paths()))
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
			s := <-sig
			log.Info("stopping", "signal", s.String())
			return dp.Close()
		},
	}
	c.Flags().StringVar(&file, "config", "", "edge configuration file (see patronus config validate)")
	return c
}
