package labcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/lab"
)

func newLabStreamCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "stream send|recv",
		Short: "A constant-rate UDP stream between LAN hosts, to watch what a failover costs a call",
		Long: `A voice-like UDP stream: run 'recv' on one LAN host and 'send' on another,
then take the link it uses down (patronus lab impair SITE LINK --down) while
it runs. The receiver reports the packets lost and duplicated and the largest
gap between two packets. Port 20000 is in the RTP range, so the edges'
built-in catalogue puts the stream in the voice class.

  patronus lab exec host2 -- patronus lab stream recv &
  patronus lab exec host1 -- patronus lab stream send --to 10.2.0.2 --rate 500 --for 20s`,
	}
	c.AddCommand(newLabStreamSendCmd(), newLabStreamRecvCmd())
	return c
}

func newLabStreamSendCmd() *cobra.Command {
	var to string
	o := lab.StreamSend{}
	c := &cobra.Command{
		Use:   "send --to ADDRESS[:PORT]",
		Short: "Send the stream",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ap, err := parseHostPort(to, lab.DefaultStreamPort)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			o.To = ap
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			n, err := lab.SendStream(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "sent %d packets to %s\n", n, o.To)
			return nil
		},
	}
	c.Flags().StringVar(&to, "to", "", "receiver ADDRESS or ADDRESS:PORT (port "+strconv.Itoa(lab.DefaultStreamPort)+" when left out)")
	c.Flags().IntVar(&o.Rate, "rate", lab.DefaultStreamRate, "packets per second")
	c.Flags().DurationVar(&o.For, "for", 10*time.Second, "how long to send")
	c.Flags().IntVar(&o.Size, "size", lab.DefaultStreamSize, "UDP payload bytes (172: G.711 with 20 ms per packet)")
	c.Flags().IntVar(&o.DSCP, "dscp", 0, "DSCP of the packets, 0-63 (46: EF)")
	return c
}

func newLabStreamRecvCmd() *cobra.Command {
	var listen string
	var idle, timeout time.Duration
	var asJSON bool
	c := &cobra.Command{
		Use:   "recv [--listen [ADDRESS]:PORT]",
		Short: "Receive the stream and report gaps, losses and copies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ap, err := parseHostPort(listen, lab.DefaultStreamPort)
			if err != nil {
				return fmt.Errorf("--listen: %w", err)
			}
			if idle <= 0 {
				return fmt.Errorf("--idle %v: want a positive duration", idle)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			r, err := lab.ReceiveStream(ctx, ap, idle, func() {
				fmt.Fprintf(cmd.ErrOrStderr(), "listening on %s\n", ap)
			})
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(r)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "received %d packets (%d distinct, seq %d-%d over %.1f s): lost %d, duplicates %d, reordered %d; largest gap %.1f ms after packet %d\n",
				r.Packets, r.Unique, r.First, r.Last, r.DurationS, r.Lost, r.Duplicates, r.Reordered, r.MaxGapMS, r.MaxGapAfter)
			return nil
		},
	}
	c.Flags().StringVar(&listen, "listen", "", "ADDRESS:PORT or :PORT to listen on (default every address, port "+strconv.Itoa(lab.DefaultStreamPort)+")")
	c.Flags().DurationVar(&idle, "idle", 2*time.Second, "end this long after the last packet")
	c.Flags().DurationVar(&timeout, "timeout", 0, "end after this long even if packets still come (0: never)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

// parseHostPort parses ADDRESS, ADDRESS:PORT, [V6]:PORT or :PORT; a
// missing address is every address, a missing port def.
func parseHostPort(s string, def int) (netip.AddrPort, error) {
	if s == "" {
		return netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(def)), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a, uint16(def)), nil
	}
	if len(s) > 1 && s[0] == ':' {
		p, err := strconv.ParseUint(s[1:], 10, 16)
		if err != nil || p == 0 {
			return netip.AddrPort{}, fmt.Errorf("%q: not a port", s)
		}
		return netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(p)), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("%q: want ADDRESS, ADDRESS:PORT or :PORT", s)
	}
	return ap, nil
}
