package cli

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/controller/daemon"
)

// Controller defaults, for ctl's flags.
const (
	DefaultControllerDataDir = daemon.DefaultDataDir
	adminDirName             = daemon.AdminDir
	defaultNetwork           = daemon.DefaultNetwork
	controllerUsage          = `Runs the controller: enrolment of edges with one-time join tokens, their
configuration pushed over gRPC with mutual TLS, their telemetry stored, and
the operator's API that 'patronus ctl' calls. gRPC and HTTPS share one TLS
listener (--listen). See docs/CONTROLLER.md.

On first start it creates, in the data directory, the CA (pki/ca.key,
pki/ca.crt), the TLS server certificate, and the operator credentials
(admin/), and prints where they are. Nothing secret is printed.

Settings come from the YAML file given with --config; flags override it.`
)

func newControllerCmd() *cobra.Command {
	var file string
	var flags daemon.Config
	c := &cobra.Command{
		Use:   "controller",
		Short: "Run the controller: enrolment, configuration push, telemetry, operator API",
		Long:  controllerUsage,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := controllerConfig(cmd, file, flags)
			if err != nil {
				return err
			}
			return runController(cmd, cfg)
		},
	}
	f := c.Flags()
	f.StringVar(&file, "config", "", "YAML configuration file (see docs/CONTROLLER.md)")
	f.StringVar(&flags.DataDir, "data-dir", daemon.DefaultDataDir, "data directory: CA, operator credentials, SQLite database")
	f.StringVar(&flags.Listen, "listen", daemon.DefaultListen, "TCP address to serve gRPC and HTTPS on (TLS)")
	f.StringVar(&flags.HTTPListen, "http-listen", "", "TCP address to serve the HTTP API on WITHOUT TLS, for a reverse proxy (off by default)")
	f.StringVar(&flags.Store, "store", daemon.DefaultStore, `"sqlite" (DATA_DIR/controller.db) or a PostgreSQL URL postgres://…`)
	f.StringSliceVar(&flags.ServerNames, "server-name", nil, "DNS name or address in the server certificate (repeatable; default: host name, localhost, 127.0.0.1, ::1)")
	f.StringSliceVar(&flags.Endpoints, "endpoint", nil, "controller address told to enrolling edges (repeatable)")
	f.StringVar(&flags.LogLevel, "log-level", daemon.DefaultLogLevel, "debug, info, warn or error")
	addObservabilityFlags(c) // --log-format, --trace-stdout
	return c
}

// controllerConfig reads the file (none: an empty configuration), and
// applies the flags given on the command line over it; the daemon fills
// the defaults and validates.
func controllerConfig(cmd *cobra.Command, file string, f daemon.Config) (daemon.Config, error) {
	var cfg daemon.Config
	if file != "" {
		var err error
		if cfg, err = daemon.LoadFile(file); err != nil {
			return cfg, err
		}
	}
	set := func(name string, dst *string, v string) {
		if cmd.Flags().Changed(name) {
			*dst = v
		}
	}
	set("data-dir", &cfg.DataDir, f.DataDir)
	set("listen", &cfg.Listen, f.Listen)
	set("http-listen", &cfg.HTTPListen, f.HTTPListen)
	set("store", &cfg.Store, f.Store)
	set("log-level", &cfg.LogLevel, f.LogLevel)
	if format, err := cmd.Flags().GetString("log-format"); err == nil {
		set("log-format", &cfg.LogFormat, format)
	}
	if cmd.Flags().Changed("server-name") {
		cfg.ServerNames = f.ServerNames
	}
	if cmd.Flags().Changed("endpoint") {
		cfg.Endpoints = f.Endpoints
	}
	cfg.SetDefaults()
	return cfg, cfg.Validate()
}

// ControllerService is the controller's OpenTelemetry service.name
// unless OTEL_SERVICE_NAME says otherwise.
const ControllerService = "patronus-controller"

func runController(cmd *cobra.Command, cfg daemon.Config) error {
	level, _ := daemon.ParseLogLevel(cfg.LogLevel)
	log, err := daemonLogger(cmd, cfg.LogFormat, level)
	if err != nil {
		return err
	}
	stopTracing, tracing, err := startTracing(cmd, ControllerService, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	cfg.Logger, cfg.Tracing = log, tracing
	cfg.Out = cmd.OutOrStdout()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return daemon.Run(ctx, cfg)
}
