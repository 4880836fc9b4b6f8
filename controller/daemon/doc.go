// Package daemon is the controller's composition root: its configuration
// (the YAML file's schema, defaults and validation), and the wiring of the
// store, the CA, the TLS server certificate, the gRPC services and the
// HTTP handler on one listener (controller/server), the metrics the server
// and the API report to and serve at /metrics (controller/metrics), the
// reconciliation of the configured networks and the store's maintenance
// loop.
//
// The CLI (internal/cli) only turns flags into a Config and calls Run. Tests
// start a controller in process:
//
//	d, err := daemon.New(ctx, cfg) // cfg.Listen "127.0.0.1:0"
//	go d.Serve()
//	addr := d.Addr()               // the bound address
//	d.Stop()                       // every goroutine ended, the store closed
//
// What a first start creates, and where, is written to Config.Out; the
// log (Config.Logger) never holds a key, a token or a store password.
package daemon
