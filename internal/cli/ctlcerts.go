package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// ---- certs ----

func ctlCertsCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "certs", Short: "List the sites' certificates; revoke one certificate (a site's or an operator's) by serial"}
	var site string
	list := &cobra.Command{
		Use: "list [--site NAME]", Short: "List the certificates issued to the network's sites", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r *pb.ListCertificatesResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ListCertificates(ctx, &pb.ListCertificatesRequest{Network: o.network, SiteName: site})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "SITE\tSERIAL\tISSUED\tNOT AFTER\tREVOKED\tREASON")
				for _, x := range r.Certificates {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", x.SiteName, x.Serial, ctlStamp(x.IssuedAt), ctlStamp(x.NotAfter),
						ctlStamp(x.RevokedAt), ctlDash(x.Reason))
				}
			})
		},
	}
	list.Flags().StringVar(&site, "site", "", "only this site's")
	var reason string
	revoke := &cobra.Command{
		Use:   "revoke SERIAL [--reason TEXT]",
		Short: "Revoke one certificate by its serial (decimal): a site's (the site stays; its streams opened with it end) or an operator's",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r *pb.CertificateInfo
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.RevokeCertificate(ctx, &pb.RevokeCertificateRequest{Serial: args[0], Reason: reason})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				who := "operator " + r.Operator
				if r.SiteName != "" {
					who = "site " + r.SiteName + " (network " + r.Network + ")"
				}
				fmt.Fprintf(w, "certificate %s of %s revoked at %s: %s\n", r.Serial, who, ctlStamp(r.RevokedAt), r.Reason)
			})
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "", "why, recorded with the revocation")
	c.AddCommand(list, revoke)
	return c
}
