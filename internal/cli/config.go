package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

func newConfigCmd() *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Work with edge configuration files"}
	c.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check an edge configuration file and report every error with its field path",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := config.Load(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: valid: site %s (id %d), %d links, %d peers, %d paths\n",
				args[0], v.Name, v.ID, len(v.Links), len(v.Peers), v.Paths())
			return err
		},
	})
	var sock string
	apply := &cobra.Command{
		Use:   "apply FILE",
		Short: "Put a whole configuration in force in the running edge, without restarting unchanged paths",
		Long: `Sends FILE to the running edge (PUT /config on its control socket). The edge
validates it (every error with its field path), refuses changes it cannot
make while running (site, key, overlay interface and MTU, WAN links), and
otherwise adds and removes peers, routes, compression settings and pins;
paths of unchanged peers keep their sessions and counters. Prints what
changed. Sending SIGHUP to the edge re-reads its own file the same way.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			out, err := ctlsock.PutBody(sock, "/config", raw)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	apply.Flags().StringVar(&sock, "control-socket", DefaultEdgeSocket, "control socket of the running edge")
	c.AddCommand(apply)
	return c
}
