package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/internal/logging"
	"github.com/patronus-sdwan/patronus/internal/tracing/provider"
	"github.com/patronus-sdwan/patronus/internal/version"
)

// traceFlushTimeout bounds the export of the last spans at exit.
const traceFlushTimeout = 5 * time.Second

// addObservabilityFlags gives a daemon --log-format and --trace-stdout.
func addObservabilityFlags(c *cobra.Command) {
	c.Flags().String("log-format", logging.DefaultFormat, "log format: text or json")
	c.Flags().Bool("trace-stdout", false, "write trace spans to standard output as JSON (development); OTLP export is set by the OTEL_* variables")
}

// daemonLogger is the logger of --log-format at level, on the command's
// standard error.
func daemonLogger(cmd *cobra.Command, format string, level slog.Level) (*slog.Logger, error) {
	log, err := logging.New(cmd.ErrOrStderr(), format, level)
	if err != nil {
		return nil, errFlag("--log-format", err)
	}
	return log, nil
}

// startTracing installs the tracer provider of the OTEL_* variables and
// --trace-stdout; stop flushes it. enabled says whether spans are
// exported.
func startTracing(cmd *cobra.Command, service string, log *slog.Logger) (stop func(), enabled bool, err error) {
	toStdout, err := cmd.Flags().GetBool("trace-stdout")
	if err != nil {
		return nil, false, err
	}
	opts := provider.Options{ServiceName: service, Version: version.String(), Log: log}
	if toStdout {
		opts.Stdout = cmd.OutOrStdout()
	}
	p, err := provider.Install(cmd.Context(), opts)
	if err != nil {
		return nil, false, err
	}
	if p.Enabled() {
		log.Info("tracing on", "service", service, "stdout", toStdout)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), traceFlushTimeout)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			log.Warn("tracing: the last spans were not all exported", "err", err)
		}
	}, p.Enabled(), nil
}

// EdgeService is the edge's OpenTelemetry service.name unless
// OTEL_SERVICE_NAME says otherwise.
const EdgeService = "patronus-edge"

// edgeObservability makes the edge's logger (--log-format) and starts
// tracing (OTEL_*, --trace-stdout).
func edgeObservability(cmd *cobra.Command) (log *slog.Logger, stop func(), tracing bool, err error) {
	format, err := cmd.Flags().GetString("log-format")
	if err != nil {
		return nil, nil, false, err
	}
	if log, err = daemonLogger(cmd, format, slog.LevelInfo); err != nil {
		return nil, nil, false, err
	}
	stop, tracing, err = startTracing(cmd, EdgeService, log)
	return log, stop, tracing, err
}

type flagError struct {
	flag string
	err  error
}

func (e *flagError) Error() string { return e.flag + ": " + e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func errFlag(flag string, err error) error { return &flagError{flag: flag, err: err} }
