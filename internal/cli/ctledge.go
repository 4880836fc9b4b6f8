package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// ---- edge-settings ----

func ctlEdgeSettingsCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "edge-settings", Short: "Show and set a site's edge settings: compression, BFD timers, adaptive BFD, overlay MTU"}
	show := &cobra.Command{
		Use: "show SITE", Short: "Show a site's edge settings", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := getEdgeSettings(o, args[0])
			if err != nil {
				return err
			}
			return printEdgeSettings(o, cmd, out)
		},
	}
	c.AddCommand(show, ctlEdgeSettingsSetCmd(o))
	return c
}

func getEdgeSettings(o *ctlOpts, site string) (out *pb.SiteEdgeSettings, err error) {
	err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
		out, err = a.GetEdgeSettings(ctx, &pb.GetEdgeSettingsRequest{Network: o.network, SiteName: site})
		return err
	})
	return out, err
}

// edgeFlags are the flags of edge-settings set.
type edgeFlags struct {
	compression, adaptive bool
	bfd, idleRx, realtime string
	colors, clearColors   []string
	mtu                   uint32
	reset                 bool
}

func ctlEdgeSettingsSetCmd(o *ctlOpts) *cobra.Command {
	var f edgeFlags
	c := &cobra.Command{
		Use:   "set SITE [--compression=true|false] [--bfd TX/RX/MULT] [--bfd-color COLOR=TX/RX/MULT]... [--clear-bfd-color COLOR]... [--adaptive=true|false] [--idle-rx DUR] [--realtime DUR] [--mtu N] [--reset]",
		Short: "Change a site's edge settings (flags left out keep their values); its edge takes them without a restart",
		Long: `The site's edge puts these in force in its next configuration revision,
without a restart (docs/CONTROLLER.md, Edge settings). --bfd and --bfd-color
take TX/RX/MULT, e.g. 300ms/300ms/3; an empty part keeps the edge's default
(1s//5). --bfd-color sets the timers of the paths over the site's links of
one colour. --idle-rx and --realtime are adaptive BFD's intervals (0: the
edge's default). --mtu 0 is the edge's default (1420). --reset clears every
setting first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var es *pb.EdgeSettings
			if f.reset {
				es = &pb.EdgeSettings{}
			} else {
				cur, err := getEdgeSettings(o, args[0])
				if err != nil {
					return err
				}
				es = cur.GetSettings()
				if es == nil {
					es = &pb.EdgeSettings{}
				}
			}
			if err := f.apply(cmd, es); err != nil {
				return err
			}
			var out *pb.SiteEdgeSettings
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				out, err = a.SetEdgeSettings(ctx, &pb.SetEdgeSettingsRequest{Network: o.network, SiteName: args[0], Settings: es})
				return err
			})
			if err != nil {
				return err
			}
			return printEdgeSettings(o, cmd, out)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.compression, "compression", false, "per-path LZ4 compression")
	fl.StringVar(&f.bfd, "bfd", "", "BFD timers of every path: TX/RX/MULT")
	fl.StringArrayVar(&f.colors, "bfd-color", nil, "BFD timers of the paths over links of a colour: COLOR=TX/RX/MULT")
	fl.StringArrayVar(&f.clearColors, "clear-bfd-color", nil, "remove a colour's BFD timers")
	fl.BoolVar(&f.adaptive, "adaptive", true, "adaptive BFD (docs/BFD.md)")
	fl.StringVar(&f.idleRx, "idle-rx", "", "adaptive BFD: the receive interval of a path to an idle site")
	fl.StringVar(&f.realtime, "realtime", "", "adaptive BFD: the interval of the paths to a site with real-time flows")
	fl.Uint32Var(&f.mtu, "mtu", 0, "overlay MTU, 1280..9000 (0: the edge's default)")
	fl.BoolVar(&f.reset, "reset", false, "clear every setting before applying the others")
	return c
}

// apply sets what the flags given say into es; an error names the flag.
func (f *edgeFlags) apply(cmd *cobra.Command, es *pb.EdgeSettings) error {
	changed := cmd.Flags().Changed
	if changed("compression") {
		es.Compression = &f.compression
	}
	if changed("bfd") {
		b, err := parseBFDTimers(f.bfd)
		if err != nil {
			return fmt.Errorf("--bfd: %w", err)
		}
		es.Bfd = b
	}
	for _, col := range f.clearColors {
		delete(es.BfdByColor, col)
	}
	for i, s := range f.colors {
		col, timers, ok := strings.Cut(s, "=")
		b, err := parseBFDTimers(timers)
		if !ok || col == "" {
			err = fmt.Errorf("%q: want COLOR=TX/RX/MULT", s)
		}
		if err != nil {
			return fmt.Errorf("--bfd-color[%d]: %w", i, err)
		}
		if es.BfdByColor == nil {
			es.BfdByColor = map[string]*pb.BfdTimers{}
		}
		es.BfdByColor[col] = b
	}
	if err := f.applyAdaptive(changed, es); err != nil {
		return err
	}
	if changed("mtu") {
		es.OverlayMtu = f.mtu
	}
	return nil
}

func (f *edgeFlags) applyAdaptive(changed func(string) bool, es *pb.EdgeSettings) error {
	if !changed("adaptive") && !changed("idle-rx") && !changed("realtime") {
		return nil
	}
	if es.BfdAdaptive == nil {
		es.BfdAdaptive = &pb.BfdAdaptive{}
	}
	a := es.BfdAdaptive
	if changed("adaptive") {
		a.Enabled = &f.adaptive
	}
	for _, d := range []struct {
		flag, text string
		to         **durationpb.Duration
	}{{"idle-rx", f.idleRx, &a.IdleRxInterval}, {"realtime", f.realtime, &a.RealtimeInterval}} {
		if !changed(d.flag) {
			continue
		}
		v, err := parseDur(d.text)
		if err != nil {
			return fmt.Errorf("--%s: %w", d.flag, err)
		}
		*d.to = v
	}
	return nil
}

// parseBFDTimers reads TX/RX/MULT; an empty part is the edge's default.
func parseBFDTimers(s string) (*pb.BfdTimers, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%q: want TX/RX/MULT, e.g. 300ms/300ms/3", s)
	}
	b := &pb.BfdTimers{}
	var err error
	if b.TxInterval, err = parseDur(parts[0]); err != nil {
		return nil, fmt.Errorf("tx: %w", err)
	}
	if b.RxInterval, err = parseDur(parts[1]); err != nil {
		return nil, fmt.Errorf("rx: %w", err)
	}
	if parts[2] != "" {
		m, err := strconv.ParseUint(parts[2], 10, 8)
		if err != nil || m == 0 {
			return nil, fmt.Errorf("multiplier: %q: want 1..255", parts[2])
		}
		b.Multiplier = uint32(m)
	}
	return b, nil
}

// parseDur reads a duration; "" and "0" are unset (the edge's default).
func parseDur(s string) (*durationpb.Duration, error) {
	if s == "" || s == "0" {
		return nil, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return nil, fmt.Errorf("%q: want a positive duration such as 300ms", s)
	}
	return durationpb.New(d), nil
}

func printEdgeSettings(o *ctlOpts, cmd *cobra.Command, s *pb.SiteEdgeSettings) error {
	return o.print(cmd.OutOrStdout(), s, func(w *tabwriter.Writer) {
		es := s.GetSettings()
		fmt.Fprintf(w, "site %s\n", s.SiteName)
		comp := "default (off)"
		if es.Compression != nil {
			comp = strconv.FormatBool(es.GetCompression())
		}
		fmt.Fprintf(w, "compression\t%s\n", comp)
		fmt.Fprintf(w, "bfd\t%s\n", timersText(es.GetBfd()))
		for _, col := range slices.Sorted(maps.Keys(es.GetBfdByColor())) {
			fmt.Fprintf(w, "bfd colour %s\t%s\n", col, timersText(es.BfdByColor[col]))
		}
		a := es.GetBfdAdaptive()
		on := "default (on)"
		if a.Enabled != nil {
			on = strconv.FormatBool(a.GetEnabled())
		}
		fmt.Fprintf(w, "adaptive bfd\t%s, idle rx %s, real-time %s\n", on, durText(a.GetIdleRxInterval()), durText(a.GetRealtimeInterval()))
		mtu := "default (1420)"
		if es.GetOverlayMtu() != 0 {
			mtu = strconv.Itoa(int(es.GetOverlayMtu()))
		}
		fmt.Fprintf(w, "overlay mtu\t%s\n", mtu)
	})
}

func timersText(b *pb.BfdTimers) string {
	if b == nil {
		return "default"
	}
	m := "default"
	if b.Multiplier != 0 {
		m = strconv.Itoa(int(b.Multiplier))
	}
	return fmt.Sprintf("tx %s, rx %s, multiplier %s", durText(b.TxInterval), durText(b.RxInterval), m)
}

func durText(d *durationpb.Duration) string {
	if d == nil {
		return "default"
	}
	return d.AsDuration().String()
}
