package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/config"
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
	return c
}
