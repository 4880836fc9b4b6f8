package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// ---- operators ----

func ctlOperatorsCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "operators", Short: "Issue, renew, list and revoke operator certificates (one per person)"}
	c.AddCommand(ctlOperatorsIssueCmd(o), ctlOperatorsRenewCmd(o))
	c.AddCommand(&cobra.Command{
		Use: "list", Short: "List the operator certificates the controller issued", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r *pb.ListOperatorsResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ListOperators(ctx, &pb.ListOperatorsRequest{})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) { ctlOperatorsText(w, r) })
		},
	})
	var reason string
	revoke := &cobra.Command{
		Use: "revoke NAME", Short: "Revoke an operator's certificates: refused from the next call on", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r *pb.ListOperatorsResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.RevokeOperator(ctx, &pb.RevokeOperatorRequest{Name: args[0], Reason: reason})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) { ctlOperatorsText(w, r) })
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "", "why, recorded with the revocation")
	c.AddCommand(revoke)
	return c
}

// ctlOperatorsIssueCmd makes a key here, has the controller sign its CSR
// for NAME, and writes the credentials to --out (the key never leaves
// this machine).
func ctlOperatorsIssueCmd(o *ctlOpts) *cobra.Command {
	var out string
	var validity time.Duration
	c := &cobra.Command{
		Use: "issue NAME --out DIR [--validity 8760h]", Short: "Issue operator credentials for a person into DIR", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out: required: the directory to write the credentials to")
			}
			if _, err := pki.LoadIdentity(out); !errors.Is(err, pki.ErrNoIdentity) {
				return fmt.Errorf("--out: %s already holds credentials (or cannot be read): choose a new directory", out)
			}
			key, err := pki.NewKey()
			if err != nil {
				return err
			}
			csr, err := pki.CreateCSR(key)
			if err != nil {
				return err
			}
			var r *pb.IssueOperatorResponse
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.IssueOperator(ctx, &pb.IssueOperatorRequest{Name: args[0], CsrDer: csr, Validity: durationpb.New(validity)})
				return err
			})
			if err != nil {
				return err
			}
			if err := saveIssued(out, key, r); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "operator %s: certificate serial %s, valid until %s, written to %s (patronus ctl --credentials %s)\n",
					r.Certificate.Name, r.Certificate.Serial, ctlStamp(r.Certificate.NotAfter), out, out)
			})
		},
	}
	c.Flags().StringVar(&out, "out", "", "directory for identity.key, identity.crt and ca.crt (required; must not hold credentials)")
	c.Flags().DurationVar(&validity, "validity", pki.DefaultAdminValidity, "how long the certificate is good (at most 825 days)")
	return c
}

// ctlOperatorsRenewCmd renews the credentials ctl runs with: a new key
// made here, its certificate signed for the same operator, the
// --credentials directory replaced (the old certificate stays valid
// until it expires).
func ctlOperatorsRenewCmd(o *ctlOpts) *cobra.Command {
	var validity time.Duration
	c := &cobra.Command{
		Use: "renew [--validity 8760h]", Short: "Renew the operator certificate of --credentials in place, with a new key", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, err := pki.NewKey()
			if err != nil {
				return err
			}
			csr, err := pki.CreateCSR(key)
			if err != nil {
				return err
			}
			var r *pb.IssueOperatorResponse
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.RenewOperator(ctx, &pb.RenewOperatorRequest{CsrDer: csr, Validity: durationpb.New(validity)})
				return err
			})
			if err != nil {
				return err
			}
			if err := saveIssued(o.credentials, key, r); err != nil {
				return fmt.Errorf("--credentials: %w", err)
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "operator %s: new certificate serial %s, valid until %s, written to %s; the old one stays valid until it expires (revoke it with 'patronus ctl certs revoke SERIAL')\n",
					r.Certificate.Name, r.Certificate.Serial, ctlStamp(r.Certificate.NotAfter), o.credentials)
			})
		},
	}
	c.Flags().DurationVar(&validity, "validity", pki.DefaultAdminValidity, "how long the new certificate is good (at most 825 days)")
	return c
}

func saveIssued(dir string, key *ecdsa.PrivateKey, r *pb.IssueOperatorResponse) error {
	var chain []*x509.Certificate
	for _, der := range r.CertChainDer {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		chain = append(chain, c)
	}
	ca, err := x509.ParseCertificate(r.CaCertDer)
	if err != nil {
		return err
	}
	return pki.SaveIdentity(dir, key, chain, ca)
}

func ctlOperatorsText(w *tabwriter.Writer, r *pb.ListOperatorsResponse) {
	fmt.Fprintln(w, "NAME\tSERIAL\tISSUED BY\tISSUED\tNOT AFTER\tREVOKED\tREASON")
	for _, c := range r.Certificates {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Serial, ctlDash(c.IssuedBy), ctlStamp(c.IssuedAt),
			ctlStamp(c.NotAfter), ctlStamp(c.RevokedAt), ctlDash(c.Reason))
	}
}
