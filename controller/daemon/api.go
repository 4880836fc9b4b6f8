package daemon

import (
	"context"
	"fmt"
	"net/http"

	"github.com/patronus-sdwan/patronus/controller/api"
	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/server"
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
	m, err := manage.New(manage.Config{Store: d.st, Audit: d.st, Users: d.auth,
		Live: d.live, Retention: d.cfg.retention(), Log: d.log})
	if err != nil {
		return nil, err
	}
	wsOrigin, err := api.OriginChecker(d.cfg.API.WebSocketOrigins)
	if err != nil {
		return nil, fmt.Errorf("api.websocket_origins: %w", err)
	}
	gql, err := graph.NewHandler(graph.Config{Manage: m, Bus: d.bus, Authenticate: d.auth.Authenticate, CheckOrigin: wsOrigin, Log: d.log})
	if err != nil {
		return nil, err
	}
	return api.New(api.Config{Auth: d.auth, Manage: m, AuthHandler: d.auth.Handler(), GraphQL: gql,
		ClientCerts: srv.Verifier(), CORSOrigins: d.cfg.API.CORSOrigins, WebSocketOrigins: d.cfg.API.WebSocketOrigins,
		Logger: d.log})
}
