package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/localapi"
)

// ---- pins ----

func ctlPinsCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{
		Use:   "pins",
		Short: "List, set and delete path pins: matching flows of a site go over one path",
		Long: `A pin makes one site's edge send the packets it matches over a chosen path,
whatever steering says, until it is deleted or its --ttl ends. The edge tries
its local pins ('patronus pin') first, then these, by id. A pin whose path
the edge does not have is shown by 'patronus pin' there and ignored.`,
	}
	c.AddCommand(ctlPinsListCmd(o), ctlPinsSetCmd(o), ctlPinsDeleteCmd(o))
	return c
}

func ctlPinsListCmd(o *ctlOpts) *cobra.Command {
	var site string
	list := &cobra.Command{
		Use: "list [--site NAME]", Short: "List path pins, by id", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := &pb.ListPinsResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				for tok := ""; ; {
					r, err := a.ListPins(ctx, &pb.ListPinsRequest{Network: o.network, SiteName: site, PageToken: tok})
					if err != nil {
						return err
					}
					all.Pins = append(all.Pins, r.Pins...)
					if tok = r.NextPageToken; tok == "" {
						return nil
					}
				}
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), all, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "ID\tSITE\tMATCH\tPATH\tEXPIRES\tBY\tSET")
				for _, p := range all.Pins {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Id, p.SiteName, pinMatchText(p.Match), p.PathId,
						ctlStamp(p.ExpiresAt), p.CreatedBy, ctlStamp(p.CreatedAt))
				}
			})
		},
	}
	list.Flags().StringVar(&site, "site", "", "only this site's pins")
	return list
}

func ctlPinsSetCmd(o *ctlOpts) *cobra.Command {
	var site, path, proto, src, dst string
	var sport, dport int
	var ttl time.Duration
	set := &cobra.Command{
		Use:   "set --site NAME --path SITE/LINK->SITE/LINK [--proto tcp|udp|N] [--src PREFIX] [--dst PREFIX] [--sport N] [--dport N] [--ttl D]",
		Short: "Set a path pin of a site (one with the same site and match is replaced)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if site == "" {
				return errors.New("--site: required: the site whose edge applies the pin")
			}
			if ttl < 0 {
				return fmt.Errorf("--ttl: %v is negative", ttl)
			}
			p, err := pinFromFlags(path, proto, src, dst, sport, dport)
			if err != nil {
				return err
			}
			req := &pb.SetPinRequest{Network: o.network, SiteName: site, PathId: path, Match: pinMatchOf(p.Flow)}
			if ttl > 0 {
				req.Ttl = durationpb.New(ttl)
			}
			var got *pb.PinInfo
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				got, err = a.SetPin(ctx, req)
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), got, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "pin %d of site %s set: %s over %s, expires %s\n", got.Id, got.SiteName, pinMatchText(got.Match), got.PathId, ctlStamp(got.ExpiresAt))
			})
		},
	}
	f := set.Flags()
	f.StringVar(&site, "site", "", "site whose edge applies the pin (required)")
	f.StringVar(&path, "path", "", "path ID SITE/LINK->SITE/LINK, either end first (required)")
	f.StringVar(&proto, "proto", "", "tcp, udp or an IP protocol number")
	f.StringVar(&src, "src", "", "source prefix or address")
	f.StringVar(&dst, "dst", "", "destination prefix or address")
	f.IntVar(&sport, "sport", 0, "source port (TCP/UDP)")
	f.IntVar(&dport, "dport", 0, "destination port (TCP/UDP)")
	f.DurationVar(&ttl, "ttl", 0, "how long the pin lasts; 0: until deleted")
	return set
}

func ctlPinsDeleteCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "delete ID", Short: "Delete a path pin", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("ID: %q is not a pin id (patronus ctl pins list)", args[0])
			}
			r := &pb.DeletePinResponse{}
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				r, err = a.DeletePin(ctx, &pb.DeletePinRequest{Network: o.network, Id: id})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), r, func(w *tabwriter.Writer) { fmt.Fprintf(w, "pin %d deleted\n", id) })
		},
	}
}

// pinMatchOf is the match of `patronus pin`'s flags, for the controller.
func pinMatchOf(f localapi.FlowSpec) *pb.PinMatch {
	m := &pb.PinMatch{Protocol: uint32(f.Proto), SourcePort: uint32(f.SrcPort), DestinationPort: uint32(f.DstPort)}
	if f.Src.IsValid() {
		m.SourcePrefix = f.Src.String()
	}
	if f.Dst.IsValid() {
		m.DestinationPrefix = f.Dst.String()
	}
	return m
}

// pinMatchText shows a controller pin's match as `patronus pin` shows
// an edge's; an unparsable prefix is shown as it came.
func pinMatchText(m *pb.PinMatch) string {
	f := localapi.FlowSpec{Proto: uint8(min(m.GetProtocol(), 255)), SrcPort: uint16(min(m.GetSourcePort(), 65535)), DstPort: uint16(min(m.GetDestinationPort(), 65535))}
	var err error
	if m.GetSourcePrefix() != "" {
		if f.Src, err = parsePrefixOrAddr("", m.GetSourcePrefix()); err != nil {
			return fmt.Sprintf("%v", m)
		}
	}
	if m.GetDestinationPrefix() != "" {
		if f.Dst, err = parsePrefixOrAddr("", m.GetDestinationPrefix()); err != nil {
			return fmt.Sprintf("%v", m)
		}
	}
	return flowText(f)
}
