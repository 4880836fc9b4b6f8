package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/edge/metrics"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// DefaultMetricsListen is where the edge serves Prometheus metrics: the
// loopback only, as the metrics name the site's paths and peers.
const DefaultMetricsListen = "127.0.0.1:9469"

// serveEdge serves the running edge's control socket (status, flows,
// pins, and extra) and, unless mcfg.Addr is empty, its Prometheus metrics
// (the BGP speaker's from b); the returned function stops both.
func serveEdge(dp *dataplane.Dataplane, b *edgeBGP, sock string, mcfg metrics.ServeConfig, log *slog.Logger, extra map[string]http.HandlerFunc) (func(), error) {
	handlers := localapi.Handlers(dp)
	for k, h := range extra {
		handlers[k] = h
	}
	stopSock, err := ctlsock.Serve(sock, handlers)
	if err != nil {
		return nil, fmt.Errorf("--control-socket: %w", err)
	}
	if mcfg.Addr == "" {
		return stopSock, nil
	}
	mcfg.Logger = log
	_, stopMetrics, err := metrics.Serve(mcfg, dp, metrics.NewBGPCollector(b))
	if err != nil {
		stopSock()
		return nil, err
	}
	return func() { stopMetrics(); stopSock() }, nil
}

// DefaultEdgeSocket is where the edge serves its status.
const DefaultEdgeSocket = "/run/patronus/edge.sock"

func newEdgeCmd() *cobra.Command {
	var file, sock string
	var mcfg metrics.ServeConfig
	c := &cobra.Command{
		Use:   "edge --config FILE | --controller HOST:PORT [--join-token T]",
		Short: "Run a site's edge: encrypted, steered tunnels over every WAN link to every peer site",
		Long: `Runs the edge data plane of a site, from its configuration file (static
mode, --config) or from a controller (--controller: enrols once with a join
token, then keeps its identity and last configuration in --state-dir and
runs on it also while the controller is away). The data plane: the overlay
interface with routes to the peer sites' prefixes, and one WireGuard tunnel
per path (local WAN link x remote WAN link). Every path runs BFD (100 ms x 3
by default) and quality probes inside its tunnel; each flow is classified
(applications, built-in and configured), mapped to a policy and steered to
the path that meets its SLA class, moved at once when its path goes down,
or sent on two paths in duplicate mode. Packets are LZ4-compressed on a
path when the configuration enables it (defaults.compression,
peers[].compression) and the peer announced in its in-tunnel Hello that it
accepts it. See patronus paths, events, flows; Prometheus metrics on
--metrics-listen (loopback only, unless --metrics-token-file gives the
bearer token a scrape must send; docs/OBSERVABILITY.md).
SIGHUP re-reads the file and puts it in force without restarting unchanged
paths (as 'patronus config apply' does through the control socket). Runs
until SIGINT or SIGTERM, then removes the overlay interface.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("--config: required")
			}
			log, stopTracing, _, err := edgeObservability(cmd)
			if err != nil {
				return err
			}
			defer stopTracing()
			v, err := config.Load(file)
			if err != nil {
				return err
			}
			log = log.With("site", v.Name)
			dp, err := dataplane.Start(v, log)
			if err != nil {
				return err
			}
			b := &edgeBGP{log: log}
			if err := b.apply(dp, v); err != nil {
				_ = dp.Close()
				return err
			}
			defer b.close()
			dp.OnStateChange(b.stateChanged) // withdraws a site's prefixes when its last path goes down
			handlers := b.handlers()
			handlers["PUT /config"] = putConfig(dp, b, log)
			stop, err := serveEdge(dp, b, sock, mcfg, log, handlers)
			if err != nil {
				_ = dp.Close()
				return err
			}
			defer stop()
			log.Info("edge up", "paths", len(dp.Paths()), "control_socket", sock)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
			s := <-sig
			for ; s == syscall.SIGHUP; s = <-sig {
				reload(dp, b, file, log)
			}
			st := &dp.Stats
			log.Info("stopping", "signal", s.String(),
				"from_overlay", st.FromOverlay.Load(), "to_overlay", st.ToOverlay.Load(),
				"no_route", st.NoRoute.Load(), "no_path", st.NoPath.Load(), "queue_full", st.QueueFull.Load(),
				"malformed", st.Malformed.Load(), "source_rejected", st.SourceRejected.Load(),
				"dest_rejected", st.DestRejected.Load())
			return dp.Close()
		},
	}
	c.Flags().StringVar(&file, "config", "", "edge configuration file (see patronus config validate)")
	c.Flags().StringVar(&sock, "control-socket", DefaultEdgeSocket, "serve status on this unix socket (read with patronus status)")
	c.Flags().StringVar(&mcfg.Addr, "metrics-listen", DefaultMetricsListen, "serve Prometheus metrics on http://ADDR/metrics; empty: off; a non-loopback ADDR needs --metrics-token-file")
	c.Flags().StringVar(&mcfg.TokenFile, "metrics-token-file", "", "file holding the bearer token a scrape of /metrics must send (at least 32 characters)")
	addControllerMode(c)     // --controller, --join-token, --state-dir: edge_controller.go
	addObservabilityFlags(c) // --log-format, --trace-stdout
	return c
}

func newStatusCmd() *cobra.Command {
	var sock string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the paths, WAN links and forwarding counters of the running edge",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st localapi.Status
			raw, err := ctlsock.Get(sock, "/status", &st)
			if err != nil {
				return fmt.Errorf("--control-socket %s: %w (is patronus edge running?)", sock, err)
			}
			if asJSON {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			return printEdgeStatus(cmd, st)
		},
	}
	c.Flags().StringVar(&sock, "control-socket", DefaultEdgeSocket, "control socket of the running edge")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printEdgeStatus(cmd *cobra.Command, st localapi.Status) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "site %s\n\nPATH\tENDPOINT\tSTATE\tBFD\tFLOWS\tTX PKTS\tRX PKTS\tLAST HANDSHAKE\tCOMPRESSION\n", st.Site)
	for _, p := range st.Paths {
		hs := "never"
		if p.LastHandshake != nil {
			hs = p.LastHandshake.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", p.ID, p.Endpoint, p.State, p.BFDState, p.ActiveFlows,
			p.TxPackets, p.RxPackets, hs, compressionSummary(p))
	}
	fmt.Fprintln(w, "\nLINK\tPORT\tCOUNTERS")
	for _, l := range st.Links {
		fmt.Fprintf(w, "%s\t%d\t%v\n", l.Name, l.Port, l.Counters)
	}
	fmt.Fprintln(w)
	printPins(w, st.Pins)
	fmt.Fprintf(w, "\nforwarder: %v\n", st.Forwarder)
	fmt.Fprintf(w, "steering: %d flows, %d failovers, %d flows moved (patronus paths, events, flows)\n",
		st.Flows, st.Steering.Failovers, st.Steering.FlowsMoved)
	return w.Flush()
}

// compressionSummary is a path's compression in a few words: whether it
// is on and why not, the ratio and bytes saved, shim drops if any.
func compressionSummary(p localapi.PathStatus) string {
	c := p.Compression
	var s string
	switch {
	case c.Active:
		s = fmt.Sprintf("on %.2fx, %d B saved", c.Ratio, c.Saved)
	case !c.EnabledLocal:
		s = "off"
	case !c.PeerAccepts:
		s = "off (peer does not accept)"
	}
	var drops uint64
	for _, n := range p.ShimDrops {
		drops += n
	}
	if drops > 0 {
		s += fmt.Sprintf(", %d shim drops", drops)
	}
	return s
}

// reload re-reads the configuration file on SIGHUP and puts it in force;
// a file with an error changes nothing.
func reload(dp *dataplane.Dataplane, b *edgeBGP, file string, log *slog.Logger) {
	v, err := config.Load(file)
	if err != nil {
		log.Error("reload refused", "file", file, "err", err)
		return
	}
	ch, err := dp.Reconfigure(v)
	localapi.LogChanges(log, "reload", ch, err)
	if err == nil {
		if err := b.apply(dp, v); err != nil {
			log.Error("reload: bgp", "err", err)
		}
	}
}

// putConfig serves PUT /config as localapi.PutConfig does, and puts the
// new configuration's bgp section in force too.
func putConfig(dp *dataplane.Dataplane, b *edgeBGP, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var v *config.Valid
		if err == nil {
			v, err = localapi.ParseConfig(raw)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ch, err := dp.Reconfigure(v)
		localapi.LogChanges(log, "PUT /config", ch, err)
		if err == nil {
			err = b.apply(dp, v)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ch)
	}
}
