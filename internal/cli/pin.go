package cli

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

func newPinCmd() *cobra.Command {
	var sock, path, proto, src, dst string
	var sport, dport int
	var clear bool
	c := &cobra.Command{
		Use:   "pin --path ID [--proto tcp|udp|N] [--src PREFIX] [--dst PREFIX] [--sport N] [--dport N] | --clear",
		Short: "Send matching flows of the running edge over one path (path IDs: patronus status)",
		Long: `Adds a local pin to the running edge: packets that match go over the given
path instead of the one steering chooses. Local pins are tried in the order
they were added, before the pins the controller set ('patronus ctl pins'),
so a local pin wins for packets both match. --clear removes the local pins
(the controller's stay). Local pins live until the edge restarts. Without
--path or --clear, prints every pin with its origin.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st localapi.Status
			if _, err := ctlsock.Get(sock, "/status", &st); err != nil {
				return fmt.Errorf("--control-socket %s: %w (is patronus edge running?)", sock, err)
			}
			if path == "" && !clear {
				return printPinList(cmd.OutOrStdout(), st.Pins)
			}
			pins := localPins(st.Pins)
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
			if _, err := ctlsock.Get(sock, "/status", &st); err != nil {
				return fmt.Errorf("--control-socket %s: %w", sock, err)
			}
			return printPinList(cmd.OutOrStdout(), st.Pins)
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

// localPins are the pins set on the edge (an edge older than pin
// origins reports none).
func localPins(ps []localapi.Pin) []localapi.Pin {
	var out []localapi.Pin
	for _, p := range ps {
		if p.Origin == localapi.OriginLocal || p.Origin == "" {
			out = append(out, p)
		}
	}
	return out
}

func printPinList(out io.Writer, ps []localapi.Pin) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	printPins(w, ps)
	return w.Flush()
}

// printPins writes a table of pins, in the order the edge tries them.
func printPins(w *tabwriter.Writer, ps []localapi.Pin) {
	if len(ps) == 0 {
		fmt.Fprintln(w, "no pins")
		return
	}
	fmt.Fprintln(w, "PIN\tORIGIN\tMATCH\tPATH\tEXPIRES\tSTATE")
	for _, p := range ps {
		id, exp, state := "-", "-", "in force"
		if p.ID != 0 {
			id = strconv.FormatInt(p.ID, 10)
		}
		if p.Expires != nil {
			exp = p.Expires.UTC().Format(time.RFC3339)
		}
		if p.Ignored != "" {
			state = "ignored: " + p.Ignored
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", id, ctlDash(p.Origin), flowText(p.Flow), p.Path, exp, state)
	}
}

// flowText shows a FlowSpec as the flags that make it.
func flowText(f localapi.FlowSpec) string {
	var parts []string
	switch f.Proto {
	case 0:
	case 6:
		parts = append(parts, "tcp")
	case 17:
		parts = append(parts, "udp")
	default:
		parts = append(parts, "proto "+strconv.Itoa(int(f.Proto)))
	}
	for _, x := range []struct {
		name string
		p    netip.Prefix
		port uint16
	}{{"src", f.Src, f.SrcPort}, {"dst", f.Dst, f.DstPort}} {
		if x.p.IsValid() {
			parts = append(parts, x.name+" "+x.p.String())
		}
		if x.port != 0 {
			parts = append(parts, x.name+" port "+strconv.Itoa(int(x.port)))
		}
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

func pinFromFlags(path, proto, src, dst string, sport, dport int) (localapi.Pin, error) {
	p := localapi.Pin{Path: path}
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
