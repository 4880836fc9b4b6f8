package daemon

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api"
	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/metrics"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/webui"
)

// The management API is wired here, in one place: the live event bus
// (shared by the gRPC side, which publishes, and GraphQL, which
// subscribes), the sign-in service (also behind Admin's user calls), the
// operations, GraphQL, REST and the HTTP layer in front of them.

// openEvents makes the event bus: across replicas on PostgreSQL.
func (d *Daemon) openEvents() error {
	bus, err := events.ForStore(d.ctx, d.st, d.log)
	if err != nil {
		return fmt.Errorf("live events: %w", err)
	}
	d.bus = bus
	d.live = manage.NewLive()
	return nil
}

// openAuth makes the sign-in service and, while there are no users,
// prints a one-time setup token for the first administrator.
func (d *Daemon) openAuth(ctx context.Context) error {
	cfg, err := d.cfg.API.authConfig(d.st)
	if err != nil {
		return err
	}
	cfg.Logger = d.log
	if d.auth, err = auth.New(cfg); err != nil {
		return fmt.Errorf("sign-in: %w", err)
	}
	tok, needed, err := d.auth.SetupToken(ctx)
	if err != nil {
		return fmt.Errorf("setup token: %w", err)
	}
	if needed {
		fmt.Fprintf(d.out, "patronus controller: no API users yet: make the first admin with 'patronus ctl users add NAME --role admin',\n"+
			"  or POST /api/v1/auth/setup with the one-time setup token %s (valid %v; see docs/API.md)\n", tok, auth.DefaultSetupTTL)
	}
	return nil
}

// apiHandler builds the management API over the server's certificate
// verifier (operator certificates act as admin).
func (d *Daemon) apiHandler(srv *server.Server) (http.Handler, error) {
	m := d.mgr
	wsOrigin, err := api.OriginChecker(d.cfg.API.WebSocketOrigins)
	if err != nil {
		return nil, fmt.Errorf("api.websocket_origins: %w", err)
	}
	gql, err := graph.NewHandler(graph.Config{Manage: m, Bus: d.bus, Authenticate: d.auth.Authenticate, CheckOrigin: wsOrigin, Log: d.log})
	if err != nil {
		return nil, err
	}
	ui, err := webui.New()
	if err != nil {
		return nil, err
	}
	return api.New(api.Config{Auth: d.auth, Manage: m, AuthHandler: d.auth.Handler(), GraphQL: gql, UI: ui,
		ClientCerts: srv.Verifier(), CORSOrigins: d.cfg.API.CORSOrigins, WebSocketOrigins: d.cfg.API.WebSocketOrigins,
		Metrics: d.metrics.Handler(), MetricsPublic: d.cfg.API.MetricsPublic, Requests: d.metrics, Ready: d.ready,
		Logger: d.log})
}

// openMetrics makes the controller's metrics (controller/metrics): the
// server reports to them, the API serves them, Serve feeds the fleet's
// from the event bus.
func (d *Daemon) openMetrics() {
	d.metrics = metrics.New(metrics.Config{Sites: d.st, Logger: d.log, Certificates: func() []metrics.Certificate {
		return []metrics.Certificate{{Kind: "ca", Cert: d.ca.Certificate()}, {Kind: "server", Cert: d.srv.Certificate()}}
	}})
}

// ready is the readiness check: the store answers a read.
func (d *Daemon) ready(ctx context.Context) error {
	start := time.Now()
	_, err := d.st.Networks(ctx)
	d.metrics.StoreCall(metrics.OpReadyCheck, time.Since(start), err)
	return err
}
