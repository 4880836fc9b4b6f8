// Package cli wires the patronus command line: one cobra command tree,
// each subcommand a thin layer over a package that does the work.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/internal/ctlsock"
	"github.com/patronus-sdwan/patronus/internal/version"
	"github.com/patronus-sdwan/patronus/lab/labcmd"
)

// Main runs the command line and returns the process exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		var ee interface{ ExitCode() int }
		if errors.As(err, &ee) {
			return ee.ExitCode() // a command run for the user; it said what it had to
		}
		fmt.Fprintln(stderr, "patronus:", err)
		return 1
	}
	return 0
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "patronus",
		Short:         "Patronus SD-WAN: edge, controller, lab and operator tools",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// In a lab's edge node (patronus lab exec), the edge's control
			// socket comes from the environment unless given.
			if f := cmd.Flags().Lookup("control-socket"); f != nil && !f.Changed && (cmd.Parent() == nil || cmd.Parent().Name() != "bfd") {
				if v := os.Getenv(ctlsock.SocketEnv); v != "" {
					return f.Value.Set(v)
				}
			}
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newVersionCmd(), newBFDCmd(), newKeygenCmd(), newConfigCmd(), newEdgeCmd(), newStatusCmd(), newPathsCmd(), newEventsCmd(), newFlowsCmd(), newPinCmd(), newBGPCmd(), newRelayCmd(), labcmd.Command(), newControllerCmd(), newCtlCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "patronus", version.String())
			return err
		},
	}
}
