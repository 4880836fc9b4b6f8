package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/relay"
)

// RelayServingMessage starts the line that says where a relay serves.
const RelayServingMessage = "relay serving on udp "

func newRelayCmd() *cobra.Command {
	var listen, keyFile, metricsListen string
	var cfg relay.Config
	c := &cobra.Command{
		Use:   "relay --key-file FILE",
		Short: "Run a relay on its own: it carries the paths whose direct way does not open (docs/NAT.md)",
		Long: `Forwards the WireGuard datagrams of relayed paths between their two edges. The
key file is the controller's relay key (its relay.key_file, by default
DATA_DIR/relay.key): the controller issues the tokens, the relay checks them.
Point the controller's relay.endpoint at this relay and leave its relay.listen
empty.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyFile == "" {
				return errors.New("--key-file: required (the controller's relay key)")
			}
			key, err := daemon.LoadRelayKey(keyFile, false)
			if err != nil {
				return fmt.Errorf("--key-file: %w", err)
			}
			cfg.Key = key
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runRelay(ctx, cfg, listen, metricsListen, cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&listen, "listen", ":3478", "UDP HOST:PORT to serve on")
	c.Flags().StringVar(&keyFile, "key-file", "", "the relay key shared with the controller")
	c.Flags().StringVar(&metricsListen, "metrics-listen", "", "TCP HOST:PORT serving Prometheus /metrics; empty: none")
	c.Flags().IntVar(&cfg.MaxSessions, "max-sessions", relay.DefaultMaxSessions, "sessions the relay holds at most")
	c.Flags().IntVar(&cfg.MaxPerSite, "max-per-site", relay.DefaultMaxPerSite, "sessions one site takes part in at most")
	c.Flags().IntVar(&cfg.Rate, "rate", relay.DefaultRate, "bytes per second each side of a session may send")
	return c
}

// runRelay serves a relay until ctx ends.
func runRelay(ctx context.Context, cfg relay.Config, listen, metricsListen string, out io.Writer) error {
	reg := prometheus.NewRegistry()
	cfg.Registerer = reg
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	s, err := relay.New(cfg)
	if err != nil {
		return err
	}
	ua, err := net.ResolveUDPAddr("udp", listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	if metricsListen != "" {
		srv := &http.Server{Addr: metricsListen, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 10 * time.Second}
		ln, err := net.Listen("tcp", metricsListen)
		if err != nil {
			conn.Close()
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	fmt.Fprintln(out, RelayServingMessage+conn.LocalAddr().String())
	return s.Serve(conn)
}
