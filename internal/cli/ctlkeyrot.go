package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// keyRotationPoll is how often 'ctl sites rotate-key --wait' reads the
// site.
const keyRotationPoll = 500 * time.Millisecond

func ctlSiteRotateKeyCmd(o *ctlOpts) *cobra.Command {
	var wait time.Duration
	c := &cobra.Command{
		Use:   "rotate-key NAME [--wait 2m]",
		Short: "Rotate a site's WireGuard key without losing traffic: its edge makes a new key and moves its paths to it one at a time",
		Long: "Asks the site's edge for a new WireGuard key. The edge makes it, registers it with the controller, the site's\n" +
			"peers learn it, and the edge moves its paths to it one at a time while the others carry the traffic; then the\n" +
			"controller makes it the site's key. An edge that is offline starts when it connects. With --wait, waits until\n" +
			"the rotation is done (or the time is up: the rotation goes on).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if wait < 0 {
				return fmt.Errorf("--wait: %v is negative", wait)
			}
			var s *pb.SiteInfo
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				s, err = a.RotateSiteKey(ctx, &pb.RotateSiteKeyRequest{Network: o.network, SiteName: args[0]})
				return err
			})
			if err == nil && wait > 0 {
				s, err = ctlWaitRotation(o, args[0], wait)
			}
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), s, func(w *tabwriter.Writer) { ctlSiteText(w, s) })
		},
	}
	c.Flags().DurationVar(&wait, "wait", 0, "wait this long for the rotation to end (0: do not wait)")
	return c
}

// ctlWaitRotation reads the site until its rotation ended, for at most
// limit.
func ctlWaitRotation(o *ctlOpts, name string, limit time.Duration) (*pb.SiteInfo, error) {
	deadline := time.Now().Add(limit)
	for {
		var s *pb.SiteInfo
		err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
			s, err = a.GetSite(ctx, &pb.GetSiteRequest{Network: o.network, SiteName: name})
			return err
		})
		switch {
		case err != nil:
			return nil, err
		case !s.KeyRotation:
			return s, nil
		case time.Now().After(deadline):
			return nil, fmt.Errorf("site %s: key rotation not done after %v (it goes on; see 'ctl sites show %s')", name, limit, name)
		}
		time.Sleep(keyRotationPoll)
	}
}

// ctlKeyRotationText prints a site's key rotation, when one is in
// progress or was done.
func ctlKeyRotationText(w *tabwriter.Writer, s *pb.SiteInfo) {
	switch {
	case s.KeyRotation && len(s.NextWireguardPublicKey) == 0:
		fmt.Fprintf(w, "key rotation:\tasked for, waiting for the edge's new key\n")
	case s.KeyRotation:
		fmt.Fprintf(w, "key rotation:\tin progress to %x\n", s.NextWireguardPublicKey)
	case s.KeyRotatedAt != nil:
		fmt.Fprintf(w, "key rotated:\t%s\n", ctlStamp(s.KeyRotatedAt))
	}
}
