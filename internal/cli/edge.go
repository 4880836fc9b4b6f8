package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/metrics"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// DefaultMetricsListen is where the edge serves Prometheus metrics: the
// loopback only, as the metrics name the site's paths and peers.
const DefaultMetricsListen = "127.0.0.1:9469"

// serveMetrics serves /metrics on addr until the returned function runs.
func serveMetrics(addr string, dp *dataplane.Dataplane, b *edgeBGP, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(dp, metrics.NewBGPCollector(b)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// serveEdge serves the running edge's control socket (status, flows,
// pins, and extra) and, unless metricsAddr is empty, its Prometheus
// metrics (the BGP speaker's from b); the returned function stops both.
func serveEdge(dp *dataplane.Dataplane, b *edgeBGP, sock, metricsAddr string, log *slog.Logger, extra map[string]http.HandlerFunc) (func(), error) {
	handlers := map[string]http.HandlerFunc{
		"GET /status": ctlsock.JSON(func() any { return dp.Status() }),
		"GET /flows": ctlsock.JSON(func() any {
			fl, total := dp.Flows()
			return flowsAnswer{Flows: fl, Total: total}
		}),
		"PUT /pins": ctlsock.PutJSON(dp.SetPins),
	}
	for k, h := range extra {
		handlers[k] = h
	}
	stopSock, err := ctlsock.Serve(sock, handlers)
	if err != nil {
		return nil, fmt.Errorf("--control-socket: %w", err)
	}
	if metricsAddr == "" {
		return stopSock, nil
	}
	stopMetrics, err := serveMetrics(metricsAddr, dp, b, log)
	if err != nil {
		stopSock()
		return nil, fmt.Errorf("--metrics-listen %s: %w", metricsAddr, err)
	}
	return func() { stopMetrics(); stopSock() }, nil
}

// DefaultEdgeSocket is where the edge serves its status.
const DefaultEdgeSocket = "/run/patronus/edge.sock"

func newEdgeCmd() *cobra.Command {
	var file, sock, metricsAddr string
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
--metrics-listen.
SIGHUP re-reads the file and puts it in force without restarting unchanged
paths (as 'patronus config apply' does through the control socket). Runs
until SIGINT or SIGTERM, then removes the overlay interface.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("--config: required")
			}
			v, err := config.Load(file)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
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
			stop, err := serveEdge(dp, b, sock, metricsAddr, log, handlers)
			if err != nil {
				_ = dp.Close()
				return err
			}
			defer stop()
			log.Info("edge up", "site", v.Name, "paths", len(dp.Paths()), "control_socket", sock)
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
				"malformed", st.Malformed.Load(), "source_rejected", st.SourceRejected.Load())
			return dp.Close()
		},
	}
	c.Flags().StringVar(&file, "config", "", "edge configuration file (see patronus config validate)")
	c.Flags().StringVar(&sock, "control-socket", DefaultEdgeSocket, "serve status on this unix socket (read with patronus status)")
	c.Flags().StringVar(&metricsAddr, "metrics-listen", DefaultMetricsListen, "serve Prometheus metrics on http://ADDR/metrics; empty: off")
	addControllerMode(c) // --controller, --join-token, --state-dir: edge_controller.go
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
			var st dataplane.Status
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

func printEdgeStatus(cmd *cobra.Command, st dataplane.Status) error {
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
func compressionSummary(p dataplane.PathStatus) string {
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
	logChanges(log, "reload", ch, err)
	if err == nil {
		if err := b.apply(dp, v); err != nil {
			log.Error("reload: bgp", "err", err)
		}
	}
}

func logChanges(log *slog.Logger, what string, ch dataplane.Changes, err error) {
	switch {
	case err != nil && ch.None():
		log.Error(what+" refused", "err", err)
	case err != nil:
		log.Error(what+" partly applied", "err", err, "changes", ch)
	case ch.None():
		log.Info(what + ": no changes")
	default:
		log.Info(what, "peers_added", ch.PeersAdded, "peers_removed", ch.PeersRemoved, "peers_restarted", ch.PeersRestarted,
			"routes_added", ch.RoutesAdded, "routes_removed", ch.RoutesRemoved, "compression_changed", ch.Compression,
			"pins_dropped", len(ch.PinsDropped), "controller_pins_changed", ch.ControllerPins)
	}
}

// putConfig serves PUT /config: a whole configuration (YAML, or JSON of
// the same schema), validated, then put in force; the answer is what
// changed.
func putConfig(dp *dataplane.Dataplane, b *edgeBGP, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var v *config.Valid
		if err == nil {
			v, err = parseConfig(raw)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ch, err := dp.Reconfigure(v)
		logChanges(log, "PUT /config", ch, err)
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

func parseConfig(raw []byte) (*config.Valid, error) {
	c, err := config.Parse(raw)
	if err != nil {
		return nil, err
	}
	v, err := c.Validate()
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return v, nil
}
