package cli

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

func newPinCmd() *cobra.Command {
	var sock, path, proto, src, dst string
	var sport, dport int
	var clear bool
	c := &cobra.Command{
		Use:   "pin --path ID [--proto tcp|udp|N] [--src PREFIX] [--dst PREFIX] [--sport N] [--dport N] | --clear",
		Short: "Send matching flows of the running edge over one path (path IDs: patronus status)",
		Long: `Adds a pin to the running edge: packets that match go over the given path
instead of the preferred one. Pins are tried in the order they were added;
--clear removes them all. Pins live until the edge restarts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st dataplane.Status
			if _, err := ctlsock.Get(sock, "/status", &st); err != nil {
				return fmt.Errorf("--control-socket %s: %w (is patronus edge running?)", sock, err)
			}
			pins := st.Pins
			if clear {
				pins = nil
			} else {
				p, err := pinFromFlags(path, proto, src, dst, sport, dport)
				if err != nil {
					return err
				}
				pins = append(pins, p)
			}
			if err := ctlsock.Put(sock, "/pins", pins); err != nil {
				return fmt.Errorf("edge refused the pins: %w", err)
			}
			for _, p := range pins {
				fmt.Fprintf(cmd.OutOrStdout(), "%+v -> %s\n", p.Flow, p.Path)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&sock, "control-socket", DefaultEdgeSocket, "control socket of the running edge")
	f.StringVar(&path, "path", "", "path ID, as patronus status shows it")
	f.StringVar(&proto, "proto", "", "tcp, udp or an IP protocol number")
	f.StringVar(&src, "src", "", "source prefix or address")
	f.StringVar(&dst, "dst", "", "destination prefix or address")
	f.IntVar(&sport, "sport", 0, "source port (TCP/UDP)")
	f.IntVar(&dport, "dport", 0, "destination port (TCP/UDP)")
	f.BoolVar(&clear, "clear", false, "remove every pin")
	return c
}

func pinFromFlags(path, proto, src, dst string, sport, dport int) (dataplane.Pin, error) {
	p := dataplane.Pin{Path: path}
	if path == "" {
		return p, errors.New("--path: required (or --clear)")
	}
	switch proto {
	case "":
	case "tcp":
		p.Flow.Proto = 6
	case "udp":
		p.Flow.Proto = 17
	default:
		n, err := strconv.Atoi(proto)
		if err != nil || n < 1 || n > 255 {
			return p, fmt.Errorf("--proto: %q is not tcp, udp or 1..255", proto)
		}
		p.Flow.Proto = uint8(n)
	}
	var err error
	if p.Flow.Src, err = parsePrefixOrAddr("--src", src); err != nil {
		return p, err
	}
	if p.Flow.Dst, err = parsePrefixOrAddr("--dst", dst); err != nil {
		return p, err
	}
	for _, pt := range []struct {
		name string
		v    int
		dst  *uint16
	}{{"--sport", sport, &p.Flow.SrcPort}, {"--dport", dport, &p.Flow.DstPort}} {
		if pt.v < 0 || pt.v > 65535 {
			return p, fmt.Errorf("%s: %d is out of range 0..65535", pt.name, pt.v)
		}
		*pt.dst = uint16(pt.v)
	}
	return p, nil
}

func parsePrefixOrAddr(flag, s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("%s: %q is not an address or prefix", flag, s)
	}
	return p, nil
}
