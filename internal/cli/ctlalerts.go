package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// ---- alerts and their webhooks (docs/ALERTS.md) ----

func ctlAlertsCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "alerts", Short: "List the alerts firing; add, list, remove and test the webhooks they go to (docs/ALERTS.md)"}
	c.AddCommand(ctlAlertsListCmd(o), ctlWebhookCmd(o))
	return c
}

func ctlAlertsListCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the alerts firing now, oldest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r *pb.ListAlertsResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ListAlerts(ctx, &pb.ListAlertsRequest{})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "KIND\tNETWORK\tSUBJECT\tFIRED\tSUMMARY")
				for _, x := range r.Alerts {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", x.Kind, ctlDash(x.Network), x.Subject, ctlStamp(x.FiredAt), x.Summary)
				}
			})
		},
	}
}

func ctlWebhookCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "webhook", Short: "Add, list, remove and test alert webhooks"}
	c.AddCommand(ctlWebhookAddCmd(o), ctlWebhookListCmd(o), ctlWebhookRemoveCmd(o), ctlWebhookTestCmd(o))
	return c
}

func ctlWebhookAddCmd(o *ctlOpts) *cobra.Command {
	var secretFile string
	var slack bool
	c := &cobra.Command{
		Use:   "add URL [--secret-file FILE] [--slack]",
		Short: "Add a webhook: every alert notice is POSTed to URL, signed with its secret",
		Long: `Add an alert webhook. Every notice (an alert firing or resolved) is POSTed to
URL as JSON and signed with HMAC-SHA256 in the X-Patronus-Signature header
(docs/ALERTS.md says how a receiver verifies it). The secret is the first line
of --secret-file ("-": standard input); without the flag the controller draws
one and this command prints it once: it is never shown again. --slack adds a
Slack-compatible "text" field.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var secret string
			if cmd.Flags().Changed("secret-file") {
				var err error
				if secret, err = readSecretFile(secretFile, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			var r *pb.AddWebhookResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.AddWebhook(ctx, &pb.AddWebhookRequest{Url: args[0], Secret: secret, Slack: slack})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				ctlWebhookText(w, []*pb.WebhookInfo{r.Webhook})
				if r.Secret != "" {
					fmt.Fprintf(w, "\nsecret: %s\n(shown once: give it to the receiver to verify X-Patronus-Signature)\n", r.Secret)
				}
			})
		},
	}
	c.Flags().StringVar(&secretFile, "secret-file", "", `file whose first line is the signing secret ("-": stdin); absent: drawn by the controller`)
	c.Flags().BoolVar(&slack, "slack", false, `add a Slack-compatible "text" field to every delivery`)
	return c
}

// maxSecretInput bounds what is read for a secret.
const maxSecretInput = 4096

// readSecretFile reads the first line of file (stdin for "-").
func readSecretFile(file string, stdin io.Reader) (string, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--secret-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, maxSecretInput)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("--secret-file: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("--secret-file: the first line is empty")
	}
	return line, nil
}

func ctlWebhookText(w *tabwriter.Writer, hooks []*pb.WebhookInfo) {
	fmt.Fprintln(w, "ID\tURL\tSLACK\tBY\tADDED")
	for _, h := range hooks {
		fmt.Fprintf(w, "%d\t%s\t%v\t%s\t%s\n", h.Id, h.Url, h.Slack, ctlDash(h.CreatedBy), ctlStamp(h.CreatedAt))
	}
}

func ctlWebhookListCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the webhooks (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r *pb.ListWebhooksResponse
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.ListWebhooks(ctx, &pb.ListWebhooksRequest{})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) { ctlWebhookText(w, r.Webhooks) })
		},
	}
}

func webhookID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("ID: %q is not a webhook id (see 'alerts webhook list')", arg)
	}
	return id, nil
}

func ctlWebhookRemoveCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "remove ID", Short: "Remove a webhook and the deliveries waiting for it", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := webhookID(args[0])
			if err != nil {
				return err
			}
			err = o.call(func(ctx context.Context, a pb.AdminClient) error {
				_, err := a.RemoveWebhook(ctx, &pb.RemoveWebhookRequest{Id: id})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), &pb.RemoveWebhookResponse{}, func(w *tabwriter.Writer) { fmt.Fprintf(w, "removed webhook %d\n", id) })
		},
	}
}

func ctlWebhookTestCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "test ID", Short: "Send a test notice to a webhook now and show how it answered", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := webhookID(args[0])
			if err != nil {
				return err
			}
			var r *pb.TestWebhookResponse
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.TestWebhook(ctx, &pb.TestWebhookRequest{Id: id})
				return err
			})
			if err != nil {
				return err
			}
			if err := o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) {
				if r.Delivered {
					fmt.Fprintf(w, "delivered: HTTP %d in %v\n", r.HttpStatus, r.Duration.AsDuration().Round(1e6))
				} else {
					fmt.Fprintf(w, "not delivered: %s\n", r.Error)
				}
			}); err != nil {
				return err
			}
			if !r.Delivered {
				return fmt.Errorf("webhook %d: the test notice was not delivered: %s", id, r.Error)
			}
			return nil
		},
	}
}
